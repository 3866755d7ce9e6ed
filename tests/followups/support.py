"""Flags as the scan writes them, for the people's-side tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from followups.models import Flag, Rule
from profiles.models import Term, User

MEASURED: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    Rule.BEHIND_PACE: (
        {"expected": 9, "mastered": 6, "behind": 3, "percent_behind": 33},
        {"targets": 2, "percent": 25},
    ),
    Rule.NO_RECENT_EVIDENCE: (
        {"school_days_without_evidence": 12, "last_evidence_on": "2026-10-01"},
        {"school_days": 10},
    ),
    Rule.STALLED_GOALS: (
        {"stalled": 2, "past_target_date": 1, "without_checkin": 1, "goal_ids": [3, 7]},
        {"checkin_days": 14},
    ),
    Rule.SLIPPING: (
        {"targets": 2, "dropped": ["MA.3"], "trending_down": ["EN.1"]},
        {"scores": 3},
    ),
    Rule.MANY_BELOW_APPROACHING: ({"below": 4}, {"targets": 3}),
    Rule.CHRONIC_ABSENCE: (
        {"attended_percent": 85.0, "absent_days": 3, "school_days": 20},
        {"percent": 90, "school_days": 20},
    ),
}


def make_flag(
    student: User,
    rule: str = Rule.BEHIND_PACE,
    *,
    severity: str = "medium",
    status: str = Flag.Status.OPEN,
    first: dt.date | None = None,
    assigned_to: User | None = None,
    **extra: Any,
) -> Flag:
    measured, threshold = MEASURED[rule]
    school_id = student.memberships.filter(role="student").values_list("school_id", flat=True)[0]
    day = first or dt.date.today() - dt.timedelta(days=3)
    return Flag.objects.create(
        school_id=school_id,
        student=student,
        rule=rule,
        severity=severity,
        measured=measured,
        threshold=threshold,
        first_detected_on=day,
        last_detected_on=max(day, dt.date.today()),
        status=status,
        assigned_to=assigned_to,
        **extra,
    )


def attendance_body(world: Any) -> dict[str, str]:
    """A valid attendance POST for world.advisory on the latest school day (an active term
    around today is made once)."""
    today = world.school.today()
    if not Term.objects.filter(school=world.school, start_date__lte=today, end_date__gte=today):
        Term.objects.create(
            school=world.school,
            title="This term",
            start_date=today - dt.timedelta(days=60),
            end_date=today + dt.timedelta(days=60),
        )
    day = today
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return {"date": day.isoformat(), f"status-{world.student.pk}": "present"}
