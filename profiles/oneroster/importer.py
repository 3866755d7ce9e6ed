"""The importer: read, validate and plan an export; apply the plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pghistory
from django.db import DatabaseError
from django.utils import timezone

from ..models import (
    RosterImport,
)
from .spec import Source
from .writing import _Planning


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


class _Importer(_Planning):
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
        from ..services import school_setup

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
