"""The demo school: a believable, deterministic middle school for trying LearnHub out.

The school is data, in this folder: ``roster/`` is a OneRoster 1.1 CSV export (the school, its
school year and semesters, courses, classes and advisories, staff, students and families, their
enrollments; preferred names and family relationships as ``metadata.*`` columns, which OneRoster
allows), ``learner_profiles.json`` what the students wrote about themselves and staff notes, and
``logins.json`` the accounts the README points people to. The export is for the 2025-2026 school
year; :func:`demo_export` moves its dates to the school year containing ``today``.

:func:`demo_school_seed` feeds the export through the real roster import
(:func:`profiles.oneroster.roster_import`), then gives everyone the demo password, and writes
preferred names, relationships and learner profiles (the profiles through
:func:`profiles.services.learner_profile_update`, as the school admin). It does nothing at all
when the demo school exists, so running it on every start is cheap. :func:`build_demo_plan`
reads the same files into plain values for the later apps' demo plans and tests.

Later features (mastery, goals, conferences, follow-ups) extend the demo by seeding their own
rows for the people this creates; they find them by their stable ``demo-...`` sourced ids and
should be just as idempotent.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

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
    Role,
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


# --- The plan: plain values read from the files ----------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    sourced_id: str
    email: str
    given_name: str
    family_name: str
    preferred_name: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"


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
    name: str
    code: str
    kind: str
    course_title: str
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


@dataclass(frozen=True)
class DemoLogin:
    role: str
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
    return tuple(DemoLogin(**login) for login in _json("logins.json"))


def demo_export(today: date) -> dict[str, str]:
    """The roster export's files by name, its years moved to the school year containing
    ``today`` (it turns over on July 1)."""
    start = today.year if today.month >= 7 else today.year - 1
    shift = start - EXPORT_START_YEAR

    def moved(match: re.Match[str]) -> str:
        return str(int(match.group()) + shift)

    files = {}
    for path in sorted((FOLDER / "roster").glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        files[path.name] = re.sub(r"\b20\d\d\b", moved, text) if path.name in YEAR_FILES else text
    return files


def _rows(files: dict[str, str], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name])))


@cache
def _json(name: str) -> Any:
    return demo_json(__file__, name)


def _grades(value: str) -> str:
    """A OneRoster list as the importer stores it ("6,7,8" → "6, 7, 8")."""
    return ", ".join(part.strip() for part in value.split(",") if part.strip())


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
    profiles = _json("learner_profiles.json")
    people: list[PersonSpec] = []
    by_role: dict[str, list[PersonSpec]] = {}
    grade: dict[str, str] = {}
    relationship: dict[str, str] = {}
    links = []
    for u in _rows(files, "users.csv"):
        person = PersonSpec(
            u["sourcedId"], u["email"], u["givenName"], u["familyName"], u["metadata.preferredName"]
        )
        people.append(person)
        by_role.setdefault(u["role"], []).append(person)
        grade[person.sourced_id] = u["grades"]
        if u["metadata.relationship"]:
            relationship[person.sourced_id] = u["metadata.relationship"]
            links += [
                GuardianLinkSpec(person.sourced_id, child, u["metadata.relationship"])
                for child in u["agentSourcedIds"].split(",")
            ]
    courses = {c["sourcedId"]: c for c in _rows(files, "courses.csv")}
    enrolled: dict[tuple[str, str], list[str]] = {}
    for e in _rows(files, "enrollments.csv"):
        enrolled.setdefault((e["classSourcedId"], e["role"]), []).append(e["userSourcedId"])
    sections = tuple(
        SectionSpec(
            sourced_id=c["sourcedId"],
            name=c["title"],
            code=c["classCode"],
            kind="advisory" if c["classType"] == "homeroom" else "class",
            course_title=courses[c["courseSourcedId"]]["title"],
            subject=c["subjects"],
            grade_levels=_grades(c["grades"]),
            teacher=enrolled[(c["sourcedId"], "teacher")][0],
            students=tuple(enrolled.get((c["sourcedId"], "student"), ())),
        )
        for c in _rows(files, "classes.csv")
    )
    return DemoPlan(
        teachers=tuple(TeacherSpec(p) for p in by_role["teacher"]),
        admin=by_role["administrator"][0],
        students=tuple(
            StudentSpec(p, grade[p.sourced_id], profiles.get(p.sourced_id, {}))
            for p in by_role["student"]
        ),
        guardians=tuple(p for p in people if p.sourced_id in relationship),
        guardian_links=tuple(sorted(links, key=lambda link: (link.guardian, link.student))),
        sections=sections,
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def format_demo_created(summary: DemoSummary) -> str:
    """The line the run command prints when it has just created the demo school."""
    counts = summary.counts
    return (
        f"Created the demo school: {counts['teachers']} teachers, "
        f"{counts['students']} students, {counts['guardians']} parents and guardians, "
        f"{counts['sections']} sections, {counts['terms']} terms."
    )


def format_demo_logins(logins: Sequence[DemoLogin], password: str) -> str:
    """The block the run command prints: role, email, who it is."""
    width = max(len(login.email) for login in logins)
    lines = [f"Demo logins (password: {password})"]
    lines += [f"  {login.role:<8} {login.email:<{width}}  ({login.note})" for login in logins]
    return "\n".join(lines)


# --- Writing it --------------------------------------------------------------------------------


LOGIN_ROLES = {
    "teacher": Role.TEACHER,
    "student": Role.STUDENT,
    "parent": Role.GUARDIAN,
    "admin": Role.ADMIN,
}


def demo_school_seed(*, today: date | None = None) -> DemoSummary:
    """Create the demo school, or do nothing when it exists (a few queries).

    It is created only where that is safe: when no person or class in the database already
    uses one of the demo's sourcedIds or email addresses (a real roster imported first may);
    otherwise nothing is written and ``skipped`` says why. Everything is written in one
    transaction, so the school exists only together with all of its people; a second run
    racing the first is refused by the database and then finds the school.
    """
    today = today or timezone.localdate()
    logins = demo_logins()
    existing = School.objects.filter(sourced_id=SCHOOL_SOURCED_ID).first()
    if existing is not None:
        return _existing_demo(existing, logins)
    plan = build_demo_plan()
    taken = demo_conflicts(plan)
    if taken:
        return _skipped(
            "this database already has "
            + _and(taken[:3])
            + (f" and {len(taken) - 3} more" if len(taken) > 3 else "")
            + " that the demo would create (a roster import may have brought them). The demo "
            "is only added to a database without them, so nothing was changed."
        )
    try:
        with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
            counts = _write(plan, today)
    except _Refused as exc:
        existing = School.objects.filter(sourced_id=SCHOOL_SOURCED_ID).first()
        if existing is not None:  # another run made it meanwhile
            return _existing_demo(existing, logins)
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
        people = [
            *(t.person for t in plan.teachers),
            plan.admin,
            *(s.person for s in plan.students),
            *plan.guardians,
        ]
        users: dict[str, User] = {
            u.sourced_id or "": u
            for u in User.objects.filter(sourced_id__in=[p.sourced_id for p in people])
        }
        # One hash for everyone: hashing 190 passwords one by one would take most of a minute.
        User.objects.filter(pk__in=[u.pk for u in users.values()]).update(
            password=make_password(settings.LEARNHUB_DEMO_PASSWORD)
        )
        for p in people:
            users[p.sourced_id].preferred_name = p.preferred_name
        User.objects.bulk_update(
            [users[p.sourced_id] for p in people if p.preferred_name], ["preferred_name"]
        )
        relationship = {(g.guardian, g.student): g.relationship for g in plan.guardian_links}
        sid = {u.pk: s for s, u in users.items()}
        links = list(GuardianLink.objects.filter(guardian_id__in=sid))
        for link in links:
            link.relationship = relationship[(sid[link.guardian_id], sid[link.student_id])]
        GuardianLink.objects.bulk_update(links, ["relationship"])
        admin = users[plan.admin.sourced_id]
        versions = dict(
            LearnerProfile.objects.filter(student_id__in=sid).values_list("student_id", "version")
        )
        for student in plan.students:
            if student.profile:
                account = users[student.person.sourced_id]
                learner_profile_update(
                    actor=admin,
                    student=account,
                    expected_version=versions[account.pk],
                    changes=student.profile,
                )
    return {
        "teachers": len(plan.teachers),
        "students": len(plan.students),
        "guardians": len(plan.guardians),
        "admins": 1,
        "terms": 3,
        "sections": len(plan.sections),
        "enrollments": sum(1 + len(s.students) for s in plan.sections),
        "guardian_links": len(plan.guardian_links),
    }


def demo_conflicts(plan: DemoPlan) -> list[str]:
    """What in the database already uses a sourcedId or email the demo would create."""
    people = [
        *(t.person for t in plan.teachers),
        plan.admin,
        *(s.person for s in plan.students),
        *plan.guardians,
    ]
    sids = {p.sourced_id for p in people}
    emails = {p.email.lower() for p in people}
    taken: list[str] = []
    for sid, email in (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(Q(sourced_id__in=sids) | Q(email_lower__in=emails))
        .order_by("email_lower")
        .values_list("sourced_id", "email_lower")
    ):
        taken.append(f"the sourcedId {sid}" if sid in sids else f"the email {email}")
    section_sids = [s.sourced_id for s in plan.sections]
    taken += [
        f"the class sourcedId {sid}"
        for sid in Section.objects.filter(sourced_id__in=section_sids)
        .order_by("sourced_id")
        .values_list("sourced_id", flat=True)
    ]
    return taken


def _existing_demo(school: School, logins: tuple[DemoLogin, ...]) -> DemoSummary:
    """The demo school is there: which of its logins still work, and why the others do not
    (a roster import may have deactivated or re-roled them)."""
    emails = [login.email for login in logins]
    accounts = {
        u.email.lower(): u
        for u in User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(school=school, is_active=True),
                to_attr="demo_memberships",
            )
        )
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
        elif LOGIN_ROLES[login.role] not in roles:
            unavailable.append(f"{login.email} is no longer a {login.role} at {school.name}")
        else:
            working.append(login)
    return DemoSummary(
        created=False,
        school_id=school.pk,
        logins=tuple(working),
        unavailable=tuple(unavailable),
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
