"""The demo school: a believable, deterministic middle school for trying LearnHub out.

The school is data, in this folder: ``roster/`` is a OneRoster 1.1 CSV export for 2025-2026
(preferred names and family relationships as ``metadata.*`` columns), ``learner_profiles.json``
what the students wrote about themselves and staff notes, ``logins.json`` the README's accounts
and ``messages.json`` what the run command says. :func:`demo_school_seed` moves the export to
the school year containing ``today`` and feeds it through the real roster import and profile
service; the later apps' steps (:func:`demo_step_seed`) find its people and classes by their
``demo-...`` sourced ids.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter, namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pghistory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.demo import DemoStep, demo_json

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
MESSAGES: dict[str, Any] = demo_json(__file__, "messages.json")


# role: as the logins block prints it; membership: the Role it must hold at the demo school.
DemoLogin = namedtuple("DemoLogin", "role membership email note")


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


def demo_step_seed(
    seeded: Callable[[], bool], write: Callable[[School], dict[str, int]], text: str
) -> DemoStep:
    """A later app's demo step: nothing when ``seeded()`` finds its rows (one query) or there is
    no demo school; otherwise ``write`` in one transaction under the seed's history context,
    which first locks the demo school's row, so a second run racing the first waits for it and
    then finds the rows. Here rather than in :mod:`core.demo`, which imports no app's models."""
    if seeded():
        return DemoStep(created=False)
    with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
        school = School.objects.select_for_update().filter(sourced_id=SCHOOL_SOURCED_ID).first()
        if school is None or seeded():
            return DemoStep(created=False)
        return DemoStep(created=True, counts=write(school), text=text)


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


def export_rows(files: dict[str, str], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name])))


def demo_school_year(today: date) -> tuple[date, date]:
    """The first and last days of the school year containing ``today``."""
    rows = export_rows(demo_export(today), "academicSessions.csv")
    year = next(r for r in rows if r["type"] == "schoolYear")
    return date.fromisoformat(year["startDate"]), date.fromisoformat(year["endDate"])


def format_demo_created(summary: DemoSummary) -> str:
    """The line the run command prints when it has just created the demo school."""
    return str(MESSAGES["created"].format(**summary.counts))


def format_demo_logins(logins: Sequence[DemoLogin], password: str) -> str:
    """The block the run command prints: role, email, who it is (or that none works)."""
    if not logins:
        return str(MESSAGES["no_logins"])
    width = max(len(login.email) for login in logins)
    lines = [f"Demo logins (password: {password})"]
    lines += [f"  {login.role:<8} {login.email:<{width}}  ({login.note})" for login in logins]
    return "\n".join(lines)


def demo_school_seed(*, today: date | None = None) -> DemoSummary:
    """Create the demo school, or do nothing when it exists (a few queries). Only where it is
    safe: when no person or class in the database uses a demo sourcedId or email (a real roster
    imported first may), otherwise ``skipped`` says why. One transaction: the school exists only
    with all of its people; a second run racing the first is refused, then finds the school."""
    logins = demo_logins()
    if (existing := School.objects.filter(sourced_id=SCHOOL_SOURCED_ID).first()) is not None:
        return _existing_demo(existing, logins)
    files = demo_export(today or timezone.localdate())
    if taken := demo_conflicts(files):
        first, more = taken[:3], f" and {len(taken) - 3} more" if len(taken) > 3 else ""
        listed = f"{', '.join(first[:-1])} and {first[-1]}" if len(first) > 1 else first[0]
        return _skipped("taken", listed=listed + more)
    try:
        with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
            counts = _write(files)
    except _Refused as exc:
        if (existing := School.objects.filter(sourced_id=SCHOOL_SOURCED_ID).first()) is not None:
            return _existing_demo(existing, logins)  # another run made it meanwhile
        return _skipped("import_refused", error=exc)
    except IntegrityError as exc:  # a conflicting row appeared between the check and the write
        return _skipped("database_refused", error=" ".join(str(exc).split()))
    school = School.objects.get(sourced_id=SCHOOL_SOURCED_ID)
    return DemoSummary(created=True, school_id=school.pk, logins=logins, counts=counts)


class _Refused(Exception):
    pass


def _skipped(reason: str, **values: Any) -> DemoSummary:
    skipped = MESSAGES["skipped"].format(reason=MESSAGES[reason].format(**values))
    return DemoSummary(created=False, school_id=None, logins=(), skipped=skipped)


