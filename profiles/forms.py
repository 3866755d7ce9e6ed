from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from core.links import absolute_url

from .models import LearnerProfile
from .services import MAX_FIELD_LENGTH


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Renders the reset email in the request, then hands the sending to the Celery worker."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.template import loader

        from core.tasks import enqueue_after_commit

        from .tasks import email_send

        # The link is built on LEARNHUB_SITE_URL like every email's, not on the request's Host.
        context = {
            **context,
            "reset_url": absolute_url(
                "password_reset_confirm",
                kwargs={"uidb64": context["uid"], "token": context["token"]},
            ),
        }
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        enqueue_after_commit(email_send, subject, body, to_email, fallback_inline=True)


def _text_field(
    model_field: str, label: str, rows: int = 3, *, prompt: str | None = None
) -> forms.CharField:
    """A profile text field; ``prompt`` (what to write, in the student's words) replaces the
    model's help text, which often only restates the label."""
    help_text = prompt or getattr(LearnerProfile._meta.get_field(model_field), "help_text", "")
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_FIELD_LENGTH,
        help_text=str(help_text),
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AboutMeForm(forms.Form):
    strengths = _text_field(
        "strengths", "My strengths", prompt="Things I'm good at, in school and out of it."
    )
    needs = _text_field(
        "needs", "What I'm working on", prompt="Something that is hard for me now, and what helps."
    )
    interests = _text_field(
        "interests", "My interests", prompt="What I love to do and learn about."
    )
    learning_preferences = _text_field(
        "learning_preferences",
        "How I learn best",
        prompt="For example: seeing a worked example first, working with a partner, quiet time.",
    )
    aspirations = _text_field(
        "aspirations", "My hopes and dreams", prompt="What I hope to do and become."
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SupportNotesForm(forms.Form):
    support_notes = _text_field("support_notes", "Support notes", rows=4)
    accommodations = _text_field("accommodations", "Accommodations", rows=4)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
