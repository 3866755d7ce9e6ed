"""OneRoster 1.1 CSV roster import: schools, terms, sections, people, roles and enrollments.

An import happens in two steps. :func:`roster_plan` reads an export (a folder, a .zip path or
an uploaded zip), checks every file and row, and plans every create, update and deactivation
in memory (:class:`~profiles.roster_changes.ChangeSet`) without writing anything: that plan is
the preview (counts per record type, examples by name, renames, the people it would
deactivate) and has a digest. :meth:`RosterPlan.apply` writes exactly that plan in one
transaction. The admin stores the upload between the two steps and applies it only when
re-planning gives the previewed digest (see ``profiles.services.roster_import_confirm``);
:func:`roster_import` does both steps at once for the command line.

A file with any error writes nothing (status *rejected*, one error per problem). Rows that can
be skipped without corrupting data are skipped with a warning and the rest is imported; see
docs/decisions/0009 for what is refused and what is skipped.

How OneRoster maps onto LearnHub
--------------------------------
* **Columns** — every column of a file is read or reported: a required column missing is an
  error naming the file and column; OneRoster 1.0-style names that map unambiguously onto 1.1
  ones (``agents``, ``grade``, ``termSourcedId``, …, see ``ALIASES``) are read as the 1.1 column
  with a warning saying so; columns not in the 1.1 specification (and not ``metadata.*``) are
  listed in a warning per file; ``summary["columns"]`` says per file which columns were read
  and which LearnHub does not keep.
* **orgs.csv** — ``type`` *school* becomes a :class:`School` (matched by sourcedId,
  ``identifier`` kept). Other org types (district, department, local, state, national) have no
  LearnHub record: they are skipped with a warning. A reference to one of them (a class's
  ``schoolSourcedId``, a person's ``orgSourcedIds``) means the nearest school above it through
  ``parentSourcedId``; with no school above, the reference leads nowhere (the class is skipped,
  the person gets no role there), with a warning. A ``parentSourcedId`` that is in neither the
  file nor LearnHub is ignored with a warning, like a missing parent session.
* **academicSessions.csv** — OneRoster 1.1 sessions name no school, and a district's session is
  shared by the classes of many schools, so a session becomes one :class:`Term` *per school*
  that uses it (unique by school and sourcedId): the schools of the classes that use it
  (directly or through a child session), plus the schools in the file that already have it. A
  session nobody uses goes to the file's only school; with several schools it is skipped with a
  warning. ``parentSourcedId`` links the term to the parent's term at the same school; a parent
  that is missing is ignored with a warning.
* **courses.csv** — there is no Course model: a course gives its class's ``course_title`` and,
  when the class lists no subjects, its ``subject``. A class whose course is not in the export
  keeps the course title it has (warning).
* **classes.csv** — each class becomes a :class:`Section`: ``title`` → name, ``classCode`` →
  code, ``classType`` *scheduled* → kind class and *homeroom* → kind advisory, the school,
  ``termSourcedIds`` (comma separated) → terms (a term that cannot be found is left out with a
  warning), ``subjects`` and ``grades`` joined with ", ".
* **users.csv** — each user becomes a :class:`User`. The email is lower-cased; when blank, the
  ``username`` is used if it is an email address, else a stable placeholder
  ``<sourcedId>@roster.invalid`` (warning; an existing real address is never replaced by a
  placeholder). ``enabledUser`` false → inactive account. ``middleName`` and ``password`` are
  not kept. A person who already has a LearnHub account with the same email and no sourcedId
  is linked to it (warning) rather than duplicated. Each school in ``orgSourcedIds`` gives a
  :class:`Membership`: student → student (with ``grades`` as grade level, and a
  :class:`LearnerProfile` created if missing, never overwritten), teacher → teacher,
  aide → teacher (warning), parent / guardian / relative → guardian, administrator → school
  admin (and ``is_staff``; an import never removes ``is_staff``), proctor → no membership
  (warning). ``agentSourcedIds`` on a student names their parents/guardians/relatives, on a
  parent/guardian/relative the students: each pair becomes a :class:`GuardianLink`
  (its ``relationship`` is set from the guardian's role when the link is created only); an
  agent who is missing or not of the right role is skipped with a warning.
* **enrollments.csv** — each enrollment becomes an :class:`Enrollment`: student → student,
  teacher → teacher, aide → teacher (warning); administrator and proctor enrollments are
  skipped with a warning (school admins already see the whole school). ``primary`` →
  is_primary. An enrollment also makes sure the person has a membership of that role at the
  class's school: when users.csv gave them another role (the real sample lists us0001 and
  us0002 as students but enrolls them as teachers) the membership is added, with a warning.
  An existing enrollment of the same person, class and role is adopted rather than duplicated.
  An enrollment in a class or of a person that is missing, skipped or marked tobedeleted is
  skipped with a warning.

Statuses, bulk and delta
------------------------
* ``status`` blank or *active* → active; *tobedeleted* → the record is deactivated
  (``is_active`` False; for a user also their memberships, enrollments and guardian links; for
  a class its enrollments). A *tobedeleted* row needs only its sourcedId; one for a record
  LearnHub never had is skipped with a warning. Nothing is ever deleted.
* manifest ``file.X`` *bulk* — the file is the complete picture for the file's schools:
  terms, sections and enrollments carrying a sourcedId at those schools that the file does not
  list are deactivated, as are student/teacher/guardian memberships there of rostered people
  it no longer lists (a person left with no active membership is deactivated; superusers never
  are), and guardian links between two listed people that the file no longer declares.
  Schools and admin memberships are never deactivated by absence. A skipped row still counts
  as listed (what it names is left as it is). *delta* — only upserts and *tobedeleted* rows.
  *absent* — the file is not read (references must then be in LearnHub).
* Upserts compare before writing: a row whose values are unchanged is not saved, so importing
  the same export twice changes nothing and writes no history.
* A plan that would deactivate more than ``LEARNHUB_ROSTER_CONFIRM_SHARE`` of a school's people
  (default 10 %) needs a confirmation in words (``summary["deactivation"]["phrase"]``, e.g.
  "deactivate 193 people"); the command line needs ``--yes``.

Security: ``actor`` None is the operator (the management command); a superuser may import
anything. Anyone else must administer every school the file touches (matched by sourcedId;
an operator adds a school or binds an existing one to its sourcedId, and the refused admin is
told so with the admin page to ask for) and every existing record the file changes must be at
one of their schools; superuser accounts are never changed by them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import pghistory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models import Count, F
from django.db.models.functions import Lower
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .models import (
    Enrollment,
    GuardianLink,
    LearnerProfile,
    Membership,
    Role,
    RosterImport,
    School,
    Section,
    Term,
    User,
)
from .roster_changes import ENTITIES, NOUNS, ChangeSet

Source = Path | str | IO[bytes] | UploadedFile

ENTITY_FILES = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments")
# Files OneRoster 1.1 defines that LearnHub has no use for: named in the manifest, then ignored.
OTHER_FILES = (
    "categories",
    "classResources",
    "courseResources",
    "demographics",
    "lineItems",
    "resources",
    "results",
)
MANIFEST_KEYS = {"manifest.version", "oneroster.version"}
READ_FILES = {"manifest.csv", *(f"{key.lower()}.csv" for key in ENTITY_FILES)}
MODES = ("absent", "bulk", "delta")

# Every column of the OneRoster 1.1 CSV binding, per file, in the specification's order.
SPEC_COLUMNS: dict[str, tuple[str, ...]] = {
    "manifest": ("propertyName", "value"),
    "orgs": (
        *("sourcedId", "status", "dateLastModified", "name", "type", "identifier"),
        "parentSourcedId",
    ),
    "academicSessions": (
        *("sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate"),
        *("parentSourcedId", "schoolYear"),
    ),
    "courses": (
        *("sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title"),
        *("courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"),
    ),
    "classes": (
        *("sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId"),
        *("classCode", "classType", "location", "schoolSourcedId", "termSourcedIds"),
        *("subjects", "subjectCodes", "periods"),
    ),
    "users": (
        *("sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role"),
        *("username", "userIds", "givenName", "familyName", "middleName", "identifier"),
        *("email", "sms", "phone", "agentSourcedIds", "grades", "password"),
    ),
    "enrollments": (
        *("sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId"),
        *("userSourcedId", "role", "primary", "beginDate", "endDate"),
    ),
}
# Columns a file cannot be read without.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "manifest": ("propertyName", "value"),
    "orgs": ("sourcedId", "name", "type"),
    "academicSessions": ("sourcedId", "title", "type", "startDate", "endDate"),
    "courses": ("sourcedId", "title", "orgSourcedId"),
    "classes": (
        *("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId"),
        "termSourcedIds",
    ),
    "users": ("sourcedId", "orgSourcedIds", "role", "givenName", "familyName"),
    "enrollments": ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
}
# Columns whose values LearnHub reads (keeps, or checks and uses); the other 1.1 columns are
# reported as not kept.
READ_COLUMNS: dict[str, tuple[str, ...]] = {
    "manifest": ("propertyName", "value"),
    "orgs": ("sourcedId", "status", "name", "type", "identifier", "parentSourcedId"),
    "academicSessions": (
        *("sourcedId", "status", "title", "type", "startDate", "endDate"),
        *("parentSourcedId", "schoolYear"),
    ),
    "courses": ("sourcedId", "status", "title", "orgSourcedId", "subjects"),
    "classes": (
        *("sourcedId", "status", "title", "grades", "courseSourcedId", "classCode"),
        *("classType", "schoolSourcedId", "termSourcedIds", "subjects"),
    ),
    "users": (
        *("sourcedId", "status", "enabledUser", "orgSourcedIds", "role", "username"),
        *("givenName", "familyName", "email", "agentSourcedIds", "grades"),
    ),
    "enrollments": (
        *("sourcedId", "status", "classSourcedId", "schoolSourcedId", "userSourcedId"),
        *("role", "primary", "beginDate", "endDate"),
    ),
}
# Header names (lower-cased) of OneRoster 1.0 exports, and common misnamings, that mean exactly
# one 1.1 column. They are read as that column and the report says so.
ALIASES: dict[str, dict[str, str]] = {
    "orgs": {},
    "academicSessions": {},
    "courses": {"schoolyearid": "schoolYearSourcedId", "grade": "grades", "subject": "subjects"},
    "classes": {"termsourcedid": "termSourcedIds", "grade": "grades", "subject": "subjects"},
    "users": {
        "agents": "agentSourcedIds",
        "agentsourcedid": "agentSourcedIds",
        "grade": "grades",
        "userid": "userIds",
        "orgsourcedid": "orgSourcedIds",
    },
    "enrollments": {},
    "manifest": {},
}

ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_KINDS = {
    "term": Term.Kind.TERM,
    "semester": Term.Kind.SEMESTER,
    "schoolyear": Term.Kind.SCHOOL_YEAR,
    "gradingperiod": Term.Kind.GRADING_PERIOD,
}
CLASS_KINDS = {"scheduled": Section.Kind.CLASS, "homeroom": Section.Kind.ADVISORY}
USER_ROLES: dict[str, str | None] = {
    "student": Role.STUDENT,
    "teacher": Role.TEACHER,
    "aide": Role.TEACHER,
    "parent": Role.GUARDIAN,
    "guardian": Role.GUARDIAN,
    "relative": Role.GUARDIAN,
    "administrator": Role.ADMIN,
    "proctor": None,
}
GUARDIAN_ROLES = ("parent", "guardian", "relative")
ENROLLMENT_ROLES: dict[str, str | None] = {
    "student": Enrollment.Role.STUDENT,
    "teacher": Enrollment.Role.TEACHER,
    "aide": Enrollment.Role.TEACHER,
    "administrator": None,
    "proctor": None,
}
# Memberships a bulk users.csv owns; admin memberships are granted in LearnHub too.
ROSTERED_ROLES = (Role.STUDENT, Role.TEACHER, Role.GUARDIAN)

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
SAFE_LOCAL_PART = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
PLACEHOLDER_DOMAIN = "roster.invalid"
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_REPORTED = 1000

Resolution = Literal["file", "db", "gone", "missing", "unchecked"]

# What the rows of each file are called in warnings that name several of them.
ROW_NOUNS = {
    "orgs.csv": ("org", "orgs"),
    "academicSessions.csv": ("session", "sessions"),
    "courses.csv": ("course", "courses"),
    "classes.csv": ("class", "classes"),
    "users.csv": ("person", "people"),
    "enrollments.csv": ("enrollment", "enrollments"),
}
SHARED_PERSON = (
    "{{these}} also known at a school you do not administer, so only a LearnHub operator can "
    "{what}."
)


def confirm_share() -> float:
    """The share of a school's people an import may deactivate without a typed confirmation."""
    return float(getattr(settings, "LEARNHUB_ROSTER_CONFIRM_SHARE", 0.10))


