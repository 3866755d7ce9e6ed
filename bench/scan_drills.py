#!/usr/bin/env python
"""Fault drills for the follow-ups scan with a real Celery worker and Redis (issue 8).

    .venv/bin/python bench/scan_drills.py          # about 6 minutes; bench/results/scan_drills.json

It creates the scratch database ``learnhub_bench_drills`` on the PostgreSQL server named by
DATABASE_URL (localhost only; dropped at the end, ``--keep`` keeps it), seeds one school of
3,000 students with bench/district.py (``--students``), starts its **own** Redis on
``--redis-port`` (6391; the machine's Redis is never touched) and Celery workers
(``celery -A learnhub worker``, bench settings) against them, and runs:

1. **Twice**: the school's scan (``followups.school_scan`` on the worker) twice; the set of
   (student, rule, status, measured) is the same after both, the second opens and clears nothing.
2. **SIGKILL mid-scan**: while the scan's ScanRun is unfinished and its transaction holds the
   school's advisory lock, (a) the pool process is killed with SIGKILL (the worker's main process
   sees it and, ``reject_on_worker_lost``, re-queues the task at once), then (b) the worker's
   whole process group is killed with SIGKILL and a new worker started: nobody is left to
   reject, so Redis hands the message out again only once the **visibility timeout** has passed
   (a worker's sweep of the unacknowledged messages). The drill lowers it to
   ``--visibility`` seconds (60) through ``CELERY_BROKER_VISIBILITY_TIMEOUT`` (with the sweep
   every 2 s) for its own processes only; production keeps one hour. Each time the flags must be
   exactly those of the clean run of drill 1, with no duplicates.
3. **Redis stopped**: a piece of evidence recorded through ``mastery.services.evidence_record``
   succeeds, the student's rescan is kept in the outbox (``core.PendingTask``); Redis started
   again, the outbox is sent (``core.pending_tasks_send``, which beat runs every minute: called
   here directly), the worker runs the rescan and the student's flags are what a fresh scan
   finds.
4. **Overlap**: two scans of the school at once on a worker with two processes: the second waits
   for the first's advisory lock, opens nothing, and no (student, rule) has two active flags.

Each drill prints PASS or FAIL with its numbers; docs/drills.md shows a run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import drills as web_drills  # noqa: E402
from bench.grid import create_database, drop_database, server_url, with_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scan_drills.json"
DB = "learnhub_bench_drills"
PY = sys.executable
LOCK_CLASS = 7_000_701  # followups.scan._LOCK_CLASS

results: dict[str, Any] = {}
verdicts: dict[str, bool] = {}


def log(message: str) -> None:
    print(f"[scan-drills] {message}", flush=True)


def verdict(name: str, ok: bool, numbers: dict[str, Any]) -> None:
    verdicts[name] = ok
    results[name] = {"pass": ok, **numbers}
    print(f"{'PASS' if ok else 'FAIL'} {name}: {json.dumps(numbers, default=str)}", flush=True)


class Workers:
    """Celery workers in their own process groups, logs in the work directory."""

    def __init__(self, stack: web_drills.Stack) -> None:
        self.stack = stack
        self.count = 0

    def start(self, concurrency: int = 1) -> str:
        self.count += 1
        name = f"worker{self.count}"
        self.stack.spawn(
            name,
            [
                PY,
                "-m",
                "celery",
                "-A",
                "learnhub",
                "worker",
                "-c",
                str(concurrency),
                "-P",
                "prefork",
                "-l",
                "info",
                "-n",
                f"drill{self.count}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        )
        web_drills.wait_for(lambda: " ready." in self.stack.log_of(name), 90, f"{name} ready")
        return name

    def pid(self, name: str) -> int:
        return self.stack.processes[name].pid

    def pool_pids(self, name: str) -> list[int]:
        pid = self.pid(name)
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]

    def stop(self, name: str) -> None:
        process = self.stack.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)

    def kill_group(self, name: str) -> None:
        process = self.stack.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


# --- what is compared -------------------------------------------------------------------------


def snapshot(school_id: int) -> set[tuple[int, str, str, str]]:
    from followups.models import Flag

    return {
        (student, rule, status, json.dumps(measured, sort_keys=True))
        for student, rule, status, measured in Flag.objects.filter(school_id=school_id).values_list(
            "student_id", "rule", "status", "measured"
        )
    }


def duplicates(school_id: int) -> dict[str, int]:
    """(student, rule) pairs with more than one active flag, and with more than one flag at all
    (from an empty table, every scan result is one row per pair)."""
    from django.db import connection

    from followups.models import ACTIVE_STATUSES

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM (SELECT 1 FROM followups_flag WHERE school_id = %s "
            "AND status = ANY(%s) GROUP BY student_id, rule HAVING count(*) > 1) d",
            [school_id, list(ACTIVE_STATUSES)],
        )
        active = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM (SELECT 1 FROM followups_flag WHERE school_id = %s "
            "GROUP BY student_id, rule HAVING count(*) > 1) d",
            [school_id],
        )
        rows = cur.fetchone()[0]
    return {"active_duplicates": active, "row_duplicates": rows}


def reset(school_id: int) -> None:
    """Start from no flags and no runs, so a clean scan opens every flag."""
    from followups.models import Flag, ScanRun

    Flag.objects.filter(school_id=school_id).delete()
    ScanRun.objects.filter(school_id=school_id).delete()


def lock_state(school_id: int) -> tuple[int, int]:
    """(granted, waiting) holders of the school's scan lock."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE granted), count(*) FILTER (WHERE NOT granted) "
            "FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
            [LOCK_CLASS, school_id],
        )
        granted, waiting = cur.fetchone()
    return int(granted), int(waiting)


