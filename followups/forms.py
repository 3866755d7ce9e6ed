"""Forms for the teacher's actions on a flag and for taking attendance."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import SchoolDateField
from profiles.models import User

from .models import Attendance, Flag, FollowUp


class FollowUpForm(forms.Form):
    action = forms.ChoiceField(label="What was done", choices=FollowUp.Action.choices)
    note = forms.CharField(
        label="Note", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    occurred_on = SchoolDateField(label="When (today if empty)", required=False)


class SnoozeForm(forms.Form):
    until = SchoolDateField(label="Snooze until")


class ResolveForm(forms.Form):
    outcome = forms.CharField(
        label="Outcome", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FeedbackForm(forms.Form):
    feedback = forms.ChoiceField(label="Was this flag useful?", choices=Flag.Feedback.choices)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="Assign to", queryset=User.objects.none())

    def __init__(self, *args: Any, teachers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if teachers is not None:
            self.fields["assignee"].queryset = teachers  # type: ignore[attr-defined]


class AttendanceDateForm(forms.Form):
    date = SchoolDateField(label="Day", required=False)


STATUS_CHOICES = Attendance.Status.choices
