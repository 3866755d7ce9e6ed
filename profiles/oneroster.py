"""OneRoster 1.1 CSV roster import: schools, terms, sections, people, roles and enrollments.

``roster_import()`` reads an export (a folder, a .zip path or an uploaded zip), checks every
file and row first, and then either writes everything in one transaction (status *applied*)
or writes nothing at all (status *rejected*, one error per problem). Either way it records a
:class:`~profiles.models.RosterImport` with a summary per entity and the problems found.

How OneRoster maps onto LearnHub
--------------------------------
* **orgs.csv** — ``type`` *school* becomes a :class:`School` (matched by sourcedId,
  ``identifier`` kept). Other org types (district, department, local, state, national) have
  no LearnHub record: they are skipped with a warning, and may still be named in
  ``orgSourcedIds`` / ``orgSourcedId`` (they simply give no membership). ``parentSourcedId``
  is not used.
* **academicSessions.csv** — each session becomes a :class:`Term` (``type`` gives the kind,
  ``schoolYear``, ``parentSourcedId`` the parent). OneRoster 1.1 sessions name no school, so a
  session belongs to the school of the classes that use it (directly or through a child
  session). A session no class uses keeps the school it already has in LearnHub, else goes to
  the file's only school; with several schools it is skipped with a warning. A session used by
  classes of *two* schools is an error: a LearnHub term belongs to exactly one school.
* **courses.csv** — there is no Course model: a course gives its class's ``course_title`` and,
  when the class lists no subjects, its ``subject``. When courses.csv is absent or a delta,
  a class whose course is not in it keeps the course title it has.
* **classes.csv** — each class becomes a :class:`Section`: ``title`` → name, ``classCode`` →
  code, ``classType`` *scheduled* → kind class and *homeroom* → kind advisory, the school,
  ``termSourcedIds`` (comma separated) → terms, ``subjects`` and ``grades`` joined with ", ".
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
  (its ``relationship`` is set from the guardian's role when the link is created only).
* **enrollments.csv** — each enrollment becomes an :class:`Enrollment`: student → student,
  teacher → teacher, aide → teacher (warning); administrator and proctor enrollments are
  skipped with a warning (school admins already see the whole school). ``primary`` →
  is_primary. An enrollment also makes sure the person has a membership of that role at the
  class's school: when users.csv gave them another role (the real sample lists us0001 and
  us0002 as students but enrolls them as teachers) the membership is added, with a warning.
  An existing enrollment of the same person, class and role is adopted rather than duplicated.

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
  Schools and admin memberships are never deactivated by absence. *delta* — only upserts and
  *tobedeleted* rows. *absent* — the file is not read (references must then be in LearnHub).
* Upserts compare before writing: a row whose values are unchanged is not saved, so importing
  the same export twice changes nothing and writes no history.

Security: ``actor`` None is the operator (the management command); a superuser may import
anything. Anyone else must administer every school the file touches (matched by sourcedId,
so a new school needs an operator) and every existing record the file changes must be at one
of their schools; superuser accounts are never changed by them.
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
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import DatabaseError, models, transaction
from django.db.models.functions import Lower

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

COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # file: (required columns, optional columns LearnHub reads or knows)
    "manifest": (("propertyName", "value"), ()),
    "orgs": (
        ("sourcedId", "name", "type"),
        ("status", "dateLastModified", "identifier", "parentSourcedId"),
    ),
    "academicSessions": (
        ("sourcedId", "title", "type", "startDate", "endDate"),
        ("status", "dateLastModified", "parentSourcedId", "schoolYear"),
    ),
    "courses": (
        ("sourcedId", "title", "orgSourcedId"),
        (
            "status",
            "dateLastModified",
            "schoolYearSourcedId",
            "courseCode",
            "grades",
            "subjects",
            "subjectCodes",
        ),
    ),
    "classes": (
        (
            "sourcedId",
            "title",
            "courseSourcedId",
            "classType",
            "schoolSourcedId",
            "termSourcedIds",
        ),
        (
            "status",
            "dateLastModified",
            "grades",
            "classCode",
            "location",
            "subjects",
            "subjectCodes",
            "periods",
        ),
    ),
    "users": (
        ("sourcedId", "orgSourcedIds", "role", "givenName", "familyName"),
        (
            "status",
            "dateLastModified",
            "enabledUser",
            "username",
            "userIds",
            "middleName",
            "identifier",
            "email",
            "sms",
            "phone",
            "agentSourcedIds",
            "grades",
            "password",
        ),
    ),
    "enrollments": (
        ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
        ("status", "dateLastModified", "primary", "beginDate", "endDate"),
    ),
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
BATCH = 1000

Resolution = Literal["file", "db", "gone", "missing", "unchecked"]


# --------------------------------------------------------------------------- public API


def roster_import(
    *,
    source: Source,
    source_name: str,
    actor: User | None,
    dry_run: bool = False,
) -> RosterImport:
    """Import a OneRoster 1.1 CSV export; see the module docstring for the mapping.

    Never raises for a bad export: the returned :class:`RosterImport` says *applied* or
    *rejected* (nothing written) with one error per problem. ``dry_run`` checks and counts
    everything, then rolls back: the returned import is not saved.
    """
    importer = _Importer(actor=actor, source_name=source_name)
    return importer.run(source, dry_run=dry_run)


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


# --------------------------------------------------------------------------- parsed rows


@dataclass
class _Org:
    sid: str
    line: int
    deleted: bool
    name: str = ""
    type: str = ""
    identifier: str = ""


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
    school_sid: str | None = None  # resolved later; None with an existing term: keep its school
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
    term_sids: list[str] = field(default_factory=list)
    subjects: str = ""
    grades: str = ""


@dataclass
class _User:
    sid: str
    line: int
    deleted: bool
    enabled: bool = True
    org_sids: list[str] = field(default_factory=list)
    role: str = ""
    given: str = ""
    family: str = ""
    email: str = ""
    placeholder: bool = False
    agent_sids: list[str] = field(default_factory=list)
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

    @property
    def mapped_role(self) -> str | None:
        return ENROLLMENT_ROLES.get(self.role)


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0

    def record(self, *, new: bool, was_active: bool, now_active: bool, changed: bool) -> None:
        if new:
            self.created += 1
        elif was_active and not now_active:
            self.deactivated += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
        }


def _assign(obj: models.Model, desired: Mapping[str, Any]) -> list[str]:
    """Set the attributes that differ; return their names (nothing is saved)."""
    changed = []
    for name, value in desired.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


# --------------------------------------------------------------------------- the importer


class _Importer:
    def __init__(self, *, actor: User | None, source_name: str) -> None:
        self.actor = actor
        self.source_name = source_name[:255]
        self.errors: list[dict[str, Any]] = []
        self.error_count = 0
        self.warnings: list[dict[str, Any]] = []
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
        self.db_terms: dict[str, Term] = {}
        self.db_sections: dict[str, Section] = {}
        self.db_users: dict[str, User] = {}
        self.db_enrollments: dict[str, Enrollment] = {}
        self.db_roles: dict[int, set[str]] = defaultdict(set)
        self.db_user_schools: dict[int, set[int]] = defaultdict(set)
        self.email_links: dict[str, User] = {}  # file sourcedId -> account found by email
        self.scope_sids: set[str] = set()
        self.administered: set[int] | None = None  # None: may import anything
        self.summary: dict[str, Any] = {}
        self.tallies: dict[str, _Tally] = {}
        self.school_pk: dict[str, int] = {}
        self.term_pk: dict[str, int] = {}
        self.section_pk: dict[str, int] = {}
        self.user_pk: dict[str, int] = {}
        self.deleted_users: set[int] = set()
        self.deleted_sections: set[int] = set()
        self.dropped_users: set[int] = set()
        self.scope_pks: set[int] = set()
        self.desired_memberships: dict[tuple[int, int, str], dict[str, Any]] = {}

    # ---- reporting

    def error(self, file: str, line: int | None, column: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append({"file": file, "line": line, "field": column, "reason": reason})

    def warn(self, file: str, line: int | None, column: str, reason: str) -> None:
        self.warnings.append({"file": file, "line": line, "field": column, "reason": reason})

    # ---- the run

    def run(self, source: Source, *, dry_run: bool) -> RosterImport:
        files = self._load(source)
        if files is not None and self._read(files):
            self._validate()
        if self.error_count:
            return self._finish(RosterImport.Status.REJECTED, dry_run=dry_run)
        try:
            with transaction.atomic():
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
                    self._write()
                self._summarize()
                if dry_run:
                    transaction.set_rollback(True)
                else:
                    record.summary = self.summary
                    record.save(update_fields=["summary"])
                    return record
        except DatabaseError as exc:
            self.error(
                self.source_name,
                None,
                "",
                f"The database refused the import, so nothing was written: {exc}".strip(),
            )
            return self._finish(RosterImport.Status.REJECTED, dry_run=dry_run)
        return self._finish(RosterImport.Status.APPLIED, dry_run=True)

    def _finish(self, status: str, *, dry_run: bool) -> RosterImport:
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
        if status == RosterImport.Status.REJECTED:
            self.summary = {"warnings": self.warnings}
        record = RosterImport(
            created_by=self.actor,
            source_name=self.source_name,
            status=status,
            summary=self.summary,
            errors=self.errors,
        )
        if not dry_run:
            record.save()
        return record

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

    def _parse_csv(self, key: str, data: bytes) -> list[_Row] | None:
        """Rows keyed by canonical column name; None (after reporting) if unusable."""
        filename = f"{key}.csv"
        required, optional = COLUMNS[key]
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
            lookup = {name.lower(): name for name in (*required, *optional)}
            positions: dict[str, int] = {}
            ok = True
            for index, raw in enumerate(header):
                canonical = lookup.get(raw.strip().lstrip("\ufeff").lower())
                if canonical is None:
                    continue  # metadata.* and anything else we do not use
                if canonical in positions:
                    self.error(filename, 1, canonical, f"The column {canonical} appears twice.")
                    ok = False
                positions[canonical] = index
            for name in required:
                if name not in positions:
                    self.error(filename, 1, name, f"The required column {name} is missing.")
                    ok = False
            if not ok:
                return None
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
                values = {
                    name: record[index].strip() if index < len(record) else ""
                    for name, index in positions.items()
                }
                rows.append(_Row(start, values))
        except csv.Error as exc:
            self.error(filename, reader.line_num, "", f"The CSV cannot be read here: {exc}.")
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
        school_refs = set(self.orgs)
        school_refs |= {c.school_sid for c in self.classes.values()}
        school_refs |= {e.school_sid for e in self.enrollments.values()}
        school_refs |= {c.org_sid for c in self.courses.values()}
        for user in self.users.values():
            school_refs.update(user.org_sids)
        self.db_schools = {
            s.sourced_id: s
            for s in School.objects.filter(sourced_id__in=school_refs - {""})
            if s.sourced_id
        }
        term_refs = set(self.sessions) | {s.parent_sid for s in self.sessions.values()}
        for klass in self.classes.values():
            term_refs.update(klass.term_sids)
        self.db_terms = {
            t.sourced_id: t
            for t in Term.objects.filter(sourced_id__in=term_refs - {""}).select_related("school")
            if t.sourced_id
        }
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
            for e in Enrollment.objects.filter(
                sourced_id__in=list(self.enrollments)
            ).select_related("section")
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
            "academicSessions": self.db_terms,
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

    def _reference(
        self, file: str, line: int, column: str, kind: str, sid: str, noun: str
    ) -> Resolution:
        """Report a reference that leads nowhere; return how it resolved."""
        found = self._resolve(kind, sid)
        if found == "missing":
            where = f"{kind}.csv or LearnHub" if kind in self.tables else "LearnHub"
            self.error(file, line, column, f"{noun} {sid} is not in {where}.")
        elif found == "gone":
            self.error(
                file,
                line,
                column,
                f"{noun} {sid} is marked tobedeleted in {kind}.csv and is not in LearnHub.",
            )
        return found

    def _school_reference(self, file: str, line: int, column: str, sid: str) -> bool:
        """True if ``sid`` is a school (in the file or LearnHub); reports otherwise."""
        found = self._reference(file, line, column, "orgs", sid, "School")
        if found == "file" and sid not in self.db_schools and self.orgs[sid].type != "school":
            self.error(file, line, column, f"{sid} is a {self.orgs[sid].type}, not a school.")
            return False
        return found in ("file", "db")

    def _school_of_class(self, sid: str) -> str | None:
        if sid in self.classes and not self.classes[sid].deleted:
            return self.classes[sid].school_sid
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
        if "orgs" in self.tables:
            self.scope_sids = {
                o.sid
                for o in self.orgs.values()
                if o.type == "school" or (o.deleted and o.sid in self.db_schools)
            }
        else:
            self.scope_sids = {c.school_sid for c in self.classes.values() if c.school_sid}
            self.scope_sids |= {e.school_sid for e in self.enrollments.values() if e.school_sid}
            for user in self.users.values():
                self.scope_sids |= {s for s in user.org_sids if s in self.db_schools}

        for org in self.orgs.values():
            if not org.deleted and org.type and org.type != "school":
                self.warn(
                    "orgs.csv",
                    org.line,
                    "type",
                    f"{org.sid} ({org.name}) is a {org.type}: LearnHub keeps schools only, so "
                    "it was not imported.",
                )

        for course in self.courses.values():
            if not course.deleted and course.org_sid:
                self._reference(
                    "courses.csv", course.line, "orgSourcedId", "orgs", course.org_sid, "Org"
                )

        unknown_courses: list[str] = []
        for klass in self.classes.values():
            if klass.deleted:
                continue
            if klass.school_sid:
                self._school_reference(
                    "classes.csv", klass.line, "schoolSourcedId", klass.school_sid
                )
            if klass.course_sid and klass.course_sid not in self.courses:
                if self.modes.get("courses") == "bulk":
                    self.error(
                        "classes.csv",
                        klass.line,
                        "courseSourcedId",
                        f"Course {klass.course_sid} is not in courses.csv.",
                    )
                elif "courses" not in self.broken:
                    unknown_courses.append(klass.sid)
            for term_sid in klass.term_sids:
                found = self._reference(
                    "classes.csv",
                    klass.line,
                    "termSourcedIds",
                    "academicSessions",
                    term_sid,
                    "Term",
                )
                term = self.db_terms.get(term_sid)
                if found == "db" and term and term.school.sourced_id != klass.school_sid:
                    self.error(
                        "classes.csv",
                        klass.line,
                        "termSourcedIds",
                        f"Term {term_sid} belongs to {term.school}, not to school "
                        f"{klass.school_sid}.",
                    )
        if unknown_courses:
            self.warn(
                "classes.csv",
                None,
                "courseSourcedId",
                f"The course of {len(unknown_courses)} classes ({_sample(unknown_courses)}) is "
                "not in this export: they keep the course title LearnHub has.",
            )

        self._resolve_session_schools()
        self._validate_users()
        self._validate_enrollments()
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

    def _resolve_session_schools(self) -> None:
        used_by: dict[str, set[str]] = defaultdict(set)
        for klass in self.classes.values():
            if klass.deleted or not klass.school_sid:
                continue
            for term_sid in klass.term_sids:
                seen: set[str] = set()
                sid = term_sid
                while sid in self.sessions and sid not in seen:
                    seen.add(sid)
                    used_by[sid].add(klass.school_sid)
                    sid = self.sessions[sid].parent_sid
        only_school = next(iter(self.scope_sids)) if len(self.scope_sids) == 1 else None
        unplaced: list[str] = []
        for session in self.sessions.values():
            if session.deleted:
                continue
            self._check_session_parent(session)
            schools = used_by.get(session.sid, set())
            if len(schools) > 1:
                self.error(
                    "academicSessions.csv",
                    session.line,
                    "sourcedId",
                    f"{session.sid} is used by classes at {len(schools)} schools "
                    f"({_sample(schools)}), but a LearnHub term belongs to one school: "
                    "import one school's export at a time.",
                )
            elif schools:
                session.school_sid = next(iter(schools))
            elif session.sid in self.db_terms:
                session.school_sid = None  # keeps the school it has
            elif only_school:
                session.school_sid = only_school
            else:
                session.skipped = True
                unplaced.append(session.sid)
            if session.school_sid and session.parent_sid in self.db_terms:
                parent = self.db_terms[session.parent_sid]
                if session.parent_sid not in self.sessions and (
                    parent.school.sourced_id != session.school_sid
                ):
                    self.error(
                        "academicSessions.csv",
                        session.line,
                        "parentSourcedId",
                        f"The parent session {session.parent_sid} belongs to {parent.school}, "
                        f"not to school {session.school_sid}.",
                    )
        if unplaced:
            self.warn(
                "academicSessions.csv",
                None,
                "sourcedId",
                f"{len(unplaced)} sessions ({_sample(unplaced)}) are used by no class and the "
                "file has several schools, so LearnHub cannot tell whose terms they are: they "
                "were not imported.",
            )

    def _check_session_parent(self, session: _Session) -> None:
        if not session.parent_sid:
            return
        found = self._reference(
            "academicSessions.csv",
            session.line,
            "parentSourcedId",
            "academicSessions",
            session.parent_sid,
            "Parent session",
        )
        if found != "file":
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
                return
            seen.add(sid)
            sid = self.sessions[sid].parent_sid

    def _validate_users(self) -> None:
        for user in self.users.values():
            if user.deleted:
                continue
            schools = [
                sid
                for sid in user.org_sids
                if self._reference("users.csv", user.line, "orgSourcedIds", "orgs", sid, "Org")
                in ("file", "db")
                and (sid in self.db_schools or self.orgs[sid].type == "school")
            ]
            if user.org_sids and not schools and "orgs" not in self.broken:
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
                found = self._reference(
                    "users.csv", user.line, "agentSourcedIds", "users", agent, "Person"
                )
                if agent in self.users and self.users[agent].deleted:
                    continue
                if found in ("file", "db") and wanted not in self._role_of(agent):
                    self.error(
                        "users.csv",
                        user.line,
                        "agentSourcedIds",
                        f"{agent} is not {noun}, so they cannot be an agent of this {user.role}.",
                    )

    def _validate_enrollments(self) -> None:
        skipped: dict[str, list[str]] = defaultdict(list)
        for enrollment in self.enrollments.values():
            if enrollment.deleted:
                continue
            line = enrollment.line
            if enrollment.class_sid:
                self._reference(
                    "enrollments.csv",
                    line,
                    "classSourcedId",
                    "classes",
                    enrollment.class_sid,
                    "Class",
                )
            if enrollment.user_sid:
                self._reference(
                    "enrollments.csv", line, "userSourcedId", "users", enrollment.user_sid, "Person"
                )
            if enrollment.school_sid and self._school_reference(
                "enrollments.csv", line, "schoolSourcedId", enrollment.school_sid
            ):
                school = self._school_of_class(enrollment.class_sid)
                if school is not None and school != enrollment.school_sid:
                    self.error(
                        "enrollments.csv",
                        line,
                        "schoolSourcedId",
                        f"Class {enrollment.class_sid} belongs to school {school}, not "
                        f"{enrollment.school_sid}.",
                    )
            if enrollment.role and enrollment.mapped_role is None:
                skipped[enrollment.role].append(enrollment.sid)
            elif enrollment.role == "aide":
                skipped["aide"].append(enrollment.sid)
        for role, sids in sorted(skipped.items()):
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

    def _check_actor(self) -> None:
        assert self.actor is not None
        admin_of = dict(
            Membership.objects.filter(user=self.actor, role=Role.ADMIN, is_active=True).values_list(
                "school_id", "school__sourced_id"
            )
        )
        self.administered = set(admin_of)
        allowed_sids = {sid for sid in admin_of.values() if sid}
        names = ", ".join(sorted(allowed_sids)) or "none with a sourcedId"
        told: set[str] = set()

        def deny_school(file: str, line: int, column: str, sid: str) -> None:
            if sid in told:
                return
            told.add(sid)
            self.error(
                file,
                line,
                column,
                f"You do not administer school {sid} (you administer: {names}); only an "
                "operator can import it.",
            )

        for org in self.orgs.values():
            if (org.type == "school" or org.sid in self.db_schools) and (
                org.sid not in allowed_sids
            ):
                deny_school("orgs.csv", org.line, "sourcedId", org.sid)
        for klass in self.classes.values():
            if klass.school_sid in self.db_schools and klass.school_sid not in allowed_sids:
                deny_school("classes.csv", klass.line, "schoolSourcedId", klass.school_sid)
        for enrollment in self.enrollments.values():
            sid = enrollment.school_sid
            if sid in self.db_schools and sid not in allowed_sids:
                deny_school("enrollments.csv", enrollment.line, "schoolSourcedId", sid)
        for user in self.users.values():
            for sid in user.org_sids:
                if sid in self.db_schools and sid not in allowed_sids:
                    deny_school("users.csv", user.line, "orgSourcedIds", sid)

        def deny_record(file: str, line: int | None, column: str, what: str) -> None:
            self.error(
                file,
                line,
                column,
                f"{what} is already in LearnHub at a school you do not administer.",
            )

        for session in self.sessions.values():
            term = self.db_terms.get(session.sid)
            if term and term.school_id not in self.administered:
                deny_record(
                    "academicSessions.csv", session.line, "sourcedId", f"Term {session.sid}"
                )
        for klass in self.classes.values():
            section = self.db_sections.get(klass.sid)
            if section and section.school_id not in self.administered:
                deny_record("classes.csv", klass.line, "sourcedId", f"Class {klass.sid}")
        for enrollment in self.enrollments.values():
            existing = self.db_enrollments.get(enrollment.sid)
            if existing and existing.section.school_id not in self.administered:
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
                else:
                    line = next(
                        (e.line for e in self.enrollments.values() if e.user_sid == sid),
                        None,
                    )
                    if line is not None:
                        deny_record("enrollments.csv", line, "userSourcedId", f"Person {sid}")
                    else:
                        agent_line = next(
                            (u.line for u in self.users.values() if sid in u.agent_sids), None
                        )
                        deny_record("users.csv", agent_line, "agentSourcedIds", f"Person {sid}")

    # ---- writing (inside one transaction)

    def _write(self) -> None:
        self._write_schools()
        self._write_terms()
        self._write_sections()
        self._write_users()
        self._write_memberships()
        self._write_learner_profiles()
        self._write_guardian_links()
        self._write_enrollments()
        self._cascade()

    def _write_schools(self) -> None:
        tally = self.tallies["schools"] = _Tally()
        creates: list[School] = []
        updates: list[School] = []
        fields: set[str] = set()
        for org in self.orgs.values():
            school = self.db_schools.get(org.sid)
            if org.deleted:
                if school is not None:
                    was_active = school.is_active
                    changed = _assign(school, {"is_active": False})
                    tally.record(
                        new=False, was_active=was_active, now_active=False, changed=bool(changed)
                    )
                    if changed:
                        updates.append(school)
                        fields.update(changed)
                continue
            if org.type != "school":
                continue
            desired = {"name": org.name, "identifier": org.identifier, "is_active": True}
            if school is None:
                school = School(sourced_id=org.sid, **desired)
                creates.append(school)
                tally.record(new=True, was_active=False, now_active=True, changed=True)
                continue
            was_active = school.is_active
            changed = _assign(school, desired)
            tally.record(new=False, was_active=was_active, now_active=True, changed=bool(changed))
            if changed:
                updates.append(school)
                fields.update(changed)
        School.objects.bulk_create(creates, batch_size=BATCH)
        from .services import school_setup

        for school in creates:
            school_setup(school=school)
        if updates:
            School.objects.bulk_update(updates, sorted(fields), batch_size=BATCH)
        for school in [*self.db_schools.values(), *creates]:
            if school.sourced_id:
                self.db_schools[school.sourced_id] = school
                self.school_pk[school.sourced_id] = school.pk
        self.scope_pks = {self.school_pk[sid] for sid in self.scope_sids if sid in self.school_pk}

    def _write_terms(self) -> None:
        tally = self.tallies["terms"] = _Tally()
        creates: list[Term] = []
        updates: dict[str, Term] = {}
        # sourcedId -> [new, was_active, now_active, changed]
        outcome: dict[str, list[bool]] = {}
        for session in self.sessions.values():
            term = self.db_terms.get(session.sid)
            if session.deleted:
                if term is not None:
                    was_active = term.is_active
                    changed = _assign(term, {"is_active": False})
                    outcome[session.sid] = [False, was_active, False, bool(changed)]
                    if changed:
                        updates[session.sid] = term
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
            if session.school_sid:
                desired["school_id"] = self.school_pk[session.school_sid]
            if term is None:
                creates.append(Term(sourced_id=session.sid, **desired))
                outcome[session.sid] = [True, False, True, True]
                continue
            was_active = term.is_active
            changed = _assign(term, desired)
            outcome[session.sid] = [False, was_active, True, bool(changed)]
            if changed:
                updates[session.sid] = term
        Term.objects.bulk_create(creates, batch_size=BATCH)
        for term in [*self.db_terms.values(), *creates]:
            if term.sourced_id:
                self.db_terms[term.sourced_id] = term
                self.term_pk[term.sourced_id] = term.pk
        # Parents last: a parent may have been created just now.
        new_with_parent: list[Term] = []
        for session in self.sessions.values():
            if session.deleted or session.skipped:
                continue
            term = self.db_terms[session.sid]
            parent_id = self.term_pk.get(session.parent_sid) if session.parent_sid else None
            if term.parent_id != parent_id:
                term.parent_id = parent_id
                result = outcome[session.sid]
                result[3] = True
                if result[0]:
                    new_with_parent.append(term)
                else:
                    updates[session.sid] = term
        for new, was_active, now_active, dirty in outcome.values():
            tally.record(new=new, was_active=was_active, now_active=now_active, changed=dirty)
        if updates:
            Term.objects.bulk_update(
                list(updates.values()),
                [
                    *("title", "kind", "start_date", "end_date", "school_year"),
                    *("school", "parent", "is_active"),
                ],
                batch_size=BATCH,
            )
        if new_with_parent:
            Term.objects.bulk_update(new_with_parent, ["parent"], batch_size=BATCH)
        if self.modes.get("academicSessions") == "bulk" and self.scope_pks:
            tally.deactivated += (
                Term.objects.filter(
                    school_id__in=self.scope_pks, sourced_id__isnull=False, is_active=True
                )
                .exclude(sourced_id__in=list(self.sessions))
                .update(is_active=False)
            )

    def _write_sections(self) -> None:
        tally = self.tallies["sections"] = _Tally()
        creates: list[Section] = []
        updates: dict[str, Section] = {}
        outcome: dict[str, list[bool]] = {}
        wanted_terms: dict[str, set[int]] = {}
        for klass in self.classes.values():
            section = self.db_sections.get(klass.sid)
            if klass.deleted:
                if section is not None:
                    self.deleted_sections.add(section.pk)
                    was_active = section.is_active
                    changed = _assign(section, {"is_active": False})
                    outcome[klass.sid] = [False, was_active, False, bool(changed)]
                    if changed:
                        updates[klass.sid] = section
                continue
            desired: dict[str, Any] = {
                "school_id": self.school_pk[klass.school_sid],
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
            wanted_terms[klass.sid] = {self.term_pk[sid] for sid in klass.term_sids}
            if section is None:
                creates.append(Section(sourced_id=klass.sid, **desired))
                outcome[klass.sid] = [True, False, True, True]
                continue
            was_active = section.is_active
            changed = _assign(section, desired)
            outcome[klass.sid] = [False, was_active, True, bool(changed)]
            if changed:
                updates[klass.sid] = section
        Section.objects.bulk_create(creates, batch_size=BATCH)
        for section in [*self.db_sections.values(), *creates]:
            if section.sourced_id:
                self.db_sections[section.sourced_id] = section
                self.section_pk[section.sourced_id] = section.pk
        through = Section.terms.through
        current: dict[int, dict[int, int]] = defaultdict(dict)  # section -> term -> row id
        wanted_pks = [self.section_pk[sid] for sid in wanted_terms]
        for row_id, section_id, term_id in through.objects.filter(
            section_id__in=wanted_pks
        ).values_list("id", "section_id", "term_id"):
            current[section_id][term_id] = row_id
        additions = []
        removals: list[int] = []
        for sid, terms in wanted_terms.items():
            section_id = self.section_pk[sid]
            have = current.get(section_id, {})
            if set(have) == terms:
                continue
            outcome[sid][3] = True
            additions += [
                through(section_id=section_id, term_id=term_id) for term_id in terms - set(have)
            ]
            removals += [row_id for term_id, row_id in have.items() if term_id not in terms]
        for new, was_active, now_active, dirty in outcome.values():
            tally.record(new=new, was_active=was_active, now_active=now_active, changed=dirty)
        if updates:
            Section.objects.bulk_update(
                list(updates.values()),
                [
                    *("school", "name", "code", "kind", "course_title", "subject"),
                    *("grade_levels", "is_active"),
                ],
                batch_size=BATCH,
            )
        through.objects.bulk_create(additions, batch_size=BATCH)
        if removals:
            through.objects.filter(id__in=removals).delete()
        if self.modes.get("classes") == "bulk" and self.scope_pks:
            missing = list(
                Section.objects.filter(
                    school_id__in=self.scope_pks, sourced_id__isnull=False, is_active=True
                )
                .exclude(sourced_id__in=list(self.classes))
                .values_list("pk", flat=True)
            )
            if missing:
                tally.deactivated += Section.objects.filter(pk__in=missing).update(is_active=False)
                self.deleted_sections.update(missing)

    def _write_users(self) -> None:
        tally = self.tallies["users"] = _Tally()
        creates: list[User] = []
        updates: list[User] = []
        fields: set[str] = set()
        for user in self.users.values():
            account = self.db_users.get(user.sid) or self.email_links.get(user.sid)
            if user.deleted:
                if account is not None:
                    self.deleted_users.add(account.pk)
                    was_active = account.is_active
                    changed = _assign(account, {"is_active": False})
                    tally.record(
                        new=False, was_active=was_active, now_active=False, changed=bool(changed)
                    )
                    if changed:
                        updates.append(account)
                        fields.update(changed)
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
                account = User(**desired)
                account.set_unusable_password()
                creates.append(account)
                tally.record(new=True, was_active=False, now_active=user.enabled, changed=True)
                continue
            was_active = account.is_active
            changed = _assign(account, desired)
            tally.record(
                new=False, was_active=was_active, now_active=user.enabled, changed=bool(changed)
            )
            if changed:
                updates.append(account)
                fields.update(changed)
        User.objects.bulk_create(creates, batch_size=BATCH)
        if updates:
            User.objects.bulk_update(updates, sorted(fields), batch_size=BATCH)
        for account in [*self.db_users.values(), *self.email_links.values(), *creates]:
            if account.sourced_id:
                self.user_pk[account.sourced_id] = account.pk

    def _listed_user_pks(self) -> set[int]:
        return {self.user_pk[u.sid] for u in self.users.values() if not u.deleted}

    def _write_memberships(self) -> None:
        tally = self.tallies["memberships"] = _Tally()
        desired: dict[tuple[int, int, str], dict[str, Any]] = {}
        for user in self.users.values():
            role = user.membership_role
            if user.deleted or role is None:
                continue
            for org_sid in user.org_sids:
                school_id = self.school_pk.get(org_sid)
                if school_id is not None:
                    desired[(self.user_pk[user.sid], school_id, role)] = {
                        "grade_level": user.grades if role == Role.STUDENT else "",
                        "is_active": True,
                    }
        # An enrollment implies a membership of the same role at the class's school.
        implied: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for enrollment in self.enrollments.values():
            role = enrollment.mapped_role
            row = self.users.get(enrollment.user_sid)
            if enrollment.deleted or role is None or (row is not None and row.deleted):
                continue
            user_id = self.user_pk[enrollment.user_sid]
            school_sid = self._school_of_class(enrollment.class_sid)
            if user_id in self.deleted_users or not school_sid:
                continue
            if (user_id, self.school_pk[school_sid], role) not in desired:
                implied[(enrollment.user_sid, school_sid, role)].append(enrollment.class_sid)
        people = self._listed_user_pks() | {self.user_pk[key[0]] for key in implied}
        existing = {
            (m.user_id, m.school_id, m.role): m
            for m in Membership.objects.filter(user_id__in=people)
        }
        for (user_sid, school_sid, role), class_sids in sorted(implied.items()):
            key = (self.user_pk[user_sid], self.school_pk[school_sid], role)
            desired[key] = {"is_active": True}
            row = self.users.get(user_sid)
            classes = _sample(dict.fromkeys(class_sids), limit=5)
            school = self.db_schools[school_sid].name
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
        creates: list[Membership] = []
        updates: list[Membership] = []
        for (user_id, school_id, role), values in desired.items():
            membership = existing.get((user_id, school_id, role))
            if membership is None:
                creates.append(
                    Membership(user_id=user_id, school_id=school_id, role=role, **values)
                )
                tally.record(new=True, was_active=False, now_active=True, changed=True)
                continue
            was_active = membership.is_active
            changed = _assign(membership, values)
            tally.record(new=False, was_active=was_active, now_active=True, changed=bool(changed))
            if changed:
                updates.append(membership)
        if self.modes.get("users") == "bulk":
            listed = self._listed_user_pks()
            for key, membership in existing.items():
                if (
                    key not in desired
                    and membership.is_active
                    and membership.user_id in listed
                    and membership.school_id in self.scope_pks
                    and membership.role in ROSTERED_ROLES
                ):
                    membership.is_active = False
                    updates.append(membership)
                    tally.deactivated += 1
        Membership.objects.bulk_create(creates, batch_size=BATCH)
        if updates:
            Membership.objects.bulk_update(updates, ["grade_level", "is_active"], batch_size=BATCH)
        if self.modes.get("users") == "bulk" and self.scope_pks:
            # Rostered people this complete users.csv no longer lists.
            stale = (
                Membership.objects.filter(
                    school_id__in=self.scope_pks,
                    role__in=ROSTERED_ROLES,
                    is_active=True,
                    user__sourced_id__isnull=False,
                )
                .exclude(user__sourced_id__in=list(self.users))
                .values_list("pk", "user_id")
            )
            ids = dict(stale)
            if ids:
                tally.deactivated += Membership.objects.filter(pk__in=list(ids)).update(
                    is_active=False
                )
                self.dropped_users = set(ids.values())
                self.tallies["users"].deactivated += (
                    User.objects.filter(
                        pk__in=self.dropped_users, is_active=True, is_superuser=False
                    )
                    .exclude(memberships__is_active=True)
                    .update(is_active=False)
                )

    def _write_learner_profiles(self) -> None:
        tally = self.tallies["learner_profiles"] = _Tally()
        students = {
            key[0]
            for key in self.desired_memberships
            if key[2] == Role.STUDENT and key[0] not in self.deleted_users
        }
        have = set(
            LearnerProfile.objects.filter(student_id__in=students).values_list(
                "student_id", flat=True
            )
        )
        LearnerProfile.objects.bulk_create(
            [LearnerProfile(student_id=pk) for pk in sorted(students - have)], batch_size=BATCH
        )
        tally.created = len(students - have)
        tally.unchanged = len(students & have)

    def _write_guardian_links(self) -> None:
        tally = self.tallies["guardian_links"] = _Tally()
        desired: dict[tuple[int, int], str] = {}  # (guardian, student) -> relationship
        for user in self.users.values():
            if user.deleted:
                continue
            for agent in user.agent_sids:
                agent_row = self.users.get(agent)
                if agent_row is not None and agent_row.deleted:
                    continue  # the cascade deactivates their links
                if user.role == "student":
                    pair = (self.user_pk[agent], self.user_pk[user.sid])
                    relationship = agent_row.role if agent_row is not None else ""
                elif user.role in GUARDIAN_ROLES:
                    pair = (self.user_pk[user.sid], self.user_pk[agent])
                    relationship = user.role
                else:
                    continue
                desired.setdefault(pair, relationship)
        listed = self._listed_user_pks()
        guardians = {g for g, _ in desired} | listed
        students = {s for _, s in desired} | listed
        existing = {
            (link.guardian_id, link.student_id): link
            for link in GuardianLink.objects.filter(
                guardian_id__in=guardians, student_id__in=students
            )
        }
        creates: list[GuardianLink] = []
        updates: list[GuardianLink] = []
        for (guardian_id, student_id), relationship in desired.items():
            link = existing.get((guardian_id, student_id))
            if link is None:
                creates.append(
                    GuardianLink(
                        guardian_id=guardian_id, student_id=student_id, relationship=relationship
                    )
                )
                tally.record(new=True, was_active=False, now_active=True, changed=True)
            else:
                changed = _assign(link, {"is_active": True})
                tally.record(new=False, was_active=True, now_active=True, changed=bool(changed))
                if changed:
                    updates.append(link)
        if self.modes.get("users") == "bulk":
            for pair, link in existing.items():
                if (
                    pair not in desired
                    and link.is_active
                    and link.guardian_id in listed
                    and link.student_id in listed
                ):
                    link.is_active = False
                    updates.append(link)
                    tally.deactivated += 1
        GuardianLink.objects.bulk_create(creates, batch_size=BATCH)
        if updates:
            GuardianLink.objects.bulk_update(updates, ["is_active"], batch_size=BATCH)

    def _write_enrollments(self) -> None:
        tally = self.tallies["enrollments"] = _Tally()
        rows = [e for e in self.enrollments.values() if not e.deleted and e.mapped_role is not None]
        by_pair = {
            (e.section_id, e.user_id, e.role): e
            for e in Enrollment.objects.filter(
                section_id__in={self.section_pk[e.class_sid] for e in rows},
                user_id__in={self.user_pk[e.user_sid] for e in rows},
            )
        }
        claimed: set[int] = {e.pk for e in self.db_enrollments.values()}
        creates: list[Enrollment] = []
        updates: list[Enrollment] = []
        for enrollment in self.enrollments.values():
            existing = self.db_enrollments.get(enrollment.sid)
            if enrollment.deleted:
                if existing is not None:
                    was_active = existing.is_active
                    changed = _assign(existing, {"is_active": False})
                    tally.record(
                        new=False, was_active=was_active, now_active=False, changed=bool(changed)
                    )
                    if changed:
                        updates.append(existing)
                continue
            role = enrollment.mapped_role
            if role is None:
                continue
            section_id = self.section_pk[enrollment.class_sid]
            user_id = self.user_pk[enrollment.user_sid]
            active = user_id not in self.deleted_users and section_id not in self.deleted_sections
            desired: dict[str, Any] = {
                "sourced_id": enrollment.sid,
                "section_id": section_id,
                "user_id": user_id,
                "role": role,
                "is_primary": enrollment.primary,
                "is_active": active,
            }
            if existing is None:
                # Adopt the same person-class-role enrollment made by hand or under another id.
                candidate = by_pair.get((section_id, user_id, role))
                if candidate is not None and candidate.pk not in claimed:
                    existing = candidate
                    claimed.add(candidate.pk)
            if existing is None:
                creates.append(Enrollment(**desired))
                tally.record(new=True, was_active=False, now_active=active, changed=True)
                continue
            was_active = existing.is_active
            changed = _assign(existing, desired)
            tally.record(new=False, was_active=was_active, now_active=active, changed=bool(changed))
            if changed:
                updates.append(existing)
        if updates:
            Enrollment.objects.bulk_update(
                updates,
                ["sourced_id", "section", "user", "role", "is_primary", "is_active"],
                batch_size=BATCH,
            )
        Enrollment.objects.bulk_create(creates, batch_size=BATCH)
        if self.modes.get("enrollments") == "bulk" and self.scope_pks:
            tally.deactivated += (
                Enrollment.objects.filter(
                    section__school_id__in=self.scope_pks,
                    sourced_id__isnull=False,
                    is_active=True,
                )
                .exclude(sourced_id__in=list(self.enrollments))
                .update(is_active=False)
            )

    def _cascade(self) -> None:
        """Deactivate what hangs off deactivated people and classes (only rows that change)."""
        tallies = self.tallies
        if self.deleted_users:
            tallies["memberships"].deactivated += Membership.objects.filter(
                user_id__in=self.deleted_users, is_active=True
            ).update(is_active=False)
            tallies["enrollments"].deactivated += Enrollment.objects.filter(
                user_id__in=self.deleted_users, is_active=True
            ).update(is_active=False)
            tallies["guardian_links"].deactivated += GuardianLink.objects.filter(
                models.Q(guardian_id__in=self.deleted_users)
                | models.Q(student_id__in=self.deleted_users),
                is_active=True,
            ).update(is_active=False)
        if self.deleted_sections:
            tallies["enrollments"].deactivated += Enrollment.objects.filter(
                section_id__in=self.deleted_sections, is_active=True
            ).update(is_active=False)
        if self.dropped_users:
            tallies["enrollments"].deactivated += Enrollment.objects.filter(
                user_id__in=self.dropped_users,
                section__school_id__in=self.scope_pks,
                is_active=True,
            ).update(is_active=False)

    def _summarize(self) -> None:
        summary: dict[str, Any] = {name: tally.as_dict() for name, tally in self.tallies.items()}
        summary["courses"] = {"read": sum(1 for c in self.courses.values() if not c.deleted)}
        summary["files"] = {f"{key}.csv": mode for key, mode in self.modes.items()}
        summary["warnings"] = self.warnings
        self.summary = summary