def runs(school_id: int) -> list[Any]:
    from followups.models import ScanRun

    return list(ScanRun.objects.filter(school_id=school_id).order_by("pk"))


def wait_finished(school_id: int, count: int, timeout: float, what: str) -> float:
    from followups.models import ScanRun

    return web_drills.wait_for(
        lambda: (
            ScanRun.objects.filter(school_id=school_id, finished_at__isnull=False).count() >= count
        ),
        timeout,
        what,
    )


def enqueue(school_id: int, today: dt.date) -> None:
    from followups.tasks import school_scan_task

    school_scan_task.delay(school_id, today.isoformat(), "command")


# How long after the scan is seen under way the drills kill it: a 3,000-student school's scan
# takes about 1.1 s now (it took 8-16 s when the drills were written with a 1 s pause, and the
# kill came after the scan had finished).
MID_SCAN_PAUSE_S = 0.3


def wait_mid_scan(school_id: int, timeout: float = 60) -> float:
    """Until the scan holds the school's lock (its transaction is open) with an unfinished run."""
    from followups.models import ScanRun

    started = time.monotonic()
    seen: Any = None
    while time.monotonic() - started < timeout:
        try:
            unfinished = ScanRun.objects.filter(
                school_id=school_id, finished_at__isnull=True
            ).exists()
            seen = (unfinished, lock_state(school_id))
            if unfinished and seen[1][0] >= 1:
                return time.monotonic() - started
        except Exception as exc:  # reported if it never gets there
            seen = exc
        time.sleep(0.05)
    raise RuntimeError(f"the scan was never seen under way; last seen {seen!r}")


def wait_lock_free(school_id: int, timeout: float = 60) -> float:
    return web_drills.wait_for(lambda: lock_state(school_id) == (0, 0), timeout, "the lock")


def runs_sensible(numbers: dict[str, Any]) -> bool:
    """After one kill and one redelivery: two runs, both finished, the killed one closed as
    abandoned by the redelivered one, which opened every flag."""
    done = numbers["runs"]
    return (
        len(done) == 2
        and all(r["finished"] for r in done)
        and done[0]["error_text"].startswith("abandoned")
        and done[1]["errors"] == 0
        and done[1]["opened"] == numbers["flags"]
    )


def run_numbers(school_id: int) -> list[dict[str, Any]]:
    return [
        {
            "finished": r.finished_at is not None,
            "seconds": round(r.duration_s, 1) if r.duration_s is not None else None,
            "opened": r.flags_opened,
            "kept": r.flags_kept,
            "cleared": r.flags_cleared,
            "errors": r.errors,
            "error_text": r.error_text[:80],
        }
        for r in runs(school_id)
    ]


# --- the drills -------------------------------------------------------------------------------


def drill_twice(workers: Workers, school_id: int, today: dt.date) -> set[Any]:
    reset(school_id)
    worker = workers.start(1)
    try:
        enqueue(school_id, today)
        wait_finished(school_id, 1, 300, "scan 1")
        first = snapshot(school_id)
        enqueue(school_id, today)
        wait_finished(school_id, 2, 300, "scan 2")
        second = snapshot(school_id)
    finally:
        workers.stop(worker)
    r1, r2 = runs(school_id)
    verdict(
        "1_twice_same_flags",
        bool(first) and first == second and r2.flags_opened == 0 and r2.flags_cleared == 0,
        {
            "flags": len(first),
            "same_set": first == second,
            "run1": {"s": round(r1.duration_s or 0, 1), "opened": r1.flags_opened},
            "run2": {
                "s": round(r2.duration_s or 0, 1),
                "opened": r2.flags_opened,
                "cleared": r2.flags_cleared,
                "kept": r2.flags_kept,
            },
            **duplicates(school_id),
        },
    )
    return first


