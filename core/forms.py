"""Form fields shared by every app's forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from .dates import plausible_date
from .errors import ValidationFailed


class DateInput(forms.DateInput):
    input_type = "date"


class SchoolDateField(forms.DateField):
    """A date a person enters at school: refused with a sentence when it is decades away from
    today (year 1, year 9999), like the services refuse it."""

    widget = DateInput

    def validate(self, value: Any) -> None:
        super().validate(value)
        if isinstance(value, dt.date):
            try:
                plausible_date(value, field=str(self.label or "date"), today=timezone.localdate())
            except ValidationFailed as error:
                raise forms.ValidationError(error.message, code="out_of_range") from error
