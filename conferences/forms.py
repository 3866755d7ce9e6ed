"""Forms of the conference pages: each field bounded, choices validated (Django's CharField
already refuses NUL characters)."""

from __future__ import annotations

from django import forms

from core.forms import DateInput, SchoolDateField

from .models import Attendee, Commitment


class TimeInput(forms.TimeInput):
    input_type = "time"


class SectionForm(forms.Form):
    response = forms.CharField(
        label="My answer", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SampleAddForm(forms.Form):
    evidence = forms.IntegerField(min_value=1, label="Piece of work")
    proud_of = forms.CharField(
        label="What I'm proud of",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    do_differently = forms.CharField(
        label="What I'd do differently",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SampleUpdateForm(forms.Form):
    sample = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    proud_of = forms.CharField(
        label="What I'm proud of",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    do_differently = forms.CharField(
        label="What I'd do differently",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NextGoalForm(forms.Form):
    title = forms.CharField(label="A goal for next term", max_length=200)
    why = forms.CharField(label="Why it matters to me", required=False, max_length=2000)
    category = forms.IntegerField(required=False, min_value=1)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the student",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label="Notes", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 8})
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label="Summary for the family",
        required=False,
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class CommitmentForm(forms.Form):
    who = forms.ChoiceField(label="Who", choices=Commitment.Who.choices)
    text = forms.CharField(label="Will do", max_length=500)
    due_on = SchoolDateField(label="By when", required=False, widget=DateInput)


class CommitmentReviewForm(forms.Form):
    commitment = forms.IntegerField(min_value=1)
    outcome = forms.ChoiceField(choices=Commitment.Outcome.choices)


class RsvpForm(forms.Form):
    response = forms.ChoiceField(
        label="Can you come?",
        choices=[
            (Attendee.Rsvp.ACCEPTED, "Yes, we'll be there"),
            (Attendee.Rsvp.ANOTHER_TIME, "We need another time"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note (which times work better?)", required=False, max_length=500)


class InterpreterForm(forms.Form):
    language = forms.CharField(
        label="Language for an interpreter (leave empty for none)", required=False, max_length=64
    )


class InviteForm(forms.Form):
    name = forms.CharField(label="Name", max_length=150)
    email = forms.EmailField(label="Email (optional)", required=False, max_length=254)


class SlotsForm(forms.Form):
    day = SchoolDateField(label="Day", widget=DateInput)
    start = forms.TimeField(label="From", widget=TimeInput)
    end = forms.TimeField(label="To", widget=TimeInput)
    minutes = forms.IntegerField(label="Minutes each", min_value=10, max_value=120, initial=30)
    room = forms.CharField(label="Room", required=False, max_length=64)
    capacity = forms.IntegerField(label="Families at once", min_value=1, max_value=12, initial=1)


class BlockForm(forms.Form):
    day = SchoolDateField(label="Day", widget=DateInput)
    start = forms.TimeField(label="From", widget=TimeInput)
    end = forms.TimeField(label="To", widget=TimeInput)
    reason = forms.CharField(label="Reason (only staff see it)", required=False, max_length=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, max_length=4000)