def drill_kill_pool_process(workers: Workers, school_id: int, today: dt.date, clean: set) -> None:
    reset(school_id)
    worker = workers.start(1)
    try:
        enqueue(school_id, today)
        wait_mid_scan(school_id)
        time.sleep(MID_SCAN_PAUSE_S)
        children = workers.pool_pids(worker)
        unfinished = not runs(school_id)[0].finished_at
        os.kill(children[0], signal.SIGKILL)
        killed_at = time.monotonic()
        # Counted at once: the main process re-queues the task at once, and the redelivered scan
        # (a few seconds) may take the lock before a poll would see it free.
        flags_after_kill = len(snapshot(school_id))
        log(f"SIGKILL pool process {children[0]} mid-scan (worker {workers.pid(worker)} lives)")
        wait_finished(school_id, 1, 300, "the redelivered scan")
        redelivered_s = time.monotonic() - killed_at
        after = snapshot(school_id)
        alive = workers.stack.processes[worker].poll() is None
    finally:
        workers.stop(worker)
    numbers = {
        "killed_while_unfinished": unfinished,
        "flags_right_after_kill": flags_after_kill,
        "finished_after_kill_s": round(redelivered_s, 1),
        "worker_main_alive": alive,
        "flags": len(after),
        "same_as_clean_run": after == clean,
        **duplicates(school_id),
        "runs": run_numbers(school_id),
    }
    verdict(
        "2a_sigkill_pool_process",
        unfinished
        and flags_after_kill == 0
        and after == clean
        and numbers["active_duplicates"] == 0
        and numbers["row_duplicates"] == 0
        and runs_sensible(numbers),
        numbers,
    )


def drill_kill_worker_group(
    workers: Workers, school_id: int, today: dt.date, clean: set, visibility: int
) -> None:
    reset(school_id)
    worker = workers.start(1)
    enqueue(school_id, today)
    wait_mid_scan(school_id)
    time.sleep(MID_SCAN_PAUSE_S)
    unfinished = not runs(school_id)[0].finished_at
    workers.kill_group(worker)
    killed_at = time.monotonic()
    log(f"SIGKILL the worker's process group mid-scan; restarting (visibility {visibility} s)")
    wait_lock_free(school_id)
    lock_free_s = time.monotonic() - killed_at
    flags_after_kill = len(snapshot(school_id))
    worker = workers.start(1)
    restarted_s = time.monotonic() - killed_at
    try:
        wait_finished(school_id, 1, visibility + 300, "the redelivered scan")
        redelivered_s = time.monotonic() - killed_at
        after = snapshot(school_id)
    finally:
        workers.stop(worker)
    numbers = {
        "killed_while_unfinished": unfinished,
        "lock_released_after_s": round(lock_free_s, 1),
        "flags_right_after_kill": flags_after_kill,
        "worker_restarted_after_s": round(restarted_s, 1),
        "visibility_timeout_s": visibility,
        "finished_after_kill_s": round(redelivered_s, 1),
        "flags": len(after),
        "same_as_clean_run": after == clean,
        **duplicates(school_id),
        "runs": run_numbers(school_id),
    }
    verdict(
        "2b_sigkill_worker_group",
        unfinished
        and flags_after_kill == 0
        and after == clean
        and numbers["active_duplicates"] == 0
        and numbers["row_duplicates"] == 0
        and redelivered_s >= visibility
        and runs_sensible(numbers),
        numbers,
    )


