"""Dates people enter are school dates: within a few decades of today, never year 1 or 9999."""

from __future__ import annotations

import datetime as dt

from .errors import ValidationFailed

PAST_YEARS = 30
FUTURE_YEARS = 10


def plausible_date(
    value: dt.date,
    *,
    field: str,
    today: dt.date,
    past_years: int = PAST_YEARS,
    future_years: int = FUTURE_YEARS,
) -> dt.date:
    """``value`` unchanged, or :class:`ValidationFailed` naming ``field`` when it lies more than
    ``past_years`` before or ``future_years`` after ``today`` (a typo, or hostile input)."""
    earliest = today.replace(year=today.year - past_years, day=min(today.day, 28))
    latest = today.replace(year=today.year + future_years, day=min(today.day, 28))
    if not earliest <= value <= latest:
        raise ValidationFailed(
            f"Pick a date between {earliest:%B %Y} and {latest:%B %Y}.", field=field
        )
    return value
