from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from core.forms import DateInput, SchoolDateField

from .models import Competency, Evidence
from .statements import statement_text


class EvidenceForm(forms.Form):
    """One scored observation, added from a grid cell."""

    score = forms.ChoiceField(label="Level")
    observed_on = SchoolDateField(
        label="Date observed", widget=DateInput, initial=timezone.localdate
    )
    kind = forms.ChoiceField(
        label="Kind", choices=Evidence.Kind.choices, initial=Evidence.Kind.ASSESSMENT
    )
    note = forms.CharField(
        label="Note for the student and family",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, levels: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Nothing pre-selected: a teacher picks the level they saw (a default would be a guess
        # that is saved when they only meant to add a note).
        self.fields["score"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a level…"),
            *((str(lv.points), f"{lv.points.normalize()} {lv.label}") for lv in levels),
        ]


class ClassScoresForm(forms.Form):
    """One assessment for a whole class: the shared details; scores come as score_<student id>."""

    competency = forms.ModelChoiceField(queryset=Competency.objects.none(), label="Learning target")
    title = forms.CharField(label="Assessment", max_length=255, required=False)
    observed_on = SchoolDateField(label="Date", widget=DateInput, initial=timezone.localdate)
    kind = forms.ChoiceField(choices=Evidence.Kind.choices, initial=Evidence.Kind.ASSESSMENT)
    note = forms.CharField(label="Note (for everyone assessed)", required=False, max_length=2000)

    def __init__(self, *args: Any, competencies: list[Competency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competency"]
        field.queryset = Competency.objects.filter(pk__in=[c.pk for c in competencies])  # type: ignore[attr-defined]
        field.label_from_instance = lambda c: f"{c.code} {statement_text(c.label)}".strip()  # type: ignore[attr-defined]


class SubmitEvidenceForm(forms.Form):
    competency = forms.ModelChoiceField(queryset=Competency.objects.none(), label="Learning target")
    kind = forms.ChoiceField(
        label="What is it?",
        choices=[
            (Evidence.Kind.PRIOR_LEARNING, "Something I learned before or outside school"),
            (Evidence.Kind.PROJECT, "A project or piece of work"),
            (Evidence.Kind.SELF_ASSESSMENT, "My own assessment of where I am"),
        ],
    )
    note = forms.CharField(
        label="What did you do? What does it show?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    link = forms.URLField(
        label="Link to your work (optional)", required=False, max_length=500, assume_scheme="https"
    )

    def __init__(self, *args: Any, competencies: list[Competency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competency"]
        field.queryset = Competency.objects.filter(pk__in=[c.pk for c in competencies])  # type: ignore[attr-defined]
        field.label_from_instance = lambda c: f"{c.code} {statement_text(c.label)}".strip()  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    score = forms.DecimalField(required=False, min_value=0, max_digits=5, decimal_places=2)
    comment = forms.CharField(required=False, max_length=2000)
