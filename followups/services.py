"""Every write of the followups app (flags, follow-ups, attendance, policies, scans).

A teacher works a flag the scan opened::

    open ──acknowledge──▶ acknowledged ──resolve (outcome)──▶ resolved
      │  ╲                    │
      │   snooze (a date) ──▶ snoozed (wakes as open when the date passes; the scan does that)
      └───────── the condition clears (the scan) ──────────▶ cleared

Assigning, logging a follow-up and snoozing work on any active flag; a resolved or cleared flag
takes only feedback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from core import hooks
from core.dates import plausible_date
from core.errors import NotAllowed, ValidationFailed
from core.services import service
from profiles.models import Enrollment, School, Section, User
from profiles.permissions import can_teach_section

from .attendance import attendance_upsert, is_school_day
from .models import ACTIVE_STATUSES, Attendance, Flag, FollowUp, RiskPolicy
from .permissions import can_be_assigned, visible_flags_q

SNOOZE_MAX_DAYS = 90
OUTCOME_MAX = 2000
NOTE_MAX = 4000


def risk_policy_default_create(*, school: School) -> None:
    """A new school starts with the usual thresholds (``LEARNHUB_SCHOOL_SETUP``)."""
    RiskPolicy.objects.get_or_create(school=school)


def _lock(actor: User, flag: Flag) -> Flag:
    """The flag, locked, if ``actor`` works with the student; else refused."""
    locked = (
        Flag.objects.select_for_update(of=("self",))
        .select_related("school", "student")
        .filter(pk=flag.pk)
        .first()
    )
    if locked is None or not Flag.objects.filter(visible_flags_q(actor), pk=flag.pk).exists():
        raise NotAllowed(
            "Only the student's teachers and the school's admins work on a flag.",
            code="not_allowed",
        )
    return locked


def _require_active(flag: Flag, action: str) -> None:
    if flag.status not in ACTIVE_STATUSES:
        raise ValidationFailed(
            f"This flag is {flag.get_status_display().lower()}; it can't be {action} any more.",
            code="invalid_transition",
            field="status",
        )


def _save(flag: Flag, fields: list[str]) -> Flag:
    flag.save(update_fields=[*fields, "updated_at"])
    return flag


@service
def flag_acknowledge(*, actor: User, flag: Flag) -> Flag:
    """ "I've seen it": an open (or snoozed) flag becomes acknowledged."""
    locked = _lock(actor, flag)
    if locked.status not in (Flag.Status.OPEN, Flag.Status.SNOOZED):
        raise ValidationFailed(
            f"This flag is {locked.get_status_display().lower()}; only an open or snoozed flag "
            "can be acknowledged.",
            code="invalid_transition",
            field="status",
        )
    locked.status = Flag.Status.ACKNOWLEDGED
    locked.snoozed_until = None
    if locked.assigned_to_id is None:
        locked.assigned_to = actor
        return _save(locked, ["status", "snoozed_until", "assigned_to"])
    return _save(locked, ["status", "snoozed_until"])


@service
def flag_assign(*, actor: User, flag: Flag, assignee: User) -> Flag:
    """Hand the flag to another of the student's teachers."""
    locked = _lock(actor, flag)
    _require_active(locked, "assigned")
    if not can_be_assigned(assignee, locked):
        raise ValidationFailed(
            "Assign the flag to one of the student's teachers.",
            code="not_a_teacher_of_the_student",
            field="assignee",
        )
    locked.assigned_to = assignee
    return _save(locked, ["assigned_to"])


@service
def flag_snooze(*, actor: User, flag: Flag, until: dt.date) -> Flag:
    """Put the flag aside until a date (tomorrow at the earliest, 90 days at the latest); the
    scan wakes it as open on that date if the condition still holds."""
    locked = _lock(actor, flag)
    _require_active(locked, "snoozed")
    today = locked.school.today()
    if not isinstance(until, dt.date) or until <= today:
        raise ValidationFailed("Snooze until a day after today.", code="snooze_date", field="until")
    if until > today + dt.timedelta(days=SNOOZE_MAX_DAYS):
        raise ValidationFailed(
            f"Snooze for at most {SNOOZE_MAX_DAYS} days.", code="snooze_date", field="until"
        )
    locked.status = Flag.Status.SNOOZED
    locked.snoozed_until = until
    return _save(locked, ["status", "snoozed_until"])