def _write(files: dict[str, str]) -> dict[str, int]:
    """The export through the roster import, then what OneRoster does not carry: the demo
    password, preferred names and relationships (the ``metadata.*`` columns) and the profiles."""
    from ..oneroster import roster_import
    from ..services import learner_profile_update

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, text in files.items():
            zipped.writestr(name, text)
    record = roster_import(source=archive, source_name="demo roster", actor=None)
    if record.status != RosterImport.Status.APPLIED:
        raise _Refused("; ".join(e["reason"] for e in record.errors[:3]))
    rows = export_rows(files, "users.csv")
    with pghistory.context(source=HISTORY_SOURCE):  # the import named itself the source
        accounts = User.objects.filter(sourced_id__in=[u["sourcedId"] for u in rows])
        users = {u.sourced_id or "": u for u in accounts}
        # One hash for everyone: hashing 190 passwords one by one would take most of a minute.
        accounts.update(password=make_password(settings.LEARNHUB_DEMO_PASSWORD))
        named = [u for u in rows if u["metadata.preferredName"]]
        for u in named:
            users[u["sourcedId"]].preferred_name = u["metadata.preferredName"]
        User.objects.bulk_update([users[u["sourcedId"]] for u in named], ["preferred_name"])
        relationship = {
            (u["sourcedId"], child): u["metadata.relationship"]
            for u in rows
            if u["metadata.relationship"]
            for child in u["agentSourcedIds"].split(",")
        }
        sid = {u.pk: s for s, u in users.items()}
        links = list(GuardianLink.objects.filter(guardian_id__in=sid))
        for link in links:
            link.relationship = relationship[(sid[link.guardian_id], sid[link.student_id])]
        GuardianLink.objects.bulk_update(links, ["relationship"])
        profiles = LearnerProfile.objects.filter(student_id__in=sid)
        versions = dict(profiles.values_list("student_id", "version"))
        admin = next(users[u["sourcedId"]] for u in rows if u["role"] == "administrator")
        written: dict[str, dict[str, str]] = demo_json(__file__, "learner_profiles.json")
        for u in rows:
            if u["role"] == "student" and (changes := written.get(u["sourcedId"])):
                account = users[u["sourcedId"]]
                version = versions[account.pk]
                learner_profile_update(
                    actor=admin, student=account, expected_version=version, changes=changes
                )
    roles = Counter(u["role"] for u in rows)
    guardians = sum(bool(u["metadata.relationship"]) for u in rows)
    counts = {"teachers": roles["teacher"], "students": roles["student"], "guardians": guardians}
    sections, terms = export_rows(files, "classes.csv"), export_rows(files, "academicSessions.csv")
    return counts | {"sections": len(sections), "terms": len(terms)}


def demo_conflicts(files: dict[str, str]) -> list[str]:
    """What in the database already uses a sourcedId or email the export would create."""
    rows = export_rows(files, "users.csv")
    sids, emails = {u["sourcedId"] for u in rows}, {u["email"].lower() for u in rows}
    taken = [
        f"the sourcedId {sid}" if sid in sids else f"the email {email}"
        for sid, email in User.objects.annotate(email_lower=Lower("email"))
        .filter(Q(sourced_id__in=sids) | Q(email_lower__in=emails))
        .order_by("email_lower")
        .values_list("sourced_id", "email_lower")
    ]
    classes = [c["sourcedId"] for c in export_rows(files, "classes.csv")]
    sections = Section.objects.filter(sourced_id__in=classes).order_by("sourced_id")
    return taken + [
        f"the class sourcedId {s}" for s in sections.values_list("sourced_id", flat=True)
    ]


def _existing_demo(school: School, logins: tuple[DemoLogin, ...]) -> DemoSummary:
    """The demo school is there: which of its logins still work, and why the others do not
    (a roster import may have deactivated or re-roled them)."""
    active = Membership.objects.filter(school=school, is_active=True)
    users = User.objects.annotate(email_lower=Lower("email"))
    users = users.filter(email_lower__in=[login.email for login in logins])
    memberships = Prefetch("memberships", queryset=active, to_attr="demo_memberships")
    accounts = {u.email.lower(): u for u in users.prefetch_related(memberships)}
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
    return summary.skipped or str(
        MESSAGES["changed"].format(reasons="; ".join(summary.unavailable))
    )
