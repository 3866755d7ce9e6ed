"""Authorization-matrix rows for the follow-up pages (and API), merged into
``tests/test_authorization_matrix.py`` with ``MATRIX.update(ROWS)``.

Flags are staff-only: students and guardians are refused everywhere (403 on pages for a role,
404 on a flag they cannot see), and so is staff of other students."""

from __future__ import annotations

from followups.models import Flag
from followups.models import Rule as RiskRule
from tests.conftest import World
from tests.followups.support import make_flag
from tests.test_authorization_matrix import STAFF, Rule

TEACHERS = frozenset({"teacher", "other_teacher"})


def flag_of_student(world: World) -> Flag:
    """One open behind-pace flag of world.student, made once."""
    existing = Flag.objects.filter(student=world.student, rule=RiskRule.BEHIND_PACE).first()
    return existing or make_flag(world.student, RiskRule.BEHIND_PACE)


ROWS: dict[str, Rule] = {
    "followup-queue": Rule(TEACHERS),
    "flag-action": Rule(
        STAFF,
        kwargs=lambda w: {"pk": flag_of_student(w).pk, "action": "feedback"},
        method="post",
        ok_status=302,
        data={"feedback": "useful"},
    ),
    "section-scan": Rule(
        STAFF, kwargs=lambda w: {"pk": w.advisory.pk}, method="post", ok_status=302
    ),
    "attendance-take": Rule(STAFF, kwargs=lambda w: {"section_id": w.advisory.pk}),
}


def attendance_body(world: World) -> dict[str, str]:
    """A valid attendance POST for world.advisory on the latest school day (an active term
    around today is made once)."""
    import datetime as dt

    from profiles.models import Term

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