def drill_redis_stopped(workers: Workers, school_id: int, today: dt.date) -> None:
    from core.models import PendingTask
    from core.tasks import pending_tasks_send
    from followups.models import Flag, RiskPolicy, Rule, ScanRun
    from followups.scan import school_scan
    from mastery.models import Evidence
    from mastery.services import evidence_record
    from profiles.models import School

    school = School.objects.get(pk=school_id)
    # A student with no slipping flag and, on as many targets as the policy's "slipping at once"
    # count, a newest score of 3 or more: a 1 recorded today on each drops those targets' levels,
    # so the rescan must open a "slipping" flag ("flags what it should"). One score is not enough
    # since the rule became the student's trend, with the targets-at-once path at 6 targets.
    policy, _ = RiskPolicy.objects.get_or_create(school=school)
    slipping = set(
        Flag.objects.filter(school=school, rule=Rule.SLIPPING).values_list("student_id", flat=True)
    )
    newest_by_student: dict[int, list[Evidence]] = {}
    for evidence in (
        Evidence.objects.filter(student__memberships__school=school, status="accepted")
        .select_related("student", "competency", "section", "author")
        .order_by("student_id", "competency_id", "-observed_on", "-pk")
        .distinct("student_id", "competency_id")
    ):
        if evidence.student_id in slipping or evidence.author is None:
            continue
        if evidence.score is not None and evidence.score >= 3:
            newest_by_student.setdefault(evidence.student_id, []).append(evidence)
    chosen = next(
        (rows for rows in newest_by_student.values() if len(rows) >= policy.slipping_targets), None
    )
    if chosen is None:
        raise RuntimeError(
            f"no student to drill with ({policy.slipping_targets} targets whose newest score is"
            " 3 or more, no slipping flag)"
        )
    latest = chosen[: policy.slipping_targets]
    student, actor = latest[0].student, latest[0].author
    assert actor is not None
    before = {(f.rule, f.status) for f in Flag.objects.filter(school=school, student=student)}
    PendingTask.objects.all().delete()

    worker = workers.start(1)
    try:
        log("Redis: stopping it")
        workers.stack.stop_redis()
        t0 = time.perf_counter()
        error = ""
        try:
            for evidence in latest:
                evidence_record(
                    actor=actor,
                    student=student,
                    competency=evidence.competency,
                    score=1,
                    observed_on=today,
                    section=evidence.section,
                    note="Recorded while Redis was down",
                )
        except Exception as exc:  # the drill reports it
            error = f"{type(exc).__name__}: {exc}"
        write_ms = (time.perf_counter() - t0) * 1000
        kept = list(PendingTask.objects.values_list("task_name", "args"))
        worker_alive = workers.stack.processes[worker].poll() is None
        log(f"  write {'failed: ' + error if error else 'ok'} in {write_ms:.0f} ms, kept {kept}")
        time.sleep(3)
        log("Redis: starting it again")
        workers.stack.start_redis()
        started = time.monotonic()
        reconnected = web_drills.wait_for(
            lambda: (
                "Connected to redis"
                in workers.stack.log_of(worker).split("Connection to broker lost")[-1]
            ),
            120,
            "the worker to reconnect",
        )
        # What beat's minute task does; a first send on a pooled connection Redis dropped may
        # fail, so it goes on until the outbox is empty (each attempt counted).
        sent = attempts = 0
        while PendingTask.objects.exists() and attempts < 10:
            attempts += 1
            sent += pending_tasks_send()
            if PendingTask.objects.exists():
                time.sleep(1)
        runs_before = ScanRun.objects.filter(school=school, trigger="student").count()
        web_drills.wait_for(
            lambda: (
                ScanRun.objects.filter(
                    school=school, trigger="student", finished_at__isnull=False
                ).count()
                > runs_before
            ),
            120,
            "the student's rescan",
        )
        rescan_s = time.monotonic() - started
    finally:
        workers.stop(worker)
    after = {(f.rule, f.status) for f in Flag.objects.filter(school=school, student=student)}
    check = school_scan(school=school, as_of=today, student_ids=[student.pk])
    numbers = {
        "evidence_write": error or "ok",
        "evidence_written": len(latest),
        "write_ms": round(write_ms),
        "kept_in_outbox": kept,
        "worker_alive_while_down": worker_alive,
        "worker_reconnected_after_s": round(reconnected, 1),
        "outbox_sent": sent,
        "outbox_left": PendingTask.objects.count(),
        "outbox_send_attempts": attempts,
        "rescan_done_after_redis_back_s": round(rescan_s, 1),
        "flags_before": sorted(before),
        "flags_after": sorted(after),
        "fresh_scan_of_the_student": {
            "opened": check.flags_opened,
            "cleared": check.flags_cleared,
        },
        **duplicates(school_id),
    }
    verdict(
        "3_redis_stopped",
        not error
        and kept == [("followups.student_scan", [student.pk])]
        and sent == 1
        and numbers["outbox_left"] == 0
        and ("slipping", "open") not in before
        and ("slipping", "open") in after
        and check.flags_opened == 0
        and check.flags_cleared == 0
        and numbers["active_duplicates"] == 0,
        numbers,
    )


