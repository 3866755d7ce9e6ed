"""The importer's state and its report (errors and warnings), shared by every step."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..models import (
    Enrollment,
    School,
    Section,
    Term,
    User,
)
from .changes import ChangeSet
from .rows import _Class, _Course, _Enrollment, _Org, _Session, _Table, _these, _User
from .spec import MAX_REPORTED, ROW_NOUNS


class _ImporterState:
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
