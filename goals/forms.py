from __future__ import annotations

from typing import Any

from django import forms

from core.forms import DateInput, SchoolDateField
from mastery.models import Competency
from mastery.statements import statement_text

from .models import Goal, GoalCategory


class GoalForm(forms.Form):
    """The goal-setting tool: a guided form; the hints come from goals.quality."""

    title = forms.CharField(label="My goal", max_length=200)
    why = forms.CharField(
        label="Why it matters to me",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    category = forms.ModelChoiceField(queryset=GoalCategory.objects.none(), required=False)
    horizon = forms.ChoiceField(label="By when", choices=Goal.Horizon.choices)
    success_criteria = forms.CharField(
        label="How I'll know I got there",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    target_date = SchoolDateField(label="Target date", required=False, widget=DateInput)
    competencies = forms.ModelMultipleChoiceField(
        queryset=Competency.objects.none(),
        required=False,
        label="Learning targets it builds (optional)",
        help_text="Linked targets let LearnHub work out your progress from your mastery.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    step_1 = forms.CharField(label="First step", required=False, max_length=200)
    step_2 = forms.CharField(label="Second step", required=False, max_length=200)
    step_3 = forms.CharField(label="Third step", required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        categories: list[GoalCategory],
        competencies: list[Competency],
        with_steps: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = GoalCategory.objects.filter(  # type: ignore[attr-defined]
            pk__in=[c.pk for c in categories]
        )
        field = self.fields["competencies"]
        field.queryset = Competency.objects.filter(pk__in=[c.pk for c in competencies])  # type: ignore[attr-defined]
        field.label_from_instance = lambda c: f"{c.code} {statement_text(c.label)}".strip()  # type: ignore[attr-defined]
        if not with_steps:
            for name in ("step_1", "step_2", "step_3"):
                del self.fields[name]


class SuggestGoalForm(GoalForm):
    """A teacher suggests a goal to a student, worded for the teacher; the student accepts or
    declines it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "title": "The goal",
            "why": "Why it would matter to them",
            "success_criteria": "How they'll know they got there",
            "competencies": "Learning targets it builds (optional)",
        }
        for name, label in labels.items():
            self.fields[name].label = label
        self.fields[
            "competencies"
        ].help_text = "Linked targets let LearnHub work out their progress from their mastery."
        del self.fields["version"]


class CheckInForm(forms.Form):
    progress = forms.IntegerField(
        label="How far along?",
        min_value=0,
        max_value=100,
        required=False,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"),
            "Give how far along you are as a whole percent from 0 to 100.",
        ),
    )
    confidence = forms.TypedChoiceField(
        label="How confident am I?",
        coerce=int,
        choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how confident you feel, from 1 to 5.",
            "invalid_choice": "Choose how confident you feel, from 1 to 5.",
        },
    )
    what_helped = forms.CharField(label="What helped", required=False, max_length=2000)
    what_got_in_the_way = forms.CharField(
        label="What got in the way", required=False, max_length=2000
    )
    next_step = forms.CharField(label="My next step", required=False, max_length=2000)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Add a comment", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransitionForm(forms.Form):
    comment = forms.CharField(required=False, max_length=4000)
    outcome = forms.ChoiceField(
        required=False,
        choices=[
            ("achieved", "Achieved"),
            ("not_met", "Not met"),
            ("abandoned", "Set aside"),
        ],
    )
