"""The demo school: a believable, deterministic middle school for trying LearnHub out.

The school is data, in this folder: ``roster/`` is a OneRoster 1.1 CSV export for the 2025-2026
school year (preferred names and family relationships as ``metadata.*`` columns, which OneRoster
allows), ``learner_profiles.json`` what the students wrote about themselves and staff notes, and
``logins.json`` the accounts the README points people to.

:func:`demo_school_seed` moves the export to the school year containing ``today``, feeds it
through the real roster import, gives everyone the demo password, writes preferred names and
relationships, and the profiles through :func:`profiles.services.learner_profile_update` (as the
school admin); it does nothing when the demo school exists. :func:`build_demo_plan` reads the
same files into plain values. The later apps' steps find these people by their ``demo-...``
sourced ids.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pghistory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.demo import demo_json

from ..models import (
    GuardianLink,
    LearnerProfile,
    Membership,
    RosterImport,
    School,
    Section,
    User,
)

HISTORY_SOURCE = "seed_demo"
FOLDER = Path(__file__).resolve().parent
SCHOOL_SOURCED_ID = "demo-school"
EXPORT_START_YEAR = 2025  # roster/ is the 2025-2026 school year's export
YEAR_FILES = ("academicSessions.csv", "courses.csv", "classes.csv")  # the files naming years


@dataclass(frozen=True)
class PersonSpec:
    sourced_id: str
    email: str
    given_name: str
    family_name: str
    preferred_name: str = ""


@dataclass(frozen=True)
class StudentSpec:
    person: PersonSpec
    grade: str
    profile: dict[str, str]  # learner profile fields; empty for an empty profile


@dataclass(frozen=True)
class TeacherSpec:
    person: PersonSpec


@dataclass(frozen=True)
class SectionSpec:
    sourced_id: str
    kind: str
    subject: str
    grade_levels: str
    teacher: str  # sourced id
    students: tuple[str, ...]  # sourced ids


@dataclass(frozen=True)
class GuardianLinkSpec:
    guardian: str  # sourced id
    student: str  # sourced id
    relationship: str


@dataclass(frozen=True)
class TermSpec:
    sourced_id: str
    title: str
    kind: str
    start_date: date
    end_date: date
    school_year: str


@dataclass(frozen=True)
class DemoPlan:
    teachers: tuple[TeacherSpec, ...]
    admin: PersonSpec
    students: tuple[StudentSpec, ...]
    guardians: tuple[PersonSpec, ...]
    guardian_links: tuple[GuardianLinkSpec, ...]
    sections: tuple[SectionSpec, ...]

    @property
    def people(self) -> list[PersonSpec]:
        teachers, students = (t.person for t in self.teachers), (s.person for s in self.students)
        return [*teachers, self.admin, *students, *self.guardians]


@dataclass(frozen=True)
class DemoLogin:
    role: str  # as the logins block prints it
    membership: str  # the Role it must hold at the demo school to work
    email: str
    note: str


@dataclass(frozen=True)
class DemoSummary:
    """What a seed run did: ``created`` is False when the demo school was already there, or
    when it was not safe to create (``skipped`` says why, in a sentence). ``logins`` are the
    demo accounts that work; ``unavailable`` says why the others do not. ``intact`` is True when
    the demo school is the demo (every login works), so the later demo steps may build on it."""

    created: bool
    school_id: int | None
    logins: tuple[DemoLogin, ...]
    counts: dict[str, int] = field(default_factory=dict)
    skipped: str = ""
    unavailable: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return self.school_id is not None and not self.skipped and not self.unavailable


def demo_logins() -> tuple[DemoLogin, ...]:
    """The accounts the README points people to (all share the demo password)."""
    return tuple(DemoLogin(**login) for login in demo_json(__file__, "logins.json"))


def demo_export(today: date) -> dict[str, str]:
    """The roster export's files by name, its years moved to the school year containing
    ``today`` (it turns over on July 1)."""
    shift = (today.year if today.month >= 7 else today.year - 1) - EXPORT_START_YEAR
    files = {}
    for path in sorted((FOLDER / "roster").glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        if path.name in YEAR_FILES:
            text = re.sub(r"\b20\d\d\b", lambda m: str(int(m.group()) + shift), text)
        files[path.name] = text
    return files


def _rows(files: dict[str, str], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name])))


def demo_terms(today: date) -> tuple[TermSpec, TermSpec, TermSpec]:
    """The school year containing ``today`` and its two semesters."""
    year, fall, spring = (
        TermSpec(
            r["sourcedId"],
            r["title"],
            r["type"],
            date.fromisoformat(r["startDate"]),
            date.fromisoformat(r["endDate"]),
            r["schoolYear"],
        )
        for r in _rows(demo_export(today), "academicSessions.csv")
    )
    return year, fall, spring


def build_demo_plan() -> DemoPlan:
    """Every person, profile, section and link of the demo school, read from the files."""
    files = demo_export(date(EXPORT_START_YEAR, 9, 1))
    profiles: dict[str, dict[str, str]] = demo_json(__file__, "learner_profiles.json")
    rows = _rows(files, "users.csv")
    person = {
        u["sourcedId"]: PersonSpec(
            u["sourcedId"], u["email"], u["givenName"], u["familyName"], u["metadata.preferredName"]
        )
        for u in rows
    }
    links = [
        GuardianLinkSpec(u["sourcedId"], child, u["metadata.relationship"])
        for u in rows
        if u["metadata.relationship"]
        for child in u["agentSourcedIds"].split(",")
    ]
    enrolled: dict[tuple[str, str], list[str]] = {}
    for e in _rows(files, "enrollments.csv"):
        enrolled.setdefault((e["classSourcedId"], e["role"]), []).append(e["userSourcedId"])
    sections = tuple(
        SectionSpec(
            sourced_id=c["sourcedId"],
            kind=Section.Kind.ADVISORY if c["classType"] == "homeroom" else Section.Kind.CLASS,
            subject=c["subjects"],
            grade_levels=", ".join(g.strip() for g in c["grades"].split(",") if g.strip()),
            teacher=enrolled[(c["sourcedId"], "teacher")][0],
            students=tuple(enrolled.get((c["sourcedId"], "student"), ())),
        )
        for c in _rows(files, "classes.csv")
    )
    return DemoPlan(
        teachers=tuple(TeacherSpec(person[u["sourcedId"]]) for u in rows if u["role"] == "teacher"),
        admin=next(person[u["sourcedId"]] for u in rows if u["role"] == "administrator"),
        students=tuple(
            StudentSpec(person[u["sourcedId"]], u["grades"], profiles.get(u["sourcedId"], {}))
            for u in rows
            if u["role"] == "student"
        ),
        guardians=tuple(person[u["sourcedId"]] for u in rows if u["metadata.relationship"]),
        guardian_links=tuple(sorted(links, key=lambda link: (link.guardian, link.student))),
        sections=sections,
    )


def format_demo_created(summary: DemoSummary) -> str:
    """The line the run command prints when it has just created the demo school."""
    c = summary.counts
    return (
        f"Created the demo school: {c['teachers']} teachers, {c['students']} students, "
        f"{c['guardians']} parents and guardians, {c['sections']} sections, {c['terms']} terms."
    )


def format_demo_logins(logins: Sequence[DemoLogin], password: str) -> str:
    """The block the run command prints: role, email, who it is."""
    width = max(len(login.email) for login in logins)
    lines = [f"Demo logins (password: {password})"]
    lines += [f"  {login.role:<8} {login.email:<{width}}  ({login.note})" for login in logins]
    return "\n".join(lines)


def demo_school_seed(*, today: date | None = None) -> DemoSummary:
    """Create the demo school, or do nothing when it exists (a few queries).

    It is created only where that is safe: when no person or class in the database already
    uses one of the demo's sourcedIds or email addresses (a real roster imported first may);
    otherwise nothing is written and ``skipped`` says why. Everything is written in one
    transaction, so the school exists only together with all of its people; a second run
    racing the first is refused by the database and then finds the school.
    """
    logins = demo_logins()
    if (existing := School.objects.filter(sourced_id=SCHOOL_SOURCED_ID).first()) is not None:
        return _existing_demo(existing, logins)
    plan = build_demo_plan()
    if taken := demo_conflicts(plan):
        first, more = taken[:3], f" and {len(taken) - 3} more" if len(taken) > 3 else ""
        listed = f"{', '.join(first[:-1])} and {first[-1]}" if len(first) > 1 else first[0]
        return _skipped(
            f"this database already has {listed}{more} that the demo would create (a roster "
            "import may have brought them). The demo is only added to a database without them, "
            "so nothing was changed."
        )
    try:
        with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
            counts = _write(plan, today or timezone.localdate())
    except _Refused as exc:
        if (existing := School.objects.filter(sourced_id=SCHOOL_SOURCED_ID).first()) is not None:
            return _existing_demo(existing, logins)  # another run made it meanwhile
        return _skipped(f"the roster import refused it ({exc}). Nothing was changed.")
    except IntegrityError as exc:  # a conflicting row appeared between the check and the write
        return _skipped(
            f"the database refused it ({' '.join(str(exc).split())}). Nothing was changed."
        )
    school = School.objects.get(sourced_id=SCHOOL_SOURCED_ID)
    return DemoSummary(created=True, school_id=school.pk, logins=logins, counts=counts)


class _Refused(Exception):
    pass


def _skipped(reason: str) -> DemoSummary:
    return DemoSummary(
        created=False, school_id=None, logins=(), skipped=f"Skipped the demo school: {reason}"
    )


def _write(plan: DemoPlan, today: date) -> dict[str, int]:
    from ..oneroster import roster_import
    from ..services import learner_profile_update

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, text in demo_export(today).items():
            zipped.writestr(name, text)
    record = roster_import(source=archive, source_name="demo roster", actor=None)
    if record.status != RosterImport.Status.APPLIED:
        raise _Refused("; ".join(e["reason"] for e in record.errors[:3]))
    with pghistory.context(source=HISTORY_SOURCE):  # the import named itself the source
        people = plan.people
        accounts = User.objects.filter(sourced_id__in=[p.sourced_id for p in people])
        users = {u.sourced_id or "": u for u in accounts}
        # One hash for everyone: hashing 190 passwords one by one would take most of a minute.
        User.objects.filter(pk__in=[u.pk for u in users.values()]).update(
            password=make_password(settings.LEARNHUB_DEMO_PASSWORD)
        )
        named = [p for p in people if p.preferred_name]
        for p in named:
            users[p.sourced_id].preferred_name = p.preferred_name
        User.objects.bulk_update([users[p.sourced_id] for p in named], ["preferred_name"])
        relationship = {(g.guardian, g.student): g.relationship for g in plan.guardian_links}
        sid = {u.pk: s for s, u in users.items()}
        links = list(GuardianLink.objects.filter(guardian_id__in=sid))
        for link in links:
            link.relationship = relationship[(sid[link.guardian_id], sid[link.student_id])]
        GuardianLink.objects.bulk_update(links, ["relationship"])
        profiles = LearnerProfile.objects.filter(student_id__in=sid)
        versions = dict(profiles.values_list("student_id", "version"))
        for student in (s for s in plan.students if s.profile):
            account = users[student.person.sourced_id]
            learner_profile_update(
                actor=users[plan.admin.sourced_id],
                student=account,
                expected_version=versions[account.pk],
                changes=student.profile,
            )
    return {
        "teachers": len(plan.teachers),
        "students": len(plan.students),
        "guardians": len(plan.guardians),
        "sections": len(plan.sections),
        "terms": 3,
    }


def demo_conflicts(plan: DemoPlan) -> list[str]:
    """What in the database already uses a sourcedId or email the demo would create."""
    sids = {p.sourced_id for p in plan.people}
    emails = {p.email.lower() for p in plan.people}
    taken = [
        f"the sourcedId {sid}" if sid in sids else f"the email {email}"
        for sid, email in User.objects.annotate(email_lower=Lower("email"))
        .filter(Q(sourced_id__in=sids) | Q(email_lower__in=emails))
        .order_by("email_lower")
        .values_list("sourced_id", "email_lower")
    ]
    sections = Section.objects.filter(sourced_id__in=[s.sourced_id for s in plan.sections])
    sections = sections.order_by("sourced_id")
    return taken + [
        f"the class sourcedId {s}" for s in sections.values_list("sourced_id", flat=True)
    ]


def _existing_demo(school: School, logins: tuple[DemoLogin, ...]) -> DemoSummary:
    """The demo school is there: which of its logins still work, and why the others do not
    (a roster import may have deactivated or re-roled them)."""
    active = Membership.objects.filter(school=school, is_active=True)
    accounts = {
        u.email.lower(): u
        for u in User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=[login.email for login in logins])
        .prefetch_related(Prefetch("memberships", queryset=active, to_attr="demo_memberships"))
    }
    working: list[DemoLogin] = []
    unavailable: list[str] = []
    for login in logins:
        account = accounts.get(login.email)
        roles = {m.role for m in getattr(account, "demo_memberships", [])}
        if account is None:
            unavailable.append(f"{login.email} does not exist any more")
        elif not account.is_active:
            unavailable.append(f"{login.email} has been deactivated")
        elif not account.has_usable_password():
            unavailable.append(f"{login.email} has no password any more")
        elif login.membership not in roles:
            unavailable.append(f"{login.email} is no longer a {login.role} at {school.name}")
        else:
            working.append(login)
    return DemoSummary(
        created=False, school_id=school.pk, logins=tuple(working), unavailable=tuple(unavailable)
    )


def format_demo_unavailable(summary: DemoSummary) -> str:
    """Why the demo is not (all) there, for the run command."""
    if summary.skipped:
        return summary.skipped
    return (
        "The demo school has changed since it was seeded (a roster import may have changed "
        "it): " + "; ".join(summary.unavailable) + ". Its frameworks, evidence and goals are "
        "only added to an unchanged demo school, so they were left as they are."
    )
