"""Rows and fields: a file's rows as read, helpers for their values, the records parsed
from them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import NoReverseMatch, reverse

from ..models import (
    Section,
    Term,
)
from .spec import ENROLLMENT_ROLES, PLACEHOLDER_DOMAIN, SAFE_LOCAL_PART, USER_ROLES


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