def problem_text(problem: Mapping[str, Any]) -> str:
    """One error or warning of a report as a sentence: "users.csv, line 5 (email): …"."""
    place = str(problem.get("file") or "")
    if problem.get("line"):
        place += f", line {problem['line']}"
    if problem.get("field"):
        place += f" ({problem['field']})"
    reason = str(problem.get("reason") or "")
    return f"{place}: {reason}" if place else reason


def normalize_phrase(text: str) -> str:
    return " ".join(text.lower().replace("\u00a0", " ").split())


# --------------------------------------------------------------------------- public API


@dataclass
class RosterPlan:
    """What an export would change, computed without writing anything.

    ``record`` is an unsaved :class:`RosterImport`: *rejected* with its errors, or *previewed*
    with the summary (counts, examples, renames, warnings, columns, deactivations). ``digest``
    names every write the plan would make; ``confirmation`` is the phrase a person must type
    to apply it ("" when none is needed)."""

    record: RosterImport
    digest: str
    confirmation: str
    _importer: _Importer

    @property
    def rejected(self) -> bool:
        return self.record.status == RosterImport.Status.REJECTED

    def apply(self, *, record: RosterImport | None = None) -> RosterImport:
        """Write the plan (inside the caller's transaction) and record it as *applied*.

        ``record`` is the stored preview being confirmed; without it a new record is made."""
        if self.rejected:
            raise ValueError("A rejected plan cannot be applied.")
        return self._importer.apply(record)


def roster_plan(
    *, source: Source, source_name: str, actor: User | None, lock: bool = False
) -> RosterPlan:
    """Check an export and plan every change it would make, without writing.

    ``lock`` (when the plan is about to be applied, inside a transaction) locks the rows of
    the schools it touches first, so two imports for one school run one after the other."""
    importer = _Importer(actor=actor, source_name=source_name, lock=lock)
    return importer.plan(source)


def roster_import(
    *,
    source: Source,
    source_name: str,
    actor: User | None,
    dry_run: bool = False,
    confirmed: bool = False,
) -> RosterImport:
    """Plan and apply an export in one step (the command line); see the module docstring.

    Never raises for a bad export: the returned :class:`RosterImport` says *applied* or
    *rejected* (saved, nothing written) with one error per problem. ``dry_run`` only plans: the
    returned import is *previewed* and not saved. A plan that needs a typed confirmation
    (``summary["deactivation"]["needed"]``) is applied only when ``confirmed``; otherwise it is
    returned *previewed* and unsaved, and nothing is written."""
    with transaction.atomic():
        plan = roster_plan(source=source, source_name=source_name, actor=actor, lock=not dry_run)
        if plan.rejected:
            if not dry_run:
                plan.record.save()
            return plan.record
        if dry_run or (plan.confirmation and not confirmed):
            return plan.record
        try:
            with transaction.atomic():
                return plan.apply()
        except DatabaseError as exc:
            record = plan._importer.rejected_by_database(exc)
            record.save()
            return record


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class _Table:
    key: str
    mode: str
    rows: list[_Row]

    @property
    def filename(self) -> str:
        return f"{self.key}.csv"


def _split(value: str) -> list[str]:
    """A OneRoster list field: comma separated, blanks and repeats dropped, order kept."""
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def _placeholder_email(sourced_id: str) -> str:
    local = sourced_id.lower()
    if local != sourced_id or not SAFE_LOCAL_PART.fullmatch(local):
        slug = re.sub(r"[^a-z0-9._-]+", "-", sourced_id.lower()).strip("-._")[:40] or "user"
        digest = hashlib.sha256(sourced_id.encode()).hexdigest()[:10]
        local = f"{slug}-{digest}"
    return f"{local}@{PLACEHOLDER_DOMAIN}"


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _sample(ids: Iterable[str], limit: int = 10) -> str:
    items = sorted(ids)
    text = ", ".join(items[:limit])
    return f"{text} and {len(items) - limit} more" if len(items) > limit else text


def _these(ids: list[str], singular: str, plural: str, *, verb: tuple[str, str]) -> str:
    """ "class cl0003 was" / "3 classes (cl0003, cl0004, cl0005) were"."""
    unique = list(dict.fromkeys(ids))
    if len(unique) == 1:
        return f"{singular} {unique[0]} {verb[0]}"
    return f"{len(unique)} {plural} ({_sample(unique)}) {verb[1]}"


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _admin_url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the admin is not installed (never in LearnHub)
        return "/admin/"


# --------------------------------------------------------------------------- parsed rows


@dataclass
class _Org:
    sid: str
    line: int
    deleted: bool
    name: str = ""
    type: str = ""
    identifier: str = ""
    parent_sid: str = ""


@dataclass
class _Session:
    sid: str
    line: int
    deleted: bool
    title: str = ""
    kind: str = Term.Kind.TERM
    start: dt.date | None = None
    end: dt.date | None = None
    parent_sid: str = ""
    school_year: str = ""
    schools: set[str] = field(default_factory=set)  # where it becomes a term
    skipped: bool = False


@dataclass
class _Course:
    sid: str
    line: int
    deleted: bool
    title: str = ""
    org_sid: str = ""
    subjects: str = ""


@dataclass
class _Class:
    sid: str
    line: int
    deleted: bool
    title: str = ""
    code: str = ""
    kind: str = Section.Kind.CLASS
    course_sid: str = ""
    school_sid: str = ""
    school: str = ""  # the school it is at (the org itself, or the school above it)
    term_sids: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # the ones it can be linked to
    subjects: str = ""
    grades: str = ""
    skipped: bool = False


@dataclass
class _User:
    sid: str
    line: int
    deleted: bool
    enabled: bool = True
    org_sids: list[str] = field(default_factory=list)
    schools: list[str] = field(default_factory=list)
    role: str = ""
    given: str = ""
    family: str = ""
    email: str = ""
    placeholder: bool = False
    agent_sids: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)  # the ones that can be linked
    grades: str = ""

    @property
    def membership_role(self) -> str | None:
        return USER_ROLES.get(self.role)


@dataclass
class _Enrollment:
    sid: str
    line: int
    deleted: bool
    class_sid: str = ""
    school_sid: str = ""
    user_sid: str = ""
    role: str = ""
    primary: bool = False
    skipped: bool = False

    @property
    def mapped_role(self) -> str | None:
        return ENROLLMENT_ROLES.get(self.role)


# --------------------------------------------------------------------------- the importer


