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


def followup_of_student(world: World) -> int:
    from followups.models import FollowUp

    flag = flag_of_student(world)
    existing = FollowUp.objects.filter(flag=flag).first()
    if existing is None:
        existing = FollowUp.objects.create(
            flag=flag, action="talked", author=world.teacher, occurred_on=flag.first_detected_on
        )
    return existing.pk


def mark_of_student(world: World) -> None:
    from followups.models import Attendance

    Attendance.objects.get_or_create(
        school=world.school,
        student=world.student,
        date=world.school.today(),
        defaults={"status": "absent"},
    )


def _made(build):
    return lambda w: (build(w), {})[1]


def _flag(w: World) -> dict[str, int]:
    return {"pk": flag_of_student(w).pk}


def _snooze(w: World) -> dict[str, str]:
    import datetime as dt

    return {"until": (w.school.today() + dt.timedelta(days=5)).isoformat()}


API_ROWS: dict[str, Rule] = {
    "api:flag-list": Rule(STAFF, kwargs=_made(flag_of_student), scoped_list=True),
    "api:flag-detail": Rule(STAFF, kwargs=_flag),
    "api:flag-acknowledge": Rule(STAFF, kwargs=_flag, method="post"),
    "api:flag-assign": Rule(
        STAFF, kwargs=_flag, method="post", data=lambda w: {"assignee": w.teacher.pk}
    ),
    "api:flag-snooze": Rule(STAFF, kwargs=_flag, method="post", data=_snooze),
    "api:flag-resolve": Rule(STAFF, kwargs=_flag, method="post", data={"outcome": "Caught up"}),
    "api:flag-feedback": Rule(STAFF, kwargs=_flag, method="post", data={"feedback": "useful"}),
    "api:follow-up-list": Rule(
        STAFF, kwargs=_made(followup_of_student), scoped_list=True, target=followup_of_student
    ),
    "api:attendance-list": Rule(STAFF, kwargs=_made(mark_of_student), scoped_list=True),
    "api:section-scan": Rule(
        STAFF, kwargs=lambda w: {"pk": w.advisory.pk}, method="post", ok_status=202
    ),
}
ROWS.update(API_ROWS)
