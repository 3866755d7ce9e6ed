"""The scan: evaluate every rule for the students of a school as of a date, and bring the flags
in line with the findings.

Safe to run twice, to be killed and to overlap:

- one transaction per scan, so a killed scan leaves nothing half done;
- a transaction-level advisory lock per school (``pg_advisory_xact_lock``): a second scan of the
  same school waits for the first and then sees its flags; schools scan in parallel;
- the active flags of the scanned students are locked (``SELECT … FOR UPDATE``) against a
  teacher's action at the same moment, and a flag is written only when something changed, so a
  second run with the same data writes nothing (no history events either);
- the database keeps at most one active flag per student and rule
  (``flag_one_active_per_student_and_rule``);
- a run left unfinished by a scan whose worker died (SIGKILL, the machine lost: its transaction
  rolled back, the task is delivered again) is closed as *abandoned* by the next scan of the
  school, which holds the lock, so no run stays "running" for ever (bench/scan_drills.py).

Lifecycle (followups-contract.md): a finding with no active flag, and no resolved flag whose
condition has not cleared yet, opens a flag assigned to the student's advisor; a finding with an
active flag updates its numbers (a snoozed flag whose date has come back opens); an active flag
whose condition is gone is closed as *cleared*, and a resolved one gets ``condition_cleared_on``.

Queries: the policy, the students, the facts (:mod:`followups.facts`), the advisors, the flags,
and the writes in bulk — the same number for 3 students or 3,000.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Collection
from typing import Any

import pghistory
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from core.services import service
from profiles.models import School, Section

from . import facts as facts_
from .models import ACTIVE_STATUSES, Flag, RiskPolicy, ScanRun
from .rules import Finding, Thresholds, evaluate

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(int, int): the first key says "followups scan", the second the school.
_LOCK_CLASS = 7_000_701
_MAX_ERROR_TEXT = 4000
ABANDONED = "abandoned: the scan stopped before it finished (its worker died); closed by run {}"


def _lock_school(school_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, school_id])


def school_scan(
    *,
    school: School,
    as_of: dt.date | None = None,
    trigger: str = ScanRun.Trigger.COMMAND,
    section: Section | None = None,
    student_ids: Collection[int] | None = None,
) -> ScanRun:
    """Scan the school's students (or one section's, or some ids) as of ``as_of`` (the school's
    today by default) and return the :class:`ScanRun` that records it.

    The run is recorded even when the scan fails (``errors`` and ``error_text``), then the error
    is raised again so that the task's retry logic sees it.
    """
    as_of = as_of or school.today()
    run = ScanRun.objects.create(
        school=school,
        as_of=as_of,
        trigger=trigger,
        section=section,
        started_at=timezone.now(),
    )
    try:
        counts = flags_scan(
            school=school,
            as_of=as_of,
            section=section,
            student_ids=student_ids,
            full=section is None and student_ids is None,
            trigger=trigger,
            run_id=run.pk,
        )
    except Exception as exc:
        ScanRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(),
            errors=run.errors + 1,
            error_text=f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_TEXT],
        )
        raise
    for name, value in counts.items():
        setattr(run, name, value)
    return run


@service
def flags_scan(
    *,
    trigger: str,
    school: School,
    as_of: dt.date,
    section: Section | None,
    student_ids: Collection[int] | None,
    full: bool,
    run_id: int,
) -> dict[str, Any]:
    """The scan proper, in one transaction under the school's lock; the history context names
    the service, the trigger and the date. The run is finished in the same transaction: its
    numbers commit with the flags they count, or not at all (one commit fewer per scan, which
    is a third of a one-student rescan's time on a busy disk)."""
    _lock_school(school.pk)
    if full and not connection.savepoint_ids:
        # A school's scan is derived data: if the server crashed in the fraction of a second
        # after its commit, the next scan would write the same flags again. Its commit does not
        # wait for the disk (decision 0033); nothing else is in this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
    _close_abandoned(school.pk, run_id)
    with pghistory.context(trigger=trigger, as_of=as_of.isoformat(), school=school.pk):
        counts = _apply(
            school=school, as_of=as_of, section=section, student_ids=student_ids, full=full
        )
    counts["finished_at"] = timezone.now()
    ScanRun.objects.filter(pk=run_id).update(**counts)
    return counts


def _close_abandoned(school_id: int, run_id: int) -> int:
    """Close the school's earlier runs that never finished. This scan holds the school's lock,
    so none of them is scanning; when no other session waits for the lock either, none of them
    is about to: their worker died. (In the microseconds between writing its run and asking
    for the lock a scan is neither; if it is closed then, it writes its own numbers over this
    when it finishes.) Runs waiting for the lock are closed by a later scan, if they die."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid = %s AND objid = %s AND objsubid = 2 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()))",
            [_LOCK_CLASS, school_id],
        )
        if cursor.fetchone()[0]:
            return 0
    return ScanRun.objects.filter(
        school_id=school_id, finished_at__isnull=True, pk__lt=run_id
    ).update(
        finished_at=timezone.now(),
        errors=F("errors") + 1,
        error_text=ABANDONED.format(run_id),
    )


def _apply(
    *,
    school: School,
    as_of: dt.date,
    section: Section | None,
    student_ids: Collection[int] | None,
    full: bool,
) -> dict[str, Any]:
    policy, _ = RiskPolicy.objects.get_or_create(school=school)
    thresholds = Thresholds.of(policy)
    ids = facts_.student_ids_for(school, section=section, student_ids=student_ids)
    findings: dict[tuple[int, str], Finding] = {}
    errors: list[str] = []
    for student_facts in facts_.facts_for(school, ids, as_of, thresholds, errors):
        try:
            for finding in evaluate(student_facts, thresholds):
                findings[(student_facts.student_id, finding.rule)] = finding
        except Exception as exc:  # one student's bad data must not stop the school's scan
            logger.exception("followups scan: student %s", student_facts.student_id)
            errors.append(f"student {student_facts.student_id}: {type(exc).__name__}: {exc}")

    flags = Flag.objects.select_for_update().filter(school=school).order_by("id")
    if not full:
        flags = flags.filter(student_id__in=ids)
    active: dict[tuple[int, str], Flag] = {}
    resolved_pending: list[Flag] = []
    for flag in flags.filter(
        Q(status__in=ACTIVE_STATUSES)
        | Q(status=Flag.Status.RESOLVED, condition_cleared_on__isnull=True)
    ):
        if flag.status in ACTIVE_STATUSES:
            active[(flag.student_id, flag.rule)] = flag
        else:
            resolved_pending.append(flag)
    still_resolved = {(f.student_id, f.rule) for f in resolved_pending}

    now = timezone.now()
    to_update: list[Flag] = []
    cleared = kept = 0
    for key, flag in active.items():
        found = findings.get(key)
        if found is None:
            flag.status = Flag.Status.CLEARED
            flag.closed_on = as_of
            flag.condition_cleared_on = as_of
            flag.snoozed_until = None
            flag.updated_at = now
            to_update.append(flag)
            cleared += 1
            continue
        kept += 1
        finding = found
        changed = False
        values: dict[str, Any] = {
            "severity": finding.severity,
            "measured": finding.measured,
            "threshold": finding.threshold,
            "last_detected_on": max(flag.last_detected_on, as_of),
        }
        for name, value in values.items():
            if getattr(flag, name) != value:
                setattr(flag, name, value)
                changed = True
        if (
            flag.status == Flag.Status.SNOOZED
            and flag.snoozed_until is not None
            and flag.snoozed_until <= as_of
        ):
            flag.status = Flag.Status.OPEN
            flag.snoozed_until = None
            changed = True
        if changed:
            flag.updated_at = now
            to_update.append(flag)
    for flag in resolved_pending:
        if (flag.student_id, flag.rule) not in findings:
            flag.condition_cleared_on = as_of
            flag.updated_at = now
            to_update.append(flag)
    if to_update:
        _flags_update(to_update, now)

    new_keys = [k for k in findings if k not in active and k not in still_resolved]
    advisors = facts_.advisors_of(school, sorted({s for s, _ in new_keys})) if new_keys else {}
    if new_keys:
        _flags_insert(school.pk, as_of, new_keys, findings, advisors)
    return {
        "students_scanned": len(ids),
        "flags_opened": len(new_keys),
        "flags_cleared": cleared,
        "flags_kept": kept,
        "errors": len(errors),
        "error_text": "\n".join(errors)[:_MAX_ERROR_TEXT],
    }


def _flags_update(flags: list[Flag], now: dt.datetime) -> None:
    """The scan's changes to these flags in one ``UPDATE … FROM unnest(…)``: Django's
    ``bulk_update`` builds a ``CASE`` per field and row, and for the 1,720 flags a 2,000-student
    school keeps from one night to the next (each one's ``last_detected_on`` moves) that took
    9.7 s of an 11.9 s scan. Values as the model writes them (``measured`` and ``threshold`` as
    ``JSONField`` does, ``json.dumps``); the history triggers fire as for any update."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Flag._meta.db_table} f
            SET status = x.status, closed_on = x.closed_on, condition_cleared_on = x.cleared_on,
                snoozed_until = x.snoozed_until, severity = x.severity, measured = x.m::jsonb,
                threshold = x.t::jsonb, last_detected_on = x.last, updated_at = %s
            FROM unnest(%s::bigint[], %s::text[], %s::date[], %s::date[], %s::date[], %s::text[],
                        %s::text[], %s::text[], %s::date[])
              AS x(id, status, closed_on, cleared_on, snoozed_until, severity, m, t, last)
            WHERE f.id = x.id
            """,  # noqa: S608 - the table name is ours; values are parameters
            [
                now,
                [f.pk for f in flags],
                [str(f.status) for f in flags],
                [f.closed_on for f in flags],
                [f.condition_cleared_on for f in flags],
                [f.snoozed_until for f in flags],
                [str(f.severity) for f in flags],
                [json.dumps(f.measured) for f in flags],
                [json.dumps(f.threshold) for f in flags],
                [f.last_detected_on for f in flags],
            ],
        )


def _flags_insert(
    school_id: int,
    as_of: dt.date,
    keys: list[tuple[int, str]],
    findings: dict[tuple[int, str], Finding],
    advisors: dict[int, int],
) -> None:
    """The new flags, open, in one ``INSERT … SELECT … FROM unnest(…)``: a model instance per
    flag and Django's preparation of each value took half of a 2,000-student school's first
    scan (2,241 flags). The columns and defaults are the model's (``measured`` and
    ``threshold`` as ``JSONField`` writes them, ``json.dumps``); the history triggers fire as for
    any insert, inside the scan's history context."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Flag._meta.db_table} (school_id, student_id, rule, severity, measured,
                threshold, first_detected_on, last_detected_on, status, assigned_to_id, outcome,
                feedback, created_at, updated_at)
            SELECT %s, s, r, sev, m::jsonb, t::jsonb, %s, %s, %s, a, '', '', %s, %s
            FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::bigint[])
              AS x(s, r, sev, m, t, a)
            """,  # noqa: S608 - the table name is ours; values are parameters
            [
                school_id,
                as_of,
                as_of,
                Flag.Status.OPEN.value,
                now,
                now,
                [s for s, _ in keys],
                [str(r) for _, r in keys],
                [str(findings[k].severity) for k in keys],
                [json.dumps(findings[k].measured) for k in keys],
                [json.dumps(findings[k].threshold) for k in keys],
                [advisors.get(s) for s, _ in keys],
            ],
        )
