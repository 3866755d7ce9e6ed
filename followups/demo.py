"""The demo school's follow-ups: a term of attendance, a scan as of today, and teachers' work
on the flags it raised, so the follow-up queue is real on first run.

The attendance is the simulation of a term (the only part in code): most students attend
nearly every day, a few miss about one day in eight. It goes in as the information system's
CSV export, through the real importer; the flags come from the real scan; the follow-ups,
acknowledgements, snoozes, resolutions and feedback through the real services. Idempotent: a
demo scan run already recorded means nothing is written (one query).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import pghistory
from django.db import transaction

from profiles import demo_data as school_data
from profiles.demo import HISTORY_SOURCE
from profiles.models import Enrollment, Membership, Role, School, Section, User

from . import services as svc
from .attendance import active_term, attendance_import, school_days
from .models import Flag, ScanRun

RANDOM_SEED = 2026
ABSENT_SHARE = 0.10  # students who miss about one day in eight
LOGIN_ADVISEES_ABSENT = 2  # so the login teacher's queue shows chronic absence
PLAN = (  # what the teachers did, in order, over the flags of the scan
    "acknowledge",
    "follow_up",
    "snooze",
    "resolve",
    "open",
    "follow_up",
    "acknowledge",
    "open",
)


@dataclass
class FollowupsDemoSummary:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def format_followups_created(summary: FollowupsDemoSummary) -> str:
    c = summary.counts
    return (
        f"Added the demo follow-ups: {c.get('attendance', 0)} attendance marks, a scan that "
        f"raised {c.get('flags', 0)} flags ({c.get('open', 0)} open, "
        f"{c.get('acknowledged', 0)} acknowledged, {c.get('snoozed', 0)} snoozed, "
        f"{c.get('resolved', 0)} resolved) and {c.get('followups', 0)} follow-ups."
    )


def _already_seeded() -> bool:
    return ScanRun.objects.filter(
        school__sourced_id=school_data.SCHOOL_SOURCED_ID, trigger=ScanRun.Trigger.DEMO
    ).exists()


def _login_teacher() -> User | None:
    return User.objects.filter(sourced_id=f"demo-teacher-{school_data.LOGIN_TEACHER}").first()


def _attendance_csv(school: School, today: dt.date, teacher: User | None) -> str:
    term = active_term(school, today)
    if term is None:
        return ""
    days = school_days(school, term.start_date, today)
    students = list(
        Membership.objects.filter(school=school, role=Role.STUDENT, is_active=True)
        .order_by("user__email")
        .values_list("user_id", "user__email")
    )
    rng = random.Random(RANDOM_SEED)
    absent = {sid for sid, _ in students if rng.random() < ABSENT_SHARE}
    if teacher is not None:
        advisees = list(
            Enrollment.objects.filter(
                section__enrollments__user=teacher,
                section__enrollments__role=Enrollment.Role.TEACHER,
                section__kind=Section.Kind.ADVISORY,
                role=Enrollment.Role.STUDENT,
            )
            .order_by("user__email")
            .values_list("user_id", flat=True)
        )
        absent.update(advisees[1 : 1 + LOGIN_ADVISEES_ABSENT])
    lines = ["email,date,status"]
    for student_id, email in students:
        for day in days:
            roll = rng.random()
            if student_id in absent:
                status = "A" if roll < 0.10 else "E" if roll < 0.13 else "T" if roll < 0.2 else "P"
            else:
                status = "A" if roll < 0.015 else "T" if roll < 0.04 else "P"
            lines.append(f"{email},{day:%Y-%m-%d},{status}")
    return "\n".join(lines) + "\n"


def _work(flags: list[Flag], today: dt.date, counts: dict[str, int]) -> None:
    snooze_until = max(today, dt.date.today()) + dt.timedelta(days=7)
    seen: dict[str, int] = {}
    for flag in flags:
        actor = flag.assigned_to
        if actor is None:
            continue
        # The plan starts again for each rule, so every rule has open and worked flags.
        i = seen[flag.rule] = seen.get(flag.rule, -1) + 1
        step = PLAN[i % len(PLAN)]
        if step == "acknowledge":
            svc.flag_acknowledge(actor=actor, flag=flag)
        elif step == "follow_up":
            svc.followup_log(
                actor=actor,
                flag=flag,
                action="talked" if i % 2 else "family",
                note="Talked through what got in the way; we agreed a check-in next week."
                if i % 2
                else "Called home: the family will help with a routine for the mornings.",
                occurred_on=min(today, dt.date.today()),
            )
            counts["followups"] = counts.get("followups", 0) + 1
        elif step == "snooze":
            svc.flag_snooze(actor=actor, flag=flag, until=snooze_until)
        elif step == "resolve":
            svc.followup_log(
                actor=actor,
                flag=flag,
                action="intervention",
                note="Two lunchtime catch-up sessions.",
                occurred_on=min(today, dt.date.today()),
            )
            counts["followups"] = counts.get("followups", 0) + 1
            svc.flag_resolve(
                actor=actor, flag=flag, outcome="Caught up after two catch-up sessions."
            )
            svc.flag_feedback(actor=actor, flag=flag, feedback="useful")
        if step != "open" and i % 5 == 4:
            svc.flag_feedback(actor=actor, flag=flag, feedback="not_useful")


def demo_followups_seed(*, today: dt.date | None = None) -> FollowupsDemoSummary:
    """Add the demo attendance, scan and follow-ups, or do nothing when they exist."""
    if _already_seeded():
        return FollowupsDemoSummary(created=False)
    from .scan import school_scan

    with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
        school = (
            School.objects.select_for_update()
            .filter(sourced_id=school_data.SCHOOL_SOURCED_ID)
            .first()
        )
        if school is None or _already_seeded():
            return FollowupsDemoSummary(created=False)
        today = today or school.today()
        counts: dict[str, int] = {}
        content = _attendance_csv(school, today, _login_teacher())
        if content:
            result, _ = attendance_import(
                actor=None,
                school=school,
                content=content,
                file_name="demo-attendance.csv",
                today=today,
                rescan=False,  # the demo's own scan follows
            )
            counts["attendance"] = result.created + result.updated
        school_scan(school=school, as_of=today, trigger=ScanRun.Trigger.DEMO)
        flags = list(
            Flag.objects.filter(school=school)
            .select_related("school", "assigned_to")
            .order_by("rule", "student__email", "pk")
        )
        _work(flags, today, counts)
        for status in ("open", "acknowledged", "snoozed", "resolved"):
            counts[status] = Flag.objects.filter(school=school, status=status).count()
        counts["flags"] = len(flags)
    return FollowupsDemoSummary(created=True, counts=counts)
