"""The demo school's follow-ups: a term of attendance, the nightly scans of the last school days
and today's, and teachers' work on the flags they raised, so the follow-up queue is real.

The attendance is simulated (shares, the teachers' plan and notes in ``followups.json``) and
goes in as a CSV export through the real importer; the flags come from the real scan, run as of
each of those days; the teachers' work through the real services. Idempotent (one query).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from core.demo import DemoStep, demo_json
from profiles.demo import SCHOOL_SOURCED_ID, demo_logins, demo_step_seed
from profiles.models import Enrollment, Membership, Role, School, Section

from .. import services as svc
from ..attendance import active_term, attendance_import, school_days
from ..models import ACTIVE_STATUSES, Flag, ScanRun

DATA: dict[str, Any] = demo_json(__file__, "followups.json")


def _already_seeded() -> bool:
    runs = ScanRun.objects.filter(school__sourced_id=SCHOOL_SOURCED_ID)
    return runs.filter(trigger=ScanRun.Trigger.DEMO).exists()


def _attendance_csv(school: School, today: dt.date) -> str:
    """The term so far, a row a student and day; the login teacher has absent advisees."""
    if (term := active_term(school, today)) is None:
        return ""
    students = list(
        Membership.objects.filter(school=school, role=Role.STUDENT, is_active=True)
        .order_by("user__email")
        .values_list("user_id", "user__email")
    )
    rng = random.Random(DATA["random_seed"])
    absent = {sid for sid, _ in students if rng.random() < DATA["absent_share"]}
    teacher = next(login.email for login in demo_logins() if login.role == "teacher")
    advisees = Enrollment.objects.filter(
        section__enrollments__user__email=teacher,
        section__enrollments__role=Enrollment.Role.TEACHER,
        section__kind=Section.Kind.ADVISORY,
        role=Enrollment.Role.STUDENT,
    ).order_by("user__email")
    advisee_ids = list(advisees.values_list("user_id", flat=True))
    absent.update(advisee_ids[1 : 1 + DATA["login_advisees_absent"]])
    lines, days = ["email,date,status"], school_days(school, term.start_date, today)
    for student_id, email in students:
        odds = DATA["attendance"]["often_absent" if student_id in absent else "usual"]
        for day in days:
            roll = rng.random()
            status = next((mark for mark, below in odds if roll < below), "P")
            lines.append(f"{email},{day:%Y-%m-%d},{status}")
    return "\n".join(lines) + "\n"


def _work(flags: list[Flag], today: dt.date) -> int:
    """The teachers' plan, started again for each rule so every rule has open and worked flags;
    returns how many follow-ups were logged."""
    snooze_until = max(today, dt.date.today()) + dt.timedelta(days=DATA["snooze_days"])
    on, logged = min(today, dt.date.today()), 0
    seen: dict[str, int] = {}
    for flag in flags:
        if (actor := flag.assigned_to) is None:
            continue
        i = seen[flag.rule] = seen.get(flag.rule, -1) + 1
        step = DATA["plan"][i % len(DATA["plan"])]
        if step == "acknowledge":
            svc.flag_acknowledge(actor=actor, flag=flag)
        elif step == "snooze":
            svc.flag_snooze(actor=actor, flag=flag, until=snooze_until)
        elif step in ("follow_up", "resolve"):
            done = DATA["follow_ups"][i % len(DATA["follow_ups"])]
            done = DATA["resolution"] if step == "resolve" else done
            action, note = done["action"], done["note"]
            svc.followup_log(actor=actor, flag=flag, action=action, note=note, occurred_on=on)
            logged += 1
            if step == "resolve":
                svc.flag_resolve(actor=actor, flag=flag, outcome=done["outcome"])
                svc.flag_feedback(actor=actor, flag=flag, feedback="useful")
        if step != "open" and i % DATA["not_useful_every"] == DATA["not_useful_every"] - 1:
            svc.flag_feedback(actor=actor, flag=flag, feedback="not_useful")
    return logged


def demo_followups_seed(*, today: dt.date | None = None) -> DemoStep:
    """Add the demo attendance, scan and follow-ups, or do nothing when they exist."""
    return demo_step_seed(_already_seeded, lambda school: _write(school, today), DATA["created"])


def _write(school: School, today: dt.date | None) -> dict[str, int]:
    from ..scan import school_scan

    today, counts = today or school.today(), {"attendance": 0}
    if content := _attendance_csv(school, today):
        result, _ = attendance_import(
            actor=None,
            school=school,
            content=content,
            file_name="demo-attendance.csv",
            today=today,
            rescan=False,  # the demo's own scan follows
        )
        counts["attendance"] = result.created + result.updated
    # The nightly scans of the last school days, then today's: flags raised on different days,
    # some cleared since, as a queue that has been running for a while looks.
    term = active_term(school, today)
    nights = school_days(school, term.start_date, today)[-DATA["nights"] : -1] if term else []
    for night in nights:
        school_scan(school=school, as_of=night, trigger=ScanRun.Trigger.NIGHTLY)
    school_scan(school=school, as_of=today, trigger=ScanRun.Trigger.DEMO)
    flags = Flag.objects.filter(school=school).select_related("school", "assigned_to")
    active = flags.filter(status__in=ACTIVE_STATUSES).order_by("rule", "student__email", "pk")
    counts["followups"] = _work(list(active), today)
    counts["nights"] = len(nights) + 1
    for status in ("open", "acknowledged", "snoozed", "resolved", "cleared"):
        counts[status] = flags.filter(status=status).count()
    counts["flags"] = flags.count()
    return counts