@service
def flag_resolve(*, actor: User, flag: Flag, outcome: str) -> Flag:
    """Close the flag with what came of it. If the condition still holds the scan does not open
    a second flag for it; only once it has cleared and returned."""
    locked = _lock(actor, flag)
    _require_active(locked, "resolved")
    text = str(outcome or "").strip()
    if not text:
        raise ValidationFailed(
            "Say what came of it before resolving.", code="outcome_required", field="outcome"
        )
    if len(text) > OUTCOME_MAX:
        raise ValidationFailed(
            f"Keep the outcome under {OUTCOME_MAX} characters.", code="too_long", field="outcome"
        )
    locked.status = Flag.Status.RESOLVED
    locked.outcome = text
    locked.snoozed_until = None
    locked.closed_on = locked.school.today()
    locked.closed_by = actor
    return _save(locked, ["status", "outcome", "snoozed_until", "closed_on", "closed_by"])


@service
def followup_log(
    *,
    actor: User,
    flag: Flag,
    action: str,
    note: str = "",
    occurred_on: dt.date | None = None,
) -> FollowUp:
    """Record what was done about an active flag; an open flag becomes acknowledged."""
    locked = _lock(actor, flag)
    _require_active(locked, "followed up")
    if action not in FollowUp.Action.values:
        raise ValidationFailed(
            "Choose what was done: talked with the student, contacted the family, an "
            "intervention, a referral or other.",
            code="invalid_choice",
            field="action",
        )
    text = str(note or "").strip()
    if len(text) > NOTE_MAX:
        raise ValidationFailed(
            f"Keep the note under {NOTE_MAX} characters.", code="too_long", field="note"
        )
    today = locked.school.today()
    when = occurred_on or today
    if not isinstance(when, dt.date):
        raise ValidationFailed("Give the day as a date.", field="occurred_on")
    plausible_date(when, field="occurred_on", today=today)
    if when > today:
        raise ValidationFailed(
            "A follow-up is something that happened: pick today or an earlier day.",
            code="future_date",
            field="occurred_on",
        )
    followup = FollowUp.objects.create(
        flag=locked, action=action, note=text, author=actor, occurred_on=when
    )
    if locked.status == Flag.Status.OPEN:
        locked.status = Flag.Status.ACKNOWLEDGED
        fields = ["status"]
        if locked.assigned_to_id is None:
            locked.assigned_to = actor
            fields.append("assigned_to")
        _save(locked, fields)
    return followup


@service
def flag_feedback(*, actor: User, flag: Flag, feedback: str) -> Flag:
    """Was the flag useful? Any flag, in any status, takes feedback (the last answer counts)."""
    locked = _lock(actor, flag)
    if feedback not in Flag.Feedback.values:
        raise ValidationFailed(
            "Say whether the flag was useful, not useful or incorrect.",
            code="invalid_choice",
            field="feedback",
        )
    locked.feedback = feedback
    locked.feedback_by = actor
    return _save(locked, ["feedback", "feedback_by"])


@service
def attendance_take(
    *, actor: User, section: Section, date: dt.date, marks: Mapping[int, str]
) -> int:
    """The advisor takes attendance for their advisory on one school day: one mark per
    student given (present, absent, tardy or excused), replacing an earlier mark of that day.
    Returns how many marks were saved."""
    if section.kind != Section.Kind.ADVISORY or not can_teach_section(actor, section):
        raise NotAllowed("Attendance is taken by the advisory's teacher.", code="not_allowed")
    school = section.school
    today = school.today()
    if not isinstance(date, dt.date):
        raise ValidationFailed("Give the day as a date.", field="date")
    if date > today:
        raise ValidationFailed(
            "Attendance is taken for today or an earlier day.", code="future_date", field="date"
        )
    if not is_school_day(school, date):
        raise ValidationFailed(
            f"{date:%A %B} {date.day} is not a school day.", code="not_a_school_day", field="date"
        )
    roster = set(
        Enrollment.objects.filter(
            section=section, role=Enrollment.Role.STUDENT, is_active=True
        ).values_list("user_id", flat=True)
    )
    unknown = set(marks) - roster
    if unknown:
        raise ValidationFailed(
            "Take attendance only for the students of this advisory.", field="marks"
        )
    bad = [status for status in marks.values() if status not in Attendance.Status.values]
    if bad:
        raise ValidationFailed(
            "Mark each student present, absent, tardy or excused.", field="marks"
        )
    rows = [
        Attendance(
            school=school,
            student_id=student_id,
            date=date,
            status=status,
            source=Attendance.Source.ADVISOR,
            recorded_by=actor,
        )
        for student_id, status in marks.items()
    ]
    attendance_upsert(rows)
    hooks.students_changed(marks)  # rescanned after commit (debounced)
    return len(rows)
