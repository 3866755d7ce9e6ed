"""OneRoster 1.1 CSV roster import: schools, terms, sections, people, roles and enrollments.

An import happens in two steps. :func:`roster_plan` reads an export (a folder, a .zip path or an
uploaded zip), checks every file and row, and plans every create, update and deactivation in
memory (:class:`~profiles.oneroster.changes.ChangeSet`) without writing anything: that plan is
the preview, with a digest. :meth:`RosterPlan.apply` writes exactly that plan in one transaction.
:func:`roster_import` does both steps at once for the command line. How OneRoster maps onto
LearnHub is in docs/oneroster.md.

The package, in the order an import runs: ``spec`` (the format: files, columns, aliases),
``rows`` (rows and fields, the records parsed from them), ``reading`` (the source and its CSVs),
``validation`` (references, rules, permissions), ``writing`` (the planned change set and the
summary), ``changes`` (the change set itself, previewed then written), ``importer`` (the steps
put together).
"""

from __future__ import annotations

from django.db import DatabaseError, transaction

from ..models import RosterImport, User
from .importer import RosterPlan, _Importer
from .spec import ENTITY_FILES, Source, confirm_share, normalize_phrase, problem_text

__all__ = [
    "ENTITY_FILES",
    "RosterPlan",
    "Source",
    "confirm_share",
    "normalize_phrase",
    "problem_text",
    "roster_import",
    "roster_plan",
]


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
