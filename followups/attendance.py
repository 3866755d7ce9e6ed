"""Attendance: which days are school days, and the information system's CSV export.

A school day is a weekday inside one of the school's active terms that is not a closure.
"""

from __future__ import annotations

import datetime as dt

from profiles.models import School, Term

from .models import SchoolClosure


def active_term(school: School, day: dt.date | None = None) -> Term | None:
    """The school's active term containing ``day`` (today at the school by default): the
    shortest one, so a grading period wins over the school year it sits in."""
    day = day or school.today()
    terms = Term.objects.filter(
        school=school, start_date__lte=day, end_date__gte=day, is_active=True
    )
    return min(terms, key=lambda t: (t.end_date - t.start_date, t.pk), default=None)


def is_school_day(school: School, day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    if not Term.objects.filter(
        school=school, start_date__lte=day, end_date__gte=day, is_active=True
    ).exists():
        return False
    return not SchoolClosure.objects.filter(school=school, date=day).exists()


def school_days(school: School, start: dt.date, end: dt.date) -> list[dt.date]:
    """The school days from ``start`` to ``end`` inclusive, in order (two queries)."""
    if end < start:
        return []
    terms = list(
        Term.objects.filter(
            school=school, start_date__lte=end, end_date__gte=start, is_active=True
        ).values_list("start_date", "end_date")
    )
    closed = set(
        SchoolClosure.objects.filter(school=school, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in closed and any(a <= day <= b for a, b in terms):
            days.append(day)
        day += dt.timedelta(days=1)
    return days