class _Importer:
    def __init__(self, *, actor: User | None, source_name: str, lock: bool) -> None:
        self.actor = actor
        self.source_name = source_name[:255]
        self.lock = lock
        self.errors: list[dict[str, Any]] = []
        self.error_count = 0
        self.warnings: list[dict[str, Any]] = []
        self.warning_count = 0
        self.grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        self.columns: dict[str, dict[str, Any]] = {}
        self.broken: set[str] = set()
        self.tables: dict[str, _Table] = {}
        self.modes: dict[str, str] = {}
        self.orgs: dict[str, _Org] = {}
        self.sessions: dict[str, _Session] = {}
        self.courses: dict[str, _Course] = {}
        self.classes: dict[str, _Class] = {}
        self.users: dict[str, _User] = {}
        self.enrollments: dict[str, _Enrollment] = {}
        self.gone: dict[str, set[str]] = defaultdict(set)  # tobedeleted, never imported
        self.db_schools: dict[str, School] = {}
        self.db_terms: dict[tuple[str, str], Term] = {}  # (school sourcedId, sourcedId)
        self.term_sites: dict[str, list[Term]] = defaultdict(list)  # sourcedId -> its terms
        self.db_sections: dict[str, Section] = {}
        self.db_users: dict[str, User] = {}
        self.db_enrollments: dict[str, Enrollment] = {}
        self.db_roles: dict[int, set[str]] = defaultdict(set)
        self.db_user_schools: dict[int, set[int]] = defaultdict(set)
        self.email_links: dict[str, User] = {}  # file sourcedId -> account found by email
        self.scope_sids: set[str] = set()
        self.administered: set[int] | None = None  # None: may import anything
        self.onboarding: dict[str, Any] = {}
        self.summary: dict[str, Any] = {}
        self.changes = ChangeSet()
        self.school_obj: dict[str, School] = {}
        self.term_obj: dict[tuple[str, str], Term] = {}
        self.section_obj: dict[str, Section] = {}
        self.user_obj: dict[str, User] = {}
        self.deleted_users: set[int] = set()
        self.deleted_sections: set[int] = set()
        self.deleted_shared: set[int] = set()  # tobedeleted, but also at another school
        self.dropped_users: set[int] = set()
        self.scope_pks: set[int] = set()
        self.desired_memberships: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.deactivation: dict[str, Any] = {}

    # ---- reporting

    def error(self, file: str, line: int | None, column: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append({"file": file, "line": line, "field": column, "reason": reason})

    def warn(self, file: str, line: int | None, column: str, reason: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_REPORTED:
            self.warnings.append({"file": file, "line": line, "field": column, "reason": reason})

    def warn_grouped(self, file: str, column: str, template: str, sid: str) -> None:
        """One warning for every row with the same problem; ``template`` holds "{these}"."""
        self.grouped[(file, column, template)].append(sid)

    def _flush_grouped(self) -> None:
        for (file, column, template), sids in self.grouped.items():
            singular, plural = ROW_NOUNS[file]
            these = _these(sids, singular, plural, verb=("was", "were"))
            text = template.format(these=these)
            if template.startswith("{these}"):
                text = text[:1].upper() + text[1:]
            self.warn(file, None, column, text)
        self.grouped.clear()

    # ---- planning and applying

    def plan(self, source: Source) -> RosterPlan:
        files = self._load(source)
        if files is not None and self._read(files):
            self._validate()
        if self.error_count:
            return RosterPlan(self._rejected(), "", "", self)
        self._plan()
        self._summarize()
        record = RosterImport(
            created_by=self.actor,
            source_name=self.source_name,
            status=RosterImport.Status.PREVIEWED,
            summary=self.summary,
            errors=[],
        )
        phrase = self.deactivation.get("phrase", "") if self.deactivation.get("needed") else ""
        return RosterPlan(record, self.changes.digest(), phrase, self)

    def apply(self, record: RosterImport | None) -> RosterImport:
        from .services import school_setup

        if record is None:
            record = RosterImport.objects.create(
                created_by=self.actor,
                source_name=self.source_name,
                status=RosterImport.Status.APPLIED,
            )
        with pghistory.context(
            user=self.actor.pk if self.actor else None,
            source="oneroster",
            roster_import=record.pk,
        ):
            self.changes.apply(on_school_created=lambda school: school_setup(school=school))
        record.status = RosterImport.Status.APPLIED
        record.summary = self.summary
        record.errors = []
        record.upload = b""
        record.applied_at = timezone.now()
        record.save()
        return record

    def rejected_by_database(self, exc: DatabaseError) -> RosterImport:
        self.error(
            self.source_name,
            None,
            "",
            f"The database refused the import, so nothing was written: {exc}".strip(),
        )
        return self._rejected()

    def _rejected(self) -> RosterImport:
        if self.error_count > len(self.errors):
            self.errors.append(
                {
                    "file": self.source_name,
                    "line": None,
                    "field": "",
                    "reason": f"{self.error_count - len(self.errors)} more problems were found "
                    "but not listed; fix the ones above and import again.",
                }
            )
        summary: dict[str, Any] = {"warnings": self.warnings}
        if self.columns:
            summary["columns"] = self.columns
        if self.onboarding:
            summary["onboarding"] = self.onboarding
        return RosterImport(
            created_by=self.actor,
            source_name=self.source_name,
            status=RosterImport.Status.REJECTED,
            summary=summary,
            errors=self.errors,
        )

    # ---- loading files

    def _load(self, source: Source) -> dict[str, bytes] | None:
        """The export's CSV files by lower-cased base name, or None after reporting why not."""
        name = self.source_name
        try:
            if isinstance(source, str | Path):
                path = Path(source)
                if path.is_dir():
                    return self._load_folder(path)
                if not path.is_file():
                    self.error(name, None, "", f"{path} is neither a folder nor a zip file.")
                    return None
                with zipfile.ZipFile(path) as archive:
                    return self._load_zip(archive)
            if hasattr(source, "seek"):
                source.seek(0)
            with zipfile.ZipFile(source) as archive:  # type: ignore[arg-type]
                return self._load_zip(archive)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
            self.error(name, None, "", "This is not a zip file (or it is damaged).")
        except (OSError, RuntimeError, NotImplementedError) as exc:
            self.error(name, None, "", f"The export could not be read: {exc}.")
        return None

    def _load_folder(self, folder: Path) -> dict[str, bytes] | None:
        files: dict[str, bytes] = {}
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name.lower() in READ_FILES:
                if path.stat().st_size > MAX_FILE_BYTES:
                    self.error(path.name, None, "", "The file is larger than 100 MB.")
                    return None
                files[path.name.lower()] = path.read_bytes()
        return files

    def _load_zip(self, archive: zipfile.ZipFile) -> dict[str, bytes] | None:
        files: dict[str, bytes] = {}
        seen: dict[str, str] = {}
        for info in archive.infolist():
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            if (
                info.is_dir()
                or info.filename.startswith("__MACOSX/")
                or base.lower() not in READ_FILES
            ):
                continue
            key = base.lower()
            if key in seen:
                self.error(
                    base,
                    None,
                    "",
                    f"The zip holds two files named {base} ({seen[key]} and {info.filename}).",
                )
                return None
            seen[key] = info.filename
            if info.file_size > MAX_FILE_BYTES:
                self.error(base, None, "", "The file is larger than 100 MB.")
                return None
            with archive.open(info) as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                self.error(base, None, "", "The file is larger than 100 MB.")
                return None
            files[key] = data
        return files

    def _header(
        self, key: str, header: list[str]
    ) -> tuple[dict[str, int] | None, list[tuple[int, str]]]:
        """Map a header row onto 1.1 column names and report every column LearnHub will not
        read. Returns (column -> position, or None when the file cannot be read; the columns
        that are not in the specification, by position)."""
        filename = f"{key}.csv"
        spec = {name.lower(): name for name in SPEC_COLUMNS[key]}
        aliases = ALIASES[key]
        entries = [(index, raw.strip().lstrip("\ufeff")) for index, raw in enumerate(header)]
        positions: dict[str, int] = {}
        ok = True
        for index, name in entries:
            canonical = spec.get(name.lower())
            if canonical is None:
                continue
            if canonical in positions:
                self.error(filename, 1, canonical, f"The column {canonical} appears twice.")
                ok = False
            positions[canonical] = index
        mapped: dict[str, str] = {}
        shadowed: list[tuple[str, str]] = []
        metadata: list[str] = []
        unknown: list[tuple[int, str]] = []
        for index, name in entries:
            lowered = name.lower()
            if lowered in spec:
                continue
            if lowered in aliases:
                canonical = aliases[lowered]
                if canonical in mapped.values():
                    self.error(filename, 1, canonical, f"The column {canonical} appears twice.")
                    ok = False
                elif canonical in positions:
                    shadowed.append((name, canonical))
                else:
                    positions[canonical] = index
                    mapped[name] = canonical
                continue
            if lowered.startswith("metadata."):
                metadata.append(name)
            else:
                unknown.append((index, name))
        for name in REQUIRED_COLUMNS[key]:
            if name not in positions:
                self.error(
                    filename,
                    1,
                    name,
                    f"{filename} has no {name} column, which OneRoster 1.1 requires in this file.",
                )
                ok = False
        read = [name for name in SPEC_COLUMNS[key] if name in positions]
        self.columns[filename] = {
            "read": [name for name in read if name in READ_COLUMNS[key]],
            "not_kept": [name for name in read if name not in READ_COLUMNS[key]],
            "mapped": mapped,
            "extensions": metadata,
            "unknown": [name for _, name in unknown if name] + [old for old, _ in shadowed],
        }
        if mapped:
            self.warn(
                filename,
                1,
                "",
                "These columns have OneRoster 1.0 (or misspelt) names and were read as their "
                "1.1 columns: "
                + ", ".join(f'"{old}" as {new}' for old, new in mapped.items())
                + ".",
            )
        for old, canonical in shadowed:
            self.warn(
                filename,
                1,
                "",
                f'The column "{old}" was not read: it means {canonical}, and the file\'s own '
                f"{canonical} column was read instead.",
            )
        return (positions if ok else None), unknown

    def _report_unknown(
        self, filename: str, unknown: list[tuple[int, str]], used: set[int]
    ) -> None:
        named = [name for index, name in unknown if name]
        unnamed = [index + 1 for index, name in unknown if not name and index in used]
        if named:
            self.warn(
                filename,
                1,
                "",
                f"{len(named)} column{'s' if len(named) != 1 else ''} "
                f"{'are' if len(named) != 1 else 'is'} not in OneRoster 1.1 and "
                f"{'were' if len(named) != 1 else 'was'} not read: {_quoted(named)}. Rename "
                "a column to its OneRoster 1.1 name (or to metadata.<name> for your own data) "
                "if LearnHub should read it.",
            )
        if unnamed:
            self.warn(
                filename,
                1,
                "",
                "Column "
                + ", ".join(str(n) for n in unnamed)
                + " has values but no name in the header, so it was not read.",
            )

    def _parse_csv(self, key: str, data: bytes) -> list[_Row] | None:
        """Rows keyed by canonical column name; None (after reporting) if unusable."""
        filename = f"{key}.csv"
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.error(
                filename,
                None,
                "",
                f"The file is not UTF-8 text (byte {exc.start} cannot be read); "
                "OneRoster files must be saved as UTF-8.",
            )
            return None
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader, None)
            if header is None:
                self.error(filename, None, "", "The file is empty: it needs a header row.")
                return None
            positions, unknown = self._header(key, header)
            unnamed = {index for index, name in unknown if not name}
            filled: set[int] = set()
            rows: list[_Row] = []
            while True:
                start = reader.line_num + 1
                record = next(reader, None)
                if record is None:
                    break
                if not any(value.strip() for value in record):
                    continue
                extra = record[len(header) :]
                if any(value.strip() for value in extra):
                    self.error(
                        filename,
                        start,
                        "",
                        f"This row has {len(record)} values but the header has "
                        f"{len(header)} columns.",
                    )
                    continue
                for index in unnamed - filled:
                    if index < len(record) and record[index].strip():
                        filled.add(index)
                if positions is None:
                    continue
                values = {
                    name: record[index].strip() if index < len(record) else ""
                    for name, index in positions.items()
                }
                rows.append(_Row(start, values))
        except csv.Error as exc:
            self.error(filename, reader.line_num, "", f"The CSV cannot be read here: {exc}.")
            return None
        self._report_unknown(filename, unknown, filled)
        if positions is None:
            return None
        return rows

    def _read(self, files: dict[str, bytes]) -> bool:
        """Parse the manifest and the files it names; False if there is no usable manifest."""
        manifest = files.get("manifest.csv")
        if manifest is None:
            self.error(
                "manifest.csv",
                None,
                "",
                "manifest.csv is missing: a OneRoster export lists its files in it.",
            )
            return False
        rows = self._parse_csv("manifest", manifest)
        if rows is None:
            return False
        declared: dict[str, tuple[str, int]] = {}
        version_seen = False
        for row in rows:
            prop, value = row.get("propertyName"), row.get("value")
            if prop == "oneroster.version":
                version_seen = True
                if value not in ("1.1", "1.1.0"):
                    self.error(
                        "manifest.csv",
                        row.line,
                        "value",
                        f"This importer reads OneRoster 1.1; the manifest says version {value}.",
                    )
            elif prop in MANIFEST_KEYS or prop.startswith("source."):
                continue
            elif prop.startswith("file.") and prop[5:] in ENTITY_FILES:
                mode = value.lower()
                if mode not in MODES:
                    self.error(
                        "manifest.csv",
                        row.line,
                        "value",
                        f'{prop} is "{value}"; it must be absent, bulk or delta.',
                    )
                    continue
                declared[prop[5:]] = (mode, row.line)
            elif prop.startswith("file.") and prop[5:] in OTHER_FILES:
                if value.lower() in ("bulk", "delta"):
                    self.warn(
                        "manifest.csv",
                        row.line,
                        "value",
                        f"LearnHub does not use {prop[5:]}.csv; it was not read.",
                    )
            else:
                self.warn(
                    "manifest.csv",
                    row.line,
                    "propertyName",
                    f'Unknown property "{prop}" was ignored.',
                )
        if not version_seen:
            self.warn("manifest.csv", None, "", "The manifest gives no oneroster.version.")
        for key in ENTITY_FILES:
            filename = f"{key}.csv"
            data = files.get(filename.lower())
            mode, line = declared.get(key, ("", 0))
            if not mode:
                mode = "bulk" if data is not None else "absent"
                if data is not None:
                    self.warn(
                        "manifest.csv",
                        None,
                        "",
                        f"The manifest does not list file.{key}; {filename} was read as bulk.",
                    )
            if mode == "absent":
                if data is not None:
                    self.warn(
                        filename,
                        None,
                        "",
                        f"The manifest says file.{key} is absent, so {filename} was not read.",
                    )
                continue
            if data is None:
                self.error(
                    filename,
                    None,
                    "",
                    f"{filename} is missing, but manifest.csv (line {line}) says it is {mode}.",
                )
                self.broken.add(key)
                continue
            parsed = self._parse_csv(key, data)
            if parsed is None:
                self.broken.add(key)
                continue
            self.modes[key] = mode
            self.tables[key] = _Table(key, mode, parsed)
        return True

    # ---- validation of single rows

    def _rows(self, key: str) -> Iterator[tuple[_Table, _Row, str, bool]]:
        """Each row with a usable, unique sourcedId, and whether it is tobedeleted."""
        table = self.tables.get(key)
        if table is None:
            return
        seen: dict[str, int] = {}
        for row in table.rows:
            sid = row.get("sourcedId")
            if not sid:
                self.error(table.filename, row.line, "sourcedId", "sourcedId is required.")
                continue
            if len(sid) > 255:
                self.error(
                    table.filename, row.line, "sourcedId", "sourcedId is over 255 characters."
                )
                continue
            if sid in seen:
                self.error(
                    table.filename,
                    row.line,
                    "sourcedId",
                    f"sourcedId {sid} appears twice: it is already used on line {seen[sid]}.",
                )
                continue
            seen[sid] = row.line
            status = row.get("status").lower()
            if status not in ("", "active", "tobedeleted"):
                self.error(
                    table.filename,
                    row.line,
                    "status",
                    f'"{row.get("status")}" is not a status: use active, tobedeleted or leave '
                    "it blank.",
                )
            yield table, row, sid, status == "tobedeleted"

    def _text(
        self, table: _Table, row: _Row, column: str, *, limit: int, required: bool = False
    ) -> str:
        value = row.get(column)
        if required and not value:
            self.error(table.filename, row.line, column, f"{column} is required.")
        elif len(value) > limit:
            self.error(
                table.filename,
                row.line,
                column,
                f"{column} is {len(value)} characters long; LearnHub keeps at most {limit}.",
            )
        return value

    def _date(self, table: _Table, row: _Row, column: str, *, required: bool) -> dt.date | None:
        value = row.get(column)
        if not value:
            if required:
                self.error(table.filename, row.line, column, f"{column} is required.")
            return None
        if DATE_RE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.error(
            table.filename,
            row.line,
            column,
            f'"{value}" is not a date written as yyyy-mm-dd (for example 2021-08-01).',
        )
        return None

    def _bool(self, table: _Table, row: _Row, column: str, *, default: bool) -> bool:
        value = row.get(column).lower()
        if not value:
            return default
        if value in ("true", "false"):
            return value == "true"
        self.error(table.filename, row.line, column, f'"{row.get(column)}" must be true or false.')
        return default

    def _choice(self, table: _Table, row: _Row, column: str, choices: Iterable[str]) -> str | None:
        value = row.get(column)
        options = list(choices)
        if not value:
            self.error(table.filename, row.line, column, f"{column} is required.")
            return None
        lowered = {option.lower(): option for option in options}
        if value.lower() not in lowered:
            self.error(
                table.filename,
                row.line,
                column,
                f'"{value}" is not a valid {column}: use one of {", ".join(options)}.',
            )
            return None
        return lowered[value.lower()]

    def _parse_rows(self) -> None:
        for table, row, sid, deleted in self._rows("orgs"):
            org = self.orgs[sid] = _Org(sid, row.line, deleted)
            if deleted:
                continue
            org.name = self._text(table, row, "name", limit=255, required=True)
            org.type = self._choice(table, row, "type", ORG_TYPES) or ""
            org.identifier = self._text(table, row, "identifier", limit=255)
            org.parent_sid = row.get("parentSourcedId")
            if org.parent_sid == sid:
                self.error(
                    table.filename, row.line, "parentSourcedId", "An org cannot be its own parent."
                )
                org.parent_sid = ""

        for table, row, sid, deleted in self._rows("academicSessions"):
            session = self.sessions[sid] = _Session(sid, row.line, deleted)
            if deleted:
                continue
            session.title = self._text(table, row, "title", limit=255, required=True)
            kind = self._choice(table, row, "type", SESSION_KINDS.values())
            session.kind = kind or Term.Kind.TERM
            session.start = self._date(table, row, "startDate", required=True)
            session.end = self._date(table, row, "endDate", required=True)
            if session.start and session.end and session.end <= session.start:
                self.error(
                    table.filename,
                    row.line,
                    "endDate",
                    f"endDate {session.end} must be after startDate {session.start}.",
                )
            session.parent_sid = row.get("parentSourcedId")
            if session.parent_sid == sid:
                self.error(
                    table.filename,
                    row.line,
                    "parentSourcedId",
                    "A session cannot be its own parent.",
                )
                session.parent_sid = ""
            session.school_year = self._text(table, row, "schoolYear", limit=16)

        for table, row, sid, deleted in self._rows("courses"):
            course = self.courses[sid] = _Course(sid, row.line, deleted)
            if deleted:
                continue
            course.title = self._text(table, row, "title", limit=255, required=True)
            course.org_sid = self._text(table, row, "orgSourcedId", limit=255, required=True)
            course.subjects = ", ".join(_split(row.get("subjects")))
            if len(course.subjects) > 128:
                self.error(
                    table.filename, row.line, "subjects", "subjects are over 128 characters."
                )

        for table, row, sid, deleted in self._rows("classes"):
            klass = self.classes[sid] = _Class(sid, row.line, deleted)
            if deleted:
                continue
            klass.title = self._text(table, row, "title", limit=255, required=True)
            klass.code = self._text(table, row, "classCode", limit=64)
            klass.kind = CLASS_KINDS.get(
                (self._choice(table, row, "classType", CLASS_KINDS) or "").lower(),
                Section.Kind.CLASS,
            )
            klass.course_sid = self._text(table, row, "courseSourcedId", limit=255, required=True)
            klass.school_sid = self._text(table, row, "schoolSourcedId", limit=255, required=True)
            klass.term_sids = _split(row.get("termSourcedIds"))
            if not klass.term_sids:
                self.error(
                    table.filename, row.line, "termSourcedIds", "termSourcedIds is required."
                )
            klass.subjects = ", ".join(_split(row.get("subjects")))
            if len(klass.subjects) > 128:
                self.error(
                    table.filename, row.line, "subjects", "subjects are over 128 characters."
                )
            klass.grades = ", ".join(_split(row.get("grades")))
            if len(klass.grades) > 64:
                self.error(table.filename, row.line, "grades", "grades are over 64 characters.")

        emails: dict[str, tuple[str, int]] = {}
        placeholders: list[str] = []
        passwords = 0
        for table, row, sid, deleted in self._rows("users"):
            user = self.users[sid] = _User(sid, row.line, deleted)
            if deleted:
                continue
            user.enabled = self._bool(table, row, "enabledUser", default=True)
            user.org_sids = _split(row.get("orgSourcedIds"))
            if not user.org_sids:
                self.error(table.filename, row.line, "orgSourcedIds", "orgSourcedIds is required.")
            user.role = self._choice(table, row, "role", USER_ROLES) or ""
            user.given = self._text(table, row, "givenName", limit=150, required=True)
            user.family = self._text(table, row, "familyName", limit=150, required=True)
            user.agent_sids = _split(row.get("agentSourcedIds"))
            if sid in user.agent_sids:
                self.error(
                    table.filename,
                    row.line,
                    "agentSourcedIds",
                    "A person cannot be their own agent.",
                )
                user.agent_sids.remove(sid)
            user.grades = ", ".join(_split(row.get("grades")))
            if user.membership_role == Role.STUDENT and len(user.grades) > 16:
                self.error(table.filename, row.line, "grades", "grades are over 16 characters.")
            if row.get("password"):
                passwords += 1
            email = row.get("email").lower()
            username = row.get("username").lower()
            if email:
                if len(email) > 254 or not _is_email(email):
                    self.error(
                        table.filename,
                        row.line,
                        "email",
                        f'"{row.get("email")}" is not a valid email address.',
                    )
            elif len(username) <= 254 and _is_email(username):
                email = username
            else:
                email = _placeholder_email(sid)
                user.placeholder = True
                placeholders.append(sid)
            user.email = email
            if email in emails:
                other, other_line = emails[email]
                self.error(
                    table.filename,
                    row.line,
                    "email",
                    f"{email} is also the email of {other} (line {other_line}); each person "
                    "needs their own address.",
                )
            else:
                emails[email] = (sid, row.line)
        if placeholders:
            self.warn(
                "users.csv",
                None,
                "email",
                f"{len(placeholders)} people have no email address ({_sample(placeholders)}): "
                f"they were given a placeholder ending in @{PLACEHOLDER_DOMAIN} and cannot sign "
                "in until someone enters their real address.",
            )
        if passwords:
            self.warn(
                "users.csv",
                None,
                "password",
                f"{passwords} rows carry a password: LearnHub never imports passwords.",
            )

        pairs: dict[tuple[str, str, str], tuple[str, int]] = {}
        for table, row, sid, deleted in self._rows("enrollments"):
            enrollment = self.enrollments[sid] = _Enrollment(sid, row.line, deleted)
            if deleted:
                continue
            enrollment.class_sid = self._text(
                table, row, "classSourcedId", limit=255, required=True
            )
            enrollment.school_sid = self._text(
                table, row, "schoolSourcedId", limit=255, required=True
            )
            enrollment.user_sid = self._text(table, row, "userSourcedId", limit=255, required=True)
            enrollment.role = self._choice(table, row, "role", ENROLLMENT_ROLES) or ""
            enrollment.primary = self._bool(table, row, "primary", default=False)
            begin = self._date(table, row, "beginDate", required=False)
            end = self._date(table, row, "endDate", required=False)
            if begin and end and end < begin:
                self.error(
                    table.filename,
                    row.line,
                    "endDate",
                    f"endDate {end} is before beginDate {begin}.",
                )
            mapped = enrollment.mapped_role
            if mapped and enrollment.class_sid and enrollment.user_sid:
                pair = (enrollment.class_sid, enrollment.user_sid, mapped)
                if pair in pairs:
                    other, other_line = pairs[pair]
                    self.error(
                        table.filename,
                        row.line,
                        "userSourcedId",
                        f"{enrollment.user_sid} is already enrolled in {enrollment.class_sid} as "
                        f"{mapped} by {other} (line {other_line}).",
                    )
                else:
                    pairs[pair] = (sid, row.line)

    # ---- validation across files and against the database

    def _fetch(self) -> None:
        school_refs = set(self.orgs) | {o.parent_sid for o in self.orgs.values()}
        school_refs |= {c.school_sid for c in self.classes.values()}
        school_refs |= {e.school_sid for e in self.enrollments.values()}
        school_refs |= {c.org_sid for c in self.courses.values()}
        for user in self.users.values():
            school_refs.update(user.org_sids)
        schools = School.objects.filter(sourced_id__in=sorted(school_refs - {""}))
        if self.lock:
            # Two imports for one school run one after the other (rows locked in one order).
            schools = schools.select_for_update().order_by("pk")
        self.db_schools = {s.sourced_id: s for s in schools if s.sourced_id}
        term_refs = set(self.sessions) | {s.parent_sid for s in self.sessions.values()}
        for klass in self.classes.values():
            term_refs.update(klass.term_sids)
        for term in Term.objects.filter(sourced_id__in=term_refs - {""}).select_related("school"):
            assert term.sourced_id is not None
            self.term_sites[term.sourced_id].append(term)
            if term.school.sourced_id:
                self.db_terms[(term.school.sourced_id, term.sourced_id)] = term
        section_refs = set(self.classes) | {e.class_sid for e in self.enrollments.values()}
        self.db_sections = {
            s.sourced_id: s
            for s in Section.objects.filter(sourced_id__in=section_refs - {""}).select_related(
                "school"
            )
            if s.sourced_id
        }
        user_refs = set(self.users) | {e.user_sid for e in self.enrollments.values()}
        for user in self.users.values():
            user_refs.update(user.agent_sids)
        self.db_users = {
            u.sourced_id: u
            for u in User.objects.filter(sourced_id__in=user_refs - {""})
            if u.sourced_id
        }
        self.db_enrollments = {
            e.sourced_id: e
            for e in Enrollment.objects.filter(sourced_id__in=list(self.enrollments)).annotate(
                school_pk=F("section__school_id")
            )
            if e.sourced_id
        }
        # Accounts that already use an address the file gives a new or changed person.
        wanted = {
            u.email: u
            for u in self.users.values()
            if not u.deleted
            and u.email
            and (
                u.sid not in self.db_users
                or (not u.placeholder and self.db_users[u.sid].email.lower() != u.email)
            )
        }
        for account in User.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=list(wanted)
        ):
            self._check_email_owner(wanted[account.email.lower()], account)
        people = [u.pk for u in self.db_users.values()] + [u.pk for u in self.email_links.values()]
        for user_id, school_id, role, active in Membership.objects.filter(
            user_id__in=people
        ).values_list("user_id", "school_id", "role", "is_active"):
            self.db_user_schools[user_id].add(school_id)
            if active:
                self.db_roles[user_id].add(role)

    def _check_email_owner(self, user: _User, account: User) -> None:
        matched = self.db_users.get(user.sid)
        if matched is not None and matched.pk == account.pk:
            return
        if matched is None and not account.sourced_id and not user.placeholder:
            self.email_links[user.sid] = account
            self.warn(
                "users.csv",
                user.line,
                "email",
                f"{user.sid} was linked to the existing LearnHub account {account.email}.",
            )
            return
        owner = f"{account.sourced_id}" if account.sourced_id else "a person not from a roster"
        if account.sourced_id and account.sourced_id in self.users:
            reason = (
                f"{user.email} belongs to {owner} in LearnHub, whose email this file changes too; "
                "swap addresses in two separate imports."
            )
        else:
            reason = f"{user.email} already belongs to another LearnHub account ({owner})."
        self.error("users.csv", user.line, "email", reason)

    def _parsed(self) -> dict[str, Mapping[str, Any]]:
        return {
            "orgs": self.orgs,
            "academicSessions": self.sessions,
            "courses": self.courses,
            "classes": self.classes,
            "users": self.users,
            "enrollments": self.enrollments,
        }

    def _stored(self) -> dict[str, Mapping[str, Any]]:
        return {
            "orgs": self.db_schools,
            "academicSessions": self.term_sites,
            "courses": {},
            "classes": self.db_sections,
            "users": self.db_users,
            "enrollments": self.db_enrollments,
        }

    def _resolve(self, kind: str, sid: str) -> Resolution:
        rows, db = self._parsed()[kind], self._stored()[kind]
        if sid in db:
            return "db" if sid not in rows else "file"
        if sid in rows:
            return "gone" if rows[sid].deleted else "file"
        return "unchecked" if kind in self.broken else "missing"

    def _where(self, kind: str) -> str:
        return f"{kind}.csv or LearnHub" if kind in self.tables else "LearnHub"

    def _org_school(self, sid: str) -> str | None:
        """The school a reference to org ``sid`` means: the org itself when it is a school,
        else the nearest school above it (``parentSourcedId``); None when there is none."""
        seen: set[str] = set()
        while sid and sid not in seen:
            seen.add(sid)
            if sid in self.db_schools:
                return sid
            org = self.orgs.get(sid)
            if org is None or org.deleted:
                return None
            if org.type == "school":
                return sid
            sid = org.parent_sid
        return None

    def _why_no_school(self, sid: str) -> str:
        """Why a reference to org ``sid`` leads to no school (for a warning)."""
        found = self._resolve("orgs", sid)
        if found == "missing":
            return f"Org {sid} is not in {self._where('orgs')}"
        if found == "gone":
            return f"Org {sid} is marked tobedeleted and is not in LearnHub"
        org = self.orgs[sid]
        return f"{sid} is a {org.type} with no school above it"

    def _school_of_class(self, sid: str) -> str | None:
        klass = self.classes.get(sid)
        if klass is not None and not klass.deleted and not klass.skipped:
            return klass.school
        section = self.db_sections.get(sid)
        return section.school.sourced_id if section else None

    def _role_of(self, sid: str) -> set[str]:
        """Roles a referenced person has: from their row, else their active memberships."""
        if sid in self.users and not self.users[sid].deleted:
            role = self.users[sid].membership_role
            return {role} if role else set()
        account = self.db_users.get(sid)
        return self.db_roles.get(account.pk, set()) if account else set()

    def _validate(self) -> None:
        self._parse_rows()
        self._fetch()
        self._skip_unknown_deletions()
        self._validate_orgs()
        self._validate_courses()
        self._validate_classes()
        self._resolve_session_schools()
        self._validate_users()
        self._validate_enrollments()
        self._flush_grouped()
        if self.actor is not None and not self.actor.is_superuser:
            self._check_actor()

    def _skip_unknown_deletions(self) -> None:
        stored = self._stored()
        for kind, rows in self._parsed().items():
            gone = [sid for sid, row in rows.items() if row.deleted and sid not in stored[kind]]
            self.gone[kind] = set(gone)
            if gone and kind != "courses":
                self.warn(
                    f"{kind}.csv",
                    None,
                    "status",
                    f"{len(gone)} rows marked tobedeleted ({_sample(gone)}) are not in "
                    "LearnHub: there was nothing to deactivate.",
                )

    def _validate_orgs(self) -> None:
        for org in self.orgs.values():
            if org.deleted:
                continue
            if org.type and org.type != "school":
                self.warn(
                    "orgs.csv",
                    org.line,
                    "type",
                    f"{org.sid} ({org.name}) is a {org.type}: LearnHub keeps schools only, so "
                    "it was not imported.",
                )
            if org.parent_sid and self._resolve("orgs", org.parent_sid) in ("missing", "gone"):
                self.warn_grouped(
                    "orgs.csv",
                    "parentSourcedId",
                    f"The parent org {org.parent_sid} is not in {self._where('orgs')}, so "
                    "{these} imported without it.",
                    org.sid,
                )
            elif org.parent_sid:
                seen = {org.sid}
                sid = org.parent_sid
                while sid in self.orgs:
                    if sid in seen:
                        self.error(
                            "orgs.csv",
                            org.line,
                            "parentSourcedId",
                            f"Following parentSourcedId from {org.sid} leads back to it (a loop).",
                        )
                        break
                    seen.add(sid)
                    sid = self.orgs[sid].parent_sid
        if "orgs" in self.tables:
            self.scope_sids = {
                o.sid
                for o in self.orgs.values()
                if (o.type == "school" and not o.deleted)
                or (o.deleted and o.sid in self.db_schools)
            }
        else:
            refs = {c.school_sid for c in self.classes.values()}
            refs |= {e.school_sid for e in self.enrollments.values()}
            for user in self.users.values():
                refs.update(user.org_sids)
            self.scope_sids = {s for s in refs if s in self.db_schools}

    def _validate_courses(self) -> None:
        for course in self.courses.values():
            if course.deleted or not course.org_sid:
                continue
            if self._resolve("orgs", course.org_sid) in ("missing", "gone"):
                self.warn_grouped(
                    "courses.csv",
                    "orgSourcedId",
                    f"Org {course.org_sid} is not in {self._where('orgs')}; LearnHub keeps no "
                    "courses, so nothing else comes of it, but {these} read without it.",
                    course.sid,
                )

    def _validate_classes(self) -> None:
        for klass in self.classes.values():
            if klass.deleted or not klass.school_sid:
                continue
            school = self._org_school(klass.school_sid)
            if school is None:
                if "orgs" not in self.broken:
                    self.warn(
                        "classes.csv",
                        klass.line,
                        "schoolSourcedId",
                        f"{self._why_no_school(klass.school_sid)}, so class {klass.sid} "
                        "was skipped, with its enrollments.",
                    )
                klass.skipped = True
                continue
            if school != klass.school_sid:
                org = self.orgs[klass.school_sid]
                self.warn_grouped(
                    "classes.csv",
                    "schoolSourcedId",
                    f"{klass.school_sid} is a {org.type}, not a school: {{these}} placed at "
                    f"the school above it, {school}.",
                    klass.sid,
                )
            klass.school = school
            if (
                klass.course_sid
                and klass.course_sid not in self.courses
                and "courses" not in self.broken
            ):
                self.warn_grouped(
                    "classes.csv",
                    "courseSourcedId",
                    f"Course {klass.course_sid} is not in this export, so "
                    "{these} imported without a new course title (they keep the one "
                    "LearnHub has).",
                    klass.sid,
                )
            for term_sid in klass.term_sids:
                reason = self._term_link_problem(school, term_sid)
                if reason is None:
                    klass.terms.append(term_sid)
                elif reason:
                    self.warn_grouped(
                        "classes.csv",
                        "termSourcedIds",
                        f"{reason}, so {{these}} imported without it.",
                        klass.sid,
                    )

    def _term_link_problem(self, school: str, term_sid: str) -> str | None:
        """None if a class at ``school`` can be linked to session ``term_sid``; else why not
        ("" when an error about it is reported already)."""
        session = self.sessions.get(term_sid)
        if session is not None and not session.deleted:
            return None
        if (school, term_sid) in self.db_terms:
            return None  # in LearnHub at this school (maybe being deactivated)
        if session is not None:
            return f"Term {term_sid} is marked tobedeleted and is not in LearnHub at {school}"
        if self.term_sites.get(term_sid):
            return (
                f"Term {term_sid} is not in academicSessions.csv and LearnHub has it only at "
                "other schools"
            )
        if "academicSessions" in self.broken:
            return ""
        return f"Term {term_sid} is not in {self._where('academicSessions')}"

    def _resolve_session_schools(self) -> None:
        """Where each session becomes a term: see the module docstring."""
        for session in self.sessions.values():
            if not session.deleted:
                self._check_session_parent(session)
        for klass in self.classes.values():
            if klass.deleted or klass.skipped:
                continue
            for term_sid in klass.terms:
                if term_sid in self.sessions and not self.sessions[term_sid].deleted:
                    self.sessions[term_sid].schools.add(klass.school)
        only_school = next(iter(self.scope_sids)) if len(self.scope_sids) == 1 else None
        for session in self.sessions.values():
            if session.deleted:
                continue
            session.schools |= {
                t.school.sourced_id
                for t in self.term_sites.get(session.sid, [])
                if t.school.sourced_id in self.scope_sids
            }
            if not session.schools and only_school:
                session.schools.add(only_school)
        # A parent session is a term wherever its children are.
        for session in self.sessions.values():
            if session.deleted:
                continue
            seen = {session.sid}
            parent = self.sessions.get(session.parent_sid)
            while parent is not None and not parent.deleted and parent.sid not in seen:
                seen.add(parent.sid)
                parent.schools |= session.schools
                parent = self.sessions.get(parent.parent_sid)
        unplaced = [s.sid for s in self.sessions.values() if not s.deleted and not s.schools]
        for sid in unplaced:
            self.sessions[sid].skipped = True
        if unplaced:
            self.warn(
                "academicSessions.csv",
                None,
                "sourcedId",
                f"{len(unplaced)} sessions ({_sample(unplaced)}) are used by no class and the "
                "file has several schools, so LearnHub cannot tell whose terms they are: they "
                "were not imported.",
            )
        for session in self.sessions.values():
            if session.deleted or session.skipped or not session.parent_sid:
                continue
            parent = self.sessions.get(session.parent_sid)
            missing = sorted(
                school
                for school in session.schools
                if not (parent is not None and not parent.deleted and school in parent.schools)
                and (school, session.parent_sid) not in self.db_terms
            )
            if not missing or "academicSessions" in self.broken:
                continue
            if parent is None and not self.term_sites.get(session.parent_sid):
                why = f"The parent session {session.parent_sid} is not in " + self._where(
                    "academicSessions"
                )
            elif parent is not None and parent.deleted:
                why = f"The parent session {session.parent_sid} is marked tobedeleted"
            else:
                why = f"The parent session {session.parent_sid} is not a term at " + ", ".join(
                    missing
                )
            self.warn_grouped(
                "academicSessions.csv",
                "parentSourcedId",
                f"{why}, so {{these}} imported without a parent there.",
                session.sid,
            )

    def _check_session_parent(self, session: _Session) -> None:
        if not session.parent_sid or session.parent_sid not in self.sessions:
            return
        seen = {session.sid}
        sid = session.parent_sid
        while sid in self.sessions:
            if sid in seen:
                self.error(
                    "academicSessions.csv",
                    session.line,
                    "parentSourcedId",
                    f"Following parentSourcedId from {session.sid} leads back to it (a loop).",
                )
                session.parent_sid = ""
                return
            seen.add(sid)
            sid = self.sessions[sid].parent_sid

    def _validate_users(self) -> None:
        for user in self.users.values():
            if user.deleted:
                continue
            for sid in user.org_sids:
                school = self._org_school(sid)
                if school is not None:
                    if school not in user.schools:
                        user.schools.append(school)
                elif self._resolve("orgs", sid) in ("missing", "gone"):
                    self.warn_grouped(
                        "users.csv",
                        "orgSourcedIds",
                        f"{self._why_no_school(sid)}, so {{these}} given no role there.",
                        user.sid,
                    )
            if user.org_sids and not user.schools and "orgs" not in self.broken:
                self.warn(
                    "users.csv",
                    user.line,
                    "orgSourcedIds",
                    f"{user.sid} belongs to no school in LearnHub, so they have no role here.",
                )
            if user.role in ("aide", "proctor"):
                self.warn(
                    "users.csv",
                    user.line,
                    "role",
                    f"{user.sid} is a {user.role}: LearnHub "
                    + (
                        "gives aides the teacher role."
                        if user.role == "aide"
                        else "has no proctor role, so they get no membership."
                    ),
                )
            if not user.agent_sids:
                continue
            if user.role == "student":
                wanted, noun = Role.GUARDIAN, "a parent, guardian or relative"
            elif user.role in GUARDIAN_ROLES:
                wanted, noun = Role.STUDENT, "a student"
            else:
                self.warn(
                    "users.csv",
                    user.line,
                    "agentSourcedIds",
                    f"agentSourcedIds of a {user.role} are not used.",
                )
                continue
            for agent in user.agent_sids:
                found = self._resolve("users", agent)
                if agent in self.users and self.users[agent].deleted:
                    continue  # their links are deactivated with them
                if found == "missing":
                    self.warn(
                        "users.csv",
                        user.line,
                        "agentSourcedIds",
                        f"Person {agent} is not in {self._where('users')}, so the link between "
                        f"{user.sid} and {agent} was skipped.",
                    )
                elif found == "gone":
                    self.warn(
                        "users.csv",
                        user.line,
                        "agentSourcedIds",
                        f"Person {agent} is marked tobedeleted and is not in LearnHub, so the "
                        f"link between {user.sid} and {agent} was skipped.",
                    )
                elif found in ("file", "db") and wanted not in self._role_of(agent):
                    self.warn(
                        "users.csv",
                        user.line,
                        "agentSourcedIds",
                        f"{agent} is not {noun}, so they cannot be an agent of this "
                        f"{user.role}: the link between {user.sid} and {agent} was skipped.",
                    )
                elif found in ("file", "db"):
                    user.agents.append(agent)

    def _validate_enrollments(self) -> None:
        skipped_roles: dict[str, list[str]] = defaultdict(list)
        for enrollment in self.enrollments.values():
            if enrollment.deleted:
                continue
            reason = self._enrollment_problem(enrollment)
            if reason is not None:
                enrollment.skipped = True
                if reason:
                    self.warn_grouped(
                        "enrollments.csv",
                        reason[0],
                        reason[1] + ", so {these} skipped.",
                        enrollment.sid,
                    )
                continue
            if enrollment.school_sid:
                school = self._school_of_class(enrollment.class_sid)
                named = self._org_school(enrollment.school_sid)
                if school is not None and named != school:
                    self.warn_grouped(
                        "enrollments.csv",
                        "schoolSourcedId",
                        f"Class {enrollment.class_sid} is at school {school}, not "
                        f"{enrollment.school_sid}: {{these}} imported at {school}, with the "
                        "class.",
                        enrollment.sid,
                    )
            if enrollment.role and enrollment.mapped_role is None:
                skipped_roles[enrollment.role].append(enrollment.sid)
            elif enrollment.role == "aide":
                skipped_roles["aide"].append(enrollment.sid)
        for role, sids in sorted(skipped_roles.items()):
            what = (
                "were imported as teacher enrollments"
                if role == "aide"
                else "were skipped: LearnHub enrolls only teachers and students"
            )
            self.warn(
                "enrollments.csv",
                None,
                "role",
                f"{len(sids)} {role} enrollments ({_sample(sids)}) {what}.",
            )

    def _enrollment_problem(self, enrollment: _Enrollment) -> tuple[str, str] | Literal[""] | None:
        """Why an enrollment must be skipped: (column, reason), "" when an error says it
        already, None when it can be imported."""
        class_sid, user_sid = enrollment.class_sid, enrollment.user_sid
        if not class_sid or not user_sid:
            return ""
        found = self._resolve("classes", class_sid)
        klass = self.classes.get(class_sid)
        if found == "unchecked":
            return ""
        if found == "missing":
            return ("classSourcedId", f"Class {class_sid} is not in {self._where('classes')}")
        if found == "gone" or (klass is not None and klass.deleted):
            return ("classSourcedId", f"Class {class_sid} is marked tobedeleted")
        if klass is not None and klass.skipped:
            return ("classSourcedId", f"Class {class_sid} was skipped (see classes.csv)")
        found = self._resolve("users", user_sid)
        person = self.users.get(user_sid)
        if found == "unchecked":
            return ""
        if found == "missing":
            return ("userSourcedId", f"Person {user_sid} is not in {self._where('users')}")
        if found == "gone" or (person is not None and person.deleted):
            return ("userSourcedId", f"Person {user_sid} is marked tobedeleted")
        return None

    # ---- who may import

    def _check_actor(self) -> None:
        assert self.actor is not None
        admin_of = {
            school.pk: school
            for school in School.objects.filter(
                memberships__user=self.actor,
                memberships__role=Role.ADMIN,
                memberships__is_active=True,
            )
        }
        self.administered = set(admin_of)
        allowed_sids = {s.sourced_id for s in admin_of.values() if s.sourced_id}
        refused: dict[str, tuple[str, int | None, str]] = {}

        def deny_school(file: str, line: int | None, column: str, sid: str) -> None:
            if sid and sid not in allowed_sids and sid not in refused:
                refused[sid] = (file, line, column)

        for org in self.orgs.values():
            if (org.type == "school" and not org.deleted) or org.sid in self.db_schools:
                deny_school("orgs.csv", org.line, "sourcedId", org.sid)
        for klass in self.classes.values():
            if klass.school:
                deny_school("classes.csv", klass.line, "schoolSourcedId", klass.school)
        for enrollment in self.enrollments.values():
            school = self._org_school(enrollment.school_sid)
            if school in self.db_schools:
                deny_school("enrollments.csv", enrollment.line, "schoolSourcedId", school)
        for user in self.users.values():
            for sid in user.schools:
                deny_school("users.csv", user.line, "orgSourcedIds", sid)
        for sid, (file, line, column) in refused.items():
            self.error(file, line, column, self._refusal(sid, list(admin_of.values())))
        if refused:
            self.onboarding = {
                "org_sids": sorted(refused),
                "names": {sid: self.orgs[sid].name for sid in refused if sid in self.orgs},
                "unknown": sorted(sid for sid in refused if sid not in self.db_schools),
                "schools": [
                    {
                        "name": s.name,
                        "sourced_id": s.sourced_id or "",
                        "url": _admin_url("admin:profiles_school_change", s.pk),
                    }
                    for s in admin_of.values()
                ],
                "add_url": _admin_url("admin:profiles_school_add"),
            }

        def deny_record(file: str, line: int | None, column: str, what: str) -> None:
            self.error(
                file,
                line,
                column,
                f"{what} is already in LearnHub at a school you do not administer.",
            )

        for klass in self.classes.values():
            section = self.db_sections.get(klass.sid)
            if section and section.school_id not in self.administered:
                deny_record("classes.csv", klass.line, "sourcedId", f"Class {klass.sid}")
        for enrollment in self.enrollments.values():
            existing = self.db_enrollments.get(enrollment.sid)
            if existing and existing.school_pk not in self.administered:  # type: ignore[attr-defined]
                deny_record(
                    "enrollments.csv", enrollment.line, "sourcedId", f"Enrollment {enrollment.sid}"
                )
        for sid, account in [*self.db_users.items(), *self.email_links.items()]:
            if account.is_superuser or not (
                self.db_user_schools.get(account.pk, set()) & self.administered
            ):
                row = self.users.get(sid)
                if row is not None:
                    deny_record("users.csv", row.line, "sourcedId", f"Person {sid}")
                    continue
                line = next(
                    (
                        e.line
                        for e in self.enrollments.values()
                        if e.user_sid == sid and not e.skipped
                    ),
                    None,
                )
                if line is not None:
                    deny_record("enrollments.csv", line, "userSourcedId", f"Person {sid}")
                    continue
                agent_line = next((u.line for u in self.users.values() if sid in u.agents), None)
                if agent_line is not None:
                    deny_record("users.csv", agent_line, "agentSourcedIds", f"Person {sid}")

    def _refusal(self, sid: str, schools: list[School]) -> str:
        """What a school admin is told when the file is for a school they do not run."""
        name = self.orgs[sid].name if sid in self.orgs and self.orgs[sid].name else ""
        called = f"School {sid}" + (f" ({name})" if name else "")
        if sid in self.db_schools:
            return (
                f"{called} is in LearnHub, but you do not administer it: ask its school admin "
                "or your LearnHub operator to import this file."
            )
        add_url = _admin_url("admin:profiles_school_add")
        text = (
            f"{called} is not in LearnHub yet, and only a LearnHub operator can add a school or "
            "bind one to its OneRoster sourcedId."
        )
        if len(schools) == 1:
            school = schools[0]
            url = _admin_url("admin:profiles_school_change", school.pk)
            if not school.sourced_id:
                return (
                    f"{text} If this export is {school.name}'s, ask your operator to enter {sid} "
                    f"as the OneRoster sourcedId of {school.name} on {url} (or to run manage.py "
                    f'school_bind "{school.name}" {sid}), then upload the file again.'
                )
            return (
                f"{text} You administer {school.name}, whose sourcedId is {school.sourced_id}: "
                "check that this is your school's export. If your school's sourcedId really "
                f"is {sid}, ask your operator to change it on {url}; if it is another school, "
                f"ask them to add it on {add_url} with sourcedId {sid} and make you its school "
                "admin. Then upload the file again."
            )
        return (
            f"{text} Ask your operator to add it on {add_url} with sourcedId {sid} (or to bind "
            "one of your schools to it with manage.py school_bind) and make you its school "
            "admin, then upload the file again."
        )

    # ---- planning every write (nothing is saved here)

    def _plan(self) -> None:
        changes = self.changes
        for rows in (
            self.db_schools.values(),
            self.db_terms.values(),
            self.db_sections.values(),
            self.db_users.values(),
            self.email_links.values(),
            self.db_enrollments.values(),
        ):
            changes.load(rows)
        self._plan_schools()
        self._plan_terms()
        self._plan_sections()
        self._plan_users()
        self._plan_memberships()
        self._plan_learner_profiles()
        self._plan_guardian_links()
        self._plan_enrollments()
        self._plan_cascade()
        self._check_deactivations()

    def _plan_schools(self) -> None:
        changes = self.changes
        self.school_obj = dict(self.db_schools)
        for org in self.orgs.values():
            school = self.db_schools.get(org.sid)
            if org.deleted:
                if school is not None:
                    changes.set(school, {"is_active": False})
                continue
            if org.type != "school":
                continue
            desired = {"name": org.name, "identifier": org.identifier, "is_active": True}
            if school is None:
                self.school_obj[org.sid] = changes.add(School(sourced_id=org.sid, **desired))
            else:
                changes.set(school, desired)
        self.scope_pks = {
            self.db_schools[sid].pk for sid in self.scope_sids if sid in self.db_schools
        }

    def _term_schools(self) -> set[int] | None:
        """Schools whose terms a session marked tobedeleted deactivates (None: all)."""
        if self.scope_pks:
            return self.scope_pks
        return self.administered

    def _plan_terms(self) -> None:
        changes = self.changes
        reach = self._term_schools()
        for session in self.sessions.values():
            if session.deleted:
                for site in self.term_sites.get(session.sid, []):
                    if reach is None or site.school_id in reach:
                        changes.set(changes.adopt(site), {"is_active": False})
                continue
            if session.skipped:
                continue
            desired: dict[str, Any] = {
                "title": session.title,
                "kind": session.kind,
                "start_date": session.start,
                "end_date": session.end,
                "school_year": session.school_year,
                "is_active": True,
            }
            for school_sid in sorted(session.schools):
                existing = self.db_terms.get((school_sid, session.sid))
                if existing is None:
                    term = changes.add(
                        Term(school=self.school_obj[school_sid], sourced_id=session.sid, **desired)
                    )
                else:
                    term = existing
                    changes.set(term, desired)
                self.term_obj[(school_sid, session.sid)] = term
        for session in self.sessions.values():
            if session.deleted or session.skipped:
                continue
            for school_sid in sorted(session.schools):
                term = self.term_obj[(school_sid, session.sid)]
                parent = None
                if session.parent_sid:
                    key = (school_sid, session.parent_sid)
                    parent = self.term_obj.get(key) or self.db_terms.get(key)
                if term.pk is None:
                    term.parent = parent
                else:
                    changes.set(term, {"parent": parent})
        if self.modes.get("academicSessions") == "bulk" and self.scope_pks:
            for term in changes.load(
                Term.objects.filter(
                    school_id__in=self.scope_pks, sourced_id__isnull=False, is_active=True
                )
                .exclude(sourced_id__in=list(self.sessions))
                .select_related("school")
            ):
                changes.set(term, {"is_active": False})

    def _plan_sections(self) -> None:
        changes = self.changes
        self.section_obj = dict(self.db_sections)
        wanted_terms: dict[str, list[Term]] = {}
        for klass in self.classes.values():
            section = self.db_sections.get(klass.sid)
            if klass.deleted:
                if section is not None:
                    self.deleted_sections.add(section.pk)
                    changes.set(section, {"is_active": False})
                continue
            if klass.skipped:
                continue
            desired: dict[str, Any] = {
                "school": self.school_obj[klass.school],
                "name": klass.title,
                "code": klass.code,
                "kind": klass.kind,
                "grade_levels": klass.grades,
                "is_active": True,
            }
            course = self.courses.get(klass.course_sid)
            if course is not None and not course.deleted:
                desired["course_title"] = course.title
                desired["subject"] = klass.subjects or course.subjects
            elif klass.subjects:
                desired["subject"] = klass.subjects
            if section is None:
                section = changes.add(Section(sourced_id=klass.sid, **desired))
                self.section_obj[klass.sid] = section
            else:
                changes.set(section, desired)
            wanted_terms[klass.sid] = [
                self.term_obj.get((klass.school, sid)) or self.db_terms[(klass.school, sid)]
                for sid in klass.terms
            ]
        through = Section.terms.through
        current: dict[int, dict[int, int]] = defaultdict(dict)  # section -> term -> row id
        existing = [self.section_obj[sid].pk for sid in wanted_terms if self.section_obj[sid].pk]
        for row_id, section_id, term_id in through.objects.filter(
            section_id__in=existing
        ).values_list("id", "section_id", "term_id"):
            current[section_id][term_id] = row_id
        for sid, terms in wanted_terms.items():
            section = self.section_obj[sid]
            changes.link_terms(section, terms, current.get(section.pk, {}))
        if self.modes.get("classes") == "bulk" and self.scope_pks:
            for section in changes.load(
                Section.objects.filter(
                    school_id__in=self.scope_pks, sourced_id__isnull=False, is_active=True
                ).exclude(sourced_id__in=list(self.classes))
            ):
                changes.set(section, {"is_active": False})
                self.deleted_sections.add(section.pk)

    def _plan_users(self) -> None:
        changes = self.changes
        # Imported people sign in after a password reset; one unusable hash serves them all
        # (hashing one per person would be most of the preview's time).
        unusable = make_password(None)
        for user in self.users.values():
            account = self.db_users.get(user.sid) or self.email_links.get(user.sid)
            shared = account is not None and self._shared(account)
            if user.deleted:
                if account is not None:
                    self.user_obj[user.sid] = account
                    if shared:
                        # Their account is another school's too: only their side here goes.
                        self.deleted_shared.add(account.pk)
                        self.warn_grouped(
                            "users.csv",
                            "status",
                            SHARED_PERSON.format(what="deactivate their account")
                            + " Their roles, classes and links at your schools were deactivated.",
                            user.sid,
                        )
                        continue
                    self.deleted_users.add(account.pk)
                    changes.set(account, {"is_active": False})
                continue
            desired: dict[str, Any] = {
                "sourced_id": user.sid,
                "given_name": user.given,
                "family_name": user.family,
                "is_active": user.enabled,
            }
            if not user.placeholder or account is None:
                desired["email"] = user.email
            if user.membership_role == Role.ADMIN:
                desired["is_staff"] = True
            if account is None:
                account = User(password=unusable, **desired)
                changes.add(account)
            elif shared:
                changes.consider(account)
                if any(getattr(account, name) != value for name, value in desired.items()):
                    self.warn_grouped(
                        "users.csv",
                        "",
                        SHARED_PERSON.format(what="change their name, email or sign-in")
                        + " Those changes were skipped; their roles, classes and links at your "
                        "schools were imported.",
                        user.sid,
                    )
            else:
                changes.set(account, desired)
            self.user_obj[user.sid] = account
        for sid, account in self.db_users.items():
            self.user_obj.setdefault(sid, account)

    def _shared(self, account: User) -> bool:
        """For a school admin's import: the person is known at a school they do not run too,
        so only an operator may change their account (docs/decisions/0004)."""
        if self.administered is None:
            return False
        return bool(self.db_user_schools.get(account.pk, set()) - self.administered)

    def _listed(self, sid: str) -> bool:
        """A person this users.csv lists (and does not delete)."""
        return sid in self.users and not self.users[sid].deleted

    def _plan_memberships(self) -> None:
        changes = self.changes
        desired: dict[tuple[str, str, str], dict[str, Any]] = {}
        for user in self.users.values():
            role = user.membership_role
            if user.deleted or role is None:
                continue
            for school_sid in user.schools:
                desired[(user.sid, school_sid, role)] = {
                    "grade_level": user.grades if role == Role.STUDENT else "",
                    "is_active": True,
                }
        # An enrollment implies a membership of the same role at the class's school.
        implied: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for enrollment in self.enrollments.values():
            role = enrollment.mapped_role
            if enrollment.deleted or enrollment.skipped or role is None:
                continue
            class_school = self._school_of_class(enrollment.class_sid)
            account = self.user_obj[enrollment.user_sid]
            if account.pk in self.deleted_users or not class_school:
                continue
            school_sid = class_school
            if (enrollment.user_sid, school_sid, role) not in desired:
                implied[(enrollment.user_sid, school_sid, role)].append(enrollment.class_sid)
        sid_of = {u.pk: sid for sid, u in self.user_obj.items() if u.pk is not None}
        school_sid_of = {s.pk: sid for sid, s in self.school_obj.items() if s.pk is not None}
        existing: dict[tuple[str, str, str], Membership] = {}
        for membership in changes.load(
            Membership.objects.filter(user_id__in=list(sid_of), school_id__in=list(school_sid_of))
        ):
            key = (sid_of[membership.user_id], school_sid_of[membership.school_id], membership.role)
            existing[key] = membership
        for (user_sid, school_sid, role), class_sids in sorted(implied.items()):
            key = (user_sid, school_sid, role)
            desired[key] = {"is_active": True}
            row = self.users.get(user_sid)
            classes = _sample(dict.fromkeys(class_sids), limit=5)
            school = self.school_obj[school_sid].name
            if row is not None:
                self.warn(
                    "enrollments.csv",
                    None,
                    "role",
                    f"{user_sid} is a {row.role} in users.csv but enrollments.csv enrolls them as "
                    f"{role} in {classes}: they were also given a {role} membership at {school}.",
                )
            elif key not in existing or not existing[key].is_active:
                self.warn(
                    "enrollments.csv",
                    None,
                    "role",
                    f"{user_sid} is enrolled as {role} in {classes}: they were given a {role} "
                    f"membership at {school}.",
                )
        self.desired_memberships = desired
        for (user_sid, school_sid, role), values in desired.items():
            membership = existing.get((user_sid, school_sid, role))
            if membership is None:
                changes.add(
                    Membership(
                        user=self.user_obj[user_sid],
                        school=self.school_obj[school_sid],
                        role=role,
                        **values,
                    )
                )
            else:
                changes.set(membership, values)
        if self.modes.get("users") != "bulk":
            return
        for key, membership in existing.items():
            if (
                key not in desired
                and membership.is_active
                and self._listed(key[0])
                and membership.school_id in self.scope_pks
                and membership.role in ROSTERED_ROLES
            ):
                changes.set(membership, {"is_active": False})
        if not self.scope_pks:
            return
        # Rostered people this complete users.csv no longer lists.
        for membership in changes.load(
            Membership.objects.filter(
                school_id__in=self.scope_pks,
                role__in=ROSTERED_ROLES,
                is_active=True,
                user__sourced_id__isnull=False,
            )
            .exclude(user__sourced_id__in=list(self.users))
            .select_related("school", "user")
        ):
            changes.set(membership, {"is_active": False})
            self.dropped_users.add(membership.user_id)
        if not self.dropped_users:
            return
        still_active: set[int] = set()
        for membership in changes.load(
            Membership.objects.filter(user_id__in=self.dropped_users, is_active=True)
        ):
            if membership.is_active:
                still_active.add(membership.user_id)
        accounts = User.objects.filter(
            pk__in=self.dropped_users, is_active=True, is_superuser=False
        )
        if self.administered is not None:
            accounts = accounts.exclude(
                pk__in=Membership.objects.filter(user_id__in=self.dropped_users)
                .exclude(school_id__in=self.administered)
                .values("user_id")
            )
        for account in changes.load(accounts):
            if account.pk not in still_active:
                changes.set(account, {"is_active": False})

    def _plan_learner_profiles(self) -> None:
        changes = self.changes
        students = {
            key[0]
            for key in self.desired_memberships
            if key[2] == Role.STUDENT and self.user_obj[key[0]].pk not in self.deleted_users
        }
        known = [self.user_obj[s].pk for s in students if self.user_obj[s].pk is not None]
        have = dict(
            LearnerProfile.objects.filter(student_id__in=known).values_list("student_id", "pk")
        )
        changes.consider_pks(LearnerProfile, have.values())
        for sid in sorted(students):
            account = self.user_obj[sid]
            if account.pk is None or account.pk not in have:
                changes.add(LearnerProfile(student=account))

    def _plan_guardian_links(self) -> None:
        changes = self.changes
        desired: dict[tuple[str, str], str] = {}  # (guardian, student) -> relationship
        for user in self.users.values():
            if user.deleted:
                continue
            for agent in user.agents:
                agent_row = self.users.get(agent)
                if user.role == "student":
                    pair = (agent, user.sid)
                    relationship = agent_row.role if agent_row is not None else ""
                else:
                    pair = (user.sid, agent)
                    relationship = user.role
                desired.setdefault(pair, relationship)
        sid_of = {u.pk: sid for sid, u in self.user_obj.items() if u.pk is not None}
        existing = {
            (sid_of[link.guardian_id], sid_of[link.student_id]): link
            for link in changes.load(
                GuardianLink.objects.filter(
                    guardian_id__in=list(sid_of), student_id__in=list(sid_of)
                )
            )
        }
        for (guardian_sid, student_sid), relationship in desired.items():
            link = existing.get((guardian_sid, student_sid))
            if link is None:
                changes.add(
                    GuardianLink(
                        guardian=self.user_obj[guardian_sid],
                        student=self.user_obj[student_sid],
                        relationship=relationship,
                    )
                )
            else:
                changes.set(link, {"is_active": True})
        if self.modes.get("users") == "bulk":
            for pair, link in existing.items():
                if (
                    pair not in desired
                    and link.is_active
                    and self._listed(pair[0])
                    and self._listed(pair[1])
                ):
                    changes.set(link, {"is_active": False})

    def _plan_enrollments(self) -> None:
        changes = self.changes
        rows = [
            e
            for e in self.enrollments.values()
            if not e.deleted and not e.skipped and e.mapped_role is not None
        ]
        # Enrollments without a sourcedId match may adopt a person-class-role one.
        unmatched = [e for e in rows if e.sid not in self.db_enrollments]
        section_ids = {self.section_obj[e.class_sid].pk for e in unmatched} - {None}
        user_ids = {self.user_obj[e.user_sid].pk for e in unmatched} - {None}
        by_pair = {}
        if section_ids and user_ids:
            by_pair = {
                (e.section_id, e.user_id, e.role): e
                for e in changes.load(
                    Enrollment.objects.filter(section_id__in=section_ids, user_id__in=user_ids)
                )
            }
        claimed: set[int] = {e.pk for e in self.db_enrollments.values()}
        for enrollment in self.enrollments.values():
            existing = self.db_enrollments.get(enrollment.sid)
            if enrollment.deleted:
                if existing is not None:
                    changes.set(existing, {"is_active": False})
                continue
            role = enrollment.mapped_role
            if enrollment.skipped or role is None:
                continue
            section = self.section_obj[enrollment.class_sid]
            account = self.user_obj[enrollment.user_sid]
            desired: dict[str, Any] = {
                "sourced_id": enrollment.sid,
                "section": section,
                "user": account,
                "role": role,
                "is_primary": enrollment.primary,
                "is_active": section.pk not in self.deleted_sections,
            }
            if existing is None and section.pk is not None and account.pk is not None:
                # Adopt the same person-class-role enrollment made by hand or under another id.
                candidate = by_pair.get((section.pk, account.pk, role))
                if candidate is not None and candidate.pk not in claimed:
                    existing = candidate
                    claimed.add(candidate.pk)
            if existing is None:
                changes.add(Enrollment(**desired))
            else:
                changes.set(existing, desired)
        if self.modes.get("enrollments") == "bulk" and self.scope_pks:
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    section__school_id__in=self.scope_pks,
                    sourced_id__isnull=False,
                    is_active=True,
                )
                .exclude(sourced_id__in=list(self.enrollments))
                .select_related("section", "user")
            ):
                changes.set(enrollment, {"is_active": False})

    def _plan_cascade(self) -> None:
        """Deactivate what hangs off deactivated people and classes."""
        changes = self.changes
        related = ("section", "user")
        if self.deleted_users:
            for membership in changes.load(
                Membership.objects.filter(
                    user_id__in=self.deleted_users, is_active=True
                ).select_related("school", "user")
            ):
                changes.set(membership, {"is_active": False})
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    user_id__in=self.deleted_users, is_active=True
                ).select_related(*related)
            ):
                changes.set(enrollment, {"is_active": False})
            for link in changes.load(
                GuardianLink.objects.filter(
                    guardian_id__in=self.deleted_users, is_active=True
                ).select_related("guardian", "student")
            ) + changes.load(
                GuardianLink.objects.filter(
                    student_id__in=self.deleted_users, is_active=True
                ).select_related("guardian", "student")
            ):
                changes.set(link, {"is_active": False})
        if self.deleted_shared:
            reach = self.administered or set()
            for membership in changes.load(
                Membership.objects.filter(
                    user_id__in=self.deleted_shared, school_id__in=reach, is_active=True
                ).select_related("school", "user")
            ):
                changes.set(membership, {"is_active": False})
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    user_id__in=self.deleted_shared,
                    section__school_id__in=reach,
                    is_active=True,
                ).select_related(*related)
            ):
                changes.set(enrollment, {"is_active": False})
        if self.deleted_sections:
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    section_id__in=self.deleted_sections, is_active=True
                ).select_related(*related)
            ):
                changes.set(enrollment, {"is_active": False})
        if self.dropped_users:
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    user_id__in=self.dropped_users,
                    section__school_id__in=self.scope_pks,
                    is_active=True,
                ).select_related(*related)
            ):
                changes.set(enrollment, {"is_active": False})

    def _check_deactivations(self) -> None:
        """How many of each school's people the plan would deactivate, and whether that needs
        a confirmation in words (more than ``confirm_share()`` of a school)."""
        changes = self.changes
        users_off = {u.pk for u in changes.changed(User) if changes.is_deactivation(u)}
        candidates = users_off | {
            m.user_id for m in changes.changed(Membership) if changes.is_deactivation(m)
        }
        schools: list[dict[str, Any]] = []
        total: set[int] = set()
        if candidates:
            new_memberships: list[Membership] = changes.new[Membership]
            gained = {
                (m.user.pk, m.school.pk)
                for m in new_memberships
                if m.is_active and m.user.pk is not None and m.school.pk is not None
            }
            before = Membership.objects.filter(
                user_id__in=candidates, is_active=True, user__is_active=True
            ).values_list("pk", "user_id", "school_id")
            kept: set[tuple[int, int]] = set(gained)
            had: set[tuple[int, int]] = set()
            for pk, user_id, school_id in before:
                had.add((user_id, school_id))
                planned = changes.loaded(Membership, pk)
                if planned is None or planned.is_active:
                    kept.add((user_id, school_id))
            lost: dict[int, set[int]] = defaultdict(set)
            for user_id, school_id in had:
                if user_id in users_off or (user_id, school_id) not in kept:
                    lost[school_id].add(user_id)
            people = dict(
                Membership.objects.filter(
                    school_id__in=list(lost), is_active=True, user__is_active=True
                )
                .values("school_id")
                .annotate(n=Count("user_id", distinct=True))
                .values_list("school_id", "n")
            )
            names = dict(School.objects.filter(pk__in=list(lost)).values_list("pk", "name"))
            share = confirm_share()
            for school_id, users in sorted(lost.items(), key=lambda item: names[item[0]]):
                of = people.get(school_id, len(users)) or len(users)
                over = len(users) / of > share
                schools.append(
                    {
                        "school": names[school_id],
                        "people": len(users),
                        "of": of,
                        "percent": round(100 * len(users) / of),
                        "over": over,
                    }
                )
                if over:
                    total |= users
        needed = bool(total)
        count = len(total)
        self.deactivation = {
            "schools": schools,
            "share": confirm_share(),
            "needed": needed,
            "phrase": f"deactivate {count} {'person' if count == 1 else 'people'}"
            if needed
            else "",
        }

    def _summarize(self) -> None:
        self._flush_grouped()
        changes = self.changes
        summary: dict[str, Any] = {name: changes.tally(model) for name, model in ENTITIES}
        summary["courses"] = {"read": sum(1 for c in self.courses.values() if not c.deleted)}
        summary["files"] = {f"{key}.csv": mode for key, mode in self.modes.items()}
        summary["warnings"] = self.warnings
        if self.warning_count > len(self.warnings):
            summary["warnings"] = [
                *self.warnings,
                {
                    "file": self.source_name,
                    "line": None,
                    "field": "",
                    "reason": f"{self.warning_count - len(self.warnings)} more warnings were "
                    "not listed.",
                },
            ]
        summary["columns"] = self.columns
        summary["changes"] = changes.examples()
        summary["renames"] = changes.renames()
        summary["deactivation"] = self.deactivation
        self.summary = summary


__all__ = [
    "NOUNS",
    "RosterPlan",
    "confirm_share",
    "normalize_phrase",
    "problem_text",
    "roster_import",
    "roster_plan",
]
