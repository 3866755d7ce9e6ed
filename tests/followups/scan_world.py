"""Builders for the scan tests: the world's school with a fall term, the Math 7 framework and
pacing plan (tests/mastery/conftest.py), and students with evidence, goals and attendance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from followups.models import Attendance
from goals.models import CheckIn, Goal
from mastery.models import Competency, Evidence
from mastery.services import mastery_recompute
from profiles.models import Section, User

from .. import factories as f

TERM_START = dt.date(2026, 8, 24)
TERM_END = dt.date(2027, 1, 22)
AS_OF = dt.date(2026, 11, 2)  # a Monday; Math 7 expects 7.RP.1 (Sep 30) and 7.RP.2 (Oct 31)


def term(school) -> None:
    f.TermFactory(school=school, title="Fall 2026", start_date=TERM_START, end_date=TERM_END)


def school_days(until: dt.date, n: int) -> list[dt.date]:
    """The last n weekdays up to ``until`` (no closures)."""
    days: list[dt.date] = []
    day = until
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return sorted(days)


def evidence(
    student: User, competency: Competency, score: str, on: dt.date, section: Section | None = None
) -> Evidence:
    """Accepted evidence, and its mastery record recomputed (as every evidence service does)."""
    with transaction.atomic():
        made = Evidence.objects.create(
            student=student,
            competency=competency,
            section=section,
            score=Decimal(score),
            observed_on=on,
            status=Evidence.Status.ACCEPTED,
        )
        mastery_recompute(pairs=[(student.pk, competency.pk)])
    return made


def attendance(school, student: User, days: list[dt.date], status: str) -> None:
    for day in days:
        Attendance.objects.update_or_create(
            student=student, date=day, defaults={"school": school, "status": status}
        )


def first_days_absent(school, student: User, n: int = 3) -> None:
    """Absent on the term's first ``n`` days: with the absences of a later window, attendance
    over the term to date falls below 90 % too (chronic absence asks for both)."""
    days = [TERM_START + dt.timedelta(days=d) for d in range(n)]  # Mon Aug 24 onwards
    attendance(school, student, days, Attendance.Status.ABSENT)


def goal(
    student: User, *, target_date: dt.date | None = None, checked_in: dt.date | None = None
) -> Goal:
    approved = dt.datetime.combine(dt.date(2026, 9, 1), dt.time(9), tzinfo=dt.UTC)
    g = Goal.objects.create(
        student=student,
        title="Read every day",
        status=Goal.Status.ACTIVE,
        approved_at=approved,
        target_date=target_date,
    )
    if checked_in is not None:
        c = CheckIn.objects.create(goal=g, progress=50, confidence=3)
        moment = dt.datetime.combine(checked_in, dt.time(12), tzinfo=dt.UTC)
        CheckIn.objects.filter(pk=c.pk).update(created_at=moment)
    return g


def on_track_student(world, maths, n: int) -> User:
    """A student on pace, with recent evidence, a fresh check-in and full attendance."""
    student = f.student(world.school, email=f"track{n}@example.org")
    f.enroll(world.math, student)
    f.enroll(world.advisory, student)
    evidence(student, maths.t1, "3", dt.date(2026, 9, 20), world.math)
    evidence(student, maths.t2, "3", dt.date(2026, 10, 28), world.math)
    goal(student, target_date=dt.date(2026, 12, 18), checked_in=AS_OF - dt.timedelta(days=3))
    attendance(world.school, student, school_days(AS_OF, 20), Attendance.Status.PRESENT)
    return student


def now() -> dt.datetime:
    return timezone.now()
