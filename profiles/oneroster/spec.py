"""The OneRoster 1.1 CSV format as LearnHub reads it: files, columns, aliases, values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Literal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from ..models import (
    Enrollment,
    Role,
    Section,
    Term,
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