def drill_overlap(workers: Workers, school_id: int, today: dt.date, clean: set) -> None:
    from followups.models import ScanRun

    reset(school_id)
    worker = workers.start(2)
    waiting_seen = 0
    try:
        enqueue(school_id, today)
        enqueue(school_id, today)
        started = time.monotonic()
        while time.monotonic() - started < 300:
            _granted, waiting = lock_state(school_id)
            waiting_seen = max(waiting_seen, waiting)
            if ScanRun.objects.filter(school_id=school_id, finished_at__isnull=False).count() >= 2:
                break
            time.sleep(0.2)
        wait_finished(school_id, 2, 10, "both scans")
        wait_lock_free(school_id)
        after = snapshot(school_id)
    finally:
        workers.stop(worker)
    r1, r2 = sorted(runs(school_id), key=lambda r: r.finished_at)
    overlapped = r2.started_at < r1.finished_at
    numbers = {
        "runs_overlapped": overlapped,
        "a_scan_waited_for_the_lock": waiting_seen >= 1,
        "first": {"s": round(r1.duration_s or 0, 1), "opened": r1.flags_opened},
        "second": {
            "s": round(r2.duration_s or 0, 1),
            "waited_s": round((r1.finished_at - r2.started_at).total_seconds(), 1),
            "opened": r2.flags_opened,
            "kept": r2.flags_kept,
            "cleared": r2.flags_cleared,
        },
        "errors": [r1.errors, r2.errors],
        "flags": len(after),
        "same_as_clean_run": after == clean,
        **duplicates(school_id),
    }
    verdict(
        "4_overlapping_scans",
        overlapped
        and waiting_seen >= 1
        and r1.flags_opened == len(clean)
        and r2.flags_opened == 0
        and r2.flags_kept == len(clean)
        and r2.flags_cleared == 0
        and r1.errors == r2.errors == 0
        and after == clean
        and numbers["active_duplicates"] == 0
        and numbers["row_duplicates"] == 0,
        numbers,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=3_000, help="one school of N (3,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--redis-port", type=int, default=6391, help="the drills' own Redis")
    parser.add_argument("--visibility", type=int, default=60, help="visibility timeout, s (60)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--db-name", default=DB, help=f"scratch database ({DB})")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z0-9_]*bench[a-z0-9_]*", args.db_name):
        parser.error("--db-name must be lower-case letters, digits, _ and contain 'bench'")

    server = server_url()
    os.environ.update(
        {
            "LEARNHUB_BENCH_DATABASE_URL": with_database(server, args.db_name),
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
            # For the drill's own processes only (see the module docstring).
            "CELERY_BROKER_VISIBILITY_TIMEOUT": str(args.visibility),
            "CELERY_BROKER_RESTORE_INTERVAL": "2",
            "CELERY_BROKER_RESTORE_THROTTLE": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    web_drills.REDIS_PORT = args.redis_port
    work = Path(tempfile.mkdtemp(prefix="learnhub-scan-drills-"))
    stack = web_drills.Stack(work)
    stack.env = dict(os.environ)
    workers = Workers(stack)
    create_database(server, args.db_name)
    try:
        stack.start_redis()
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        import bench.district as district_module

        call_command("migrate", verbosity=0, interactive=False)
        today = timezone.localdate()
        district_module.SCHOOL_SIZE = args.students  # one school
        t0 = time.perf_counter()
        district = district_module.district_seed(
            students=args.students, seed=args.seed, today=today, progress=lambda m: None
        )
        school_id = district.schools[0]
        log(
            f"seeded one school of {district.students:,} students, {district.evidence:,} "
            f"evidence in {time.perf_counter() - t0:.0f} s"
        )
        results["setup"] = {
            "students": district.students,
            "evidence": district.evidence,
            "today": today,
            "visibility_timeout_s": args.visibility,
        }
        clean = drill_twice(workers, school_id, today)
        drill_kill_pool_process(workers, school_id, today, clean)
        drill_kill_worker_group(workers, school_id, today, clean, args.visibility)
        drill_overlap(workers, school_id, today, clean)
        drill_redis_stopped(workers, school_id, today)
    finally:
        stack.stop_all()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(server, args.db_name)
        log(f"logs in {work}")
    results["passed"] = sum(verdicts.values())
    results["failed"] = len(verdicts) - sum(verdicts.values())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    log(
        f"{results['passed']} passed, {results['failed']} failed; wrote {RESULTS.relative_to(ROOT)}"
    )
    return 0 if results["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
