#!/usr/bin/env python
"""Benchmark: the follow-up scan at district scale, and the quality of its flags by replay.

    .venv/bin/python bench/scan.py                      # see bench/README.md
    .venv/bin/python bench/scan.py --students 5000      # a smaller district

1. **Quality** (``--quality-students``, default 2,000): a district is seeded (bench/district.py,
   each student with a hidden trajectory), then the scan runs as of every school day of the
   term, in order, as the nightly scan would have. The flags are compared with the
   trajectories: recall (share of falling-behind and absent students flagged on or after their
   turn), median lead (school days from the turn to that flag) and the false-flag rate (share
   of steady students ever flagged), per rule too.
2. **Scale** (``--students``, default 50,000): a district is seeded and the full scan of every
   school is timed beside a floor measured in the same run (one bare SQL aggregate pass over
   the same evidence and attendance); then one student's rescan after an evidence write.
3. **Workers** (``--workers 1,2``): the full scan again, one Celery task per school, with 1 and
   with 2 worker processes on the same Redis.

The scratch database ``learnhub_bench_district`` is created on the PostgreSQL server named by
DATABASE_URL (localhost only) and dropped at the end (``--keep`` keeps the last). Writes
bench/results/scan.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.grid import create_database, drop_database, server_url, with_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scan.json"
DB = "learnhub_bench_district"
BARS = {
    "ratio": 2.0,
    "scan_s": 60.0,
    "rescan_ms": 50.0,
    "recall": 0.95,
    "median_lead_days": 10,
    "false_flag_rate": 0.05,
}


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


def fresh_database(server: str) -> None:
    """Drop and re-create the scratch database and migrate it (closing Django's connection)."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    create_database(server, DB)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated {DB} in {time.perf_counter() - t0:.1f} s")


def school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def seed(students: int, seed_value: int, today: dt.date) -> Any:
    from bench.district import district_seed

    t0 = time.perf_counter()
    district = district_seed(
        students=students, seed=seed_value, today=today, progress=lambda m: log(m.strip())
    )
    log(
        f"seeded {students:,} students, {district.evidence:,} evidence in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    return district


# --- 1. quality by replay ---------------------------------------------------------------------


def replay(district: Any) -> dict[str, Any]:
    from followups.scan import school_scan
    from profiles.models import School

    schools = list(School.objects.filter(pk__in=district.schools))
    days = school_days(district.term_start, district.today)
    t0 = time.perf_counter()
    for n, day in enumerate(days, start=1):
        for school in schools:
            school_scan(school=school, as_of=day, trigger="command")
        if n % 10 == 0 or n == len(days):
            log(f"replay: {n}/{len(days)} school days ({time.perf_counter() - t0:.0f} s)")
    result = quality(days)
    result["replay_days"] = len(days)
    result["replay_s"] = round(time.perf_counter() - t0, 1)
    return result


def quality(days: list[dt.date]) -> dict[str, Any]:
    from django.db import connection

    from bench.district import FALLING, STEADY

    index = {day: i for i, day in enumerate(days)}

    def school_day_index(day: dt.date) -> int:
        while day not in index and day <= days[-1]:
            day += dt.timedelta(days=1)
        return index.get(day, len(days))

    with connection.cursor() as cur:
        cur.execute("SELECT student_id, kind, turn_on FROM scale_trajectory")
        trajectories = {sid: (kind, turn) for sid, kind, turn in cur.fetchall()}
        cur.execute("SELECT student_id, rule, first_detected_on FROM followups_flag")
        flags: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
        for sid, rule, first in cur.fetchall():
            flags[sid].append((rule, first))

    falling = [s for s, (k, _) in trajectories.items() if k in FALLING]
    steady = [s for s, (k, _) in trajectories.items() if k in STEADY]
    leads: list[int] = []
    caught_by_rule: dict[str, int] = defaultdict(int)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sid in falling:
        kind, turn = trajectories[sid]
        after = sorted((first, rule) for rule, first in flags.get(sid, []) if first >= turn)
        by_kind[kind][1] += 1
        if after:
            by_kind[kind][0] += 1
            leads.append(school_day_index(after[0][0]) - school_day_index(turn))
            caught_by_rule[after[0][1]] += 1
    false_by_rule: dict[str, int] = defaultdict(int)
    falsely = 0
    for sid in steady:
        rules = {rule for rule, _ in flags.get(sid, [])}
        falsely += bool(rules)
        for rule in rules:
            false_by_rule[rule] += 1
    recovering = [s for s, (k, _) in trajectories.items() if k == "recovering"]
    return {
        "quality_students": len(trajectories),
        "falling_students": len(falling),
        "steady_students": len(steady),
        "recall": round(len(leads) / len(falling), 4) if falling else None,
        "median_lead_days": statistics.median(leads) if leads else None,
        "lead_days_p90": sorted(leads)[int(0.9 * (len(leads) - 1))] if leads else None,
        "false_flag_rate": round(falsely / len(steady), 4) if steady else None,
        "recall_by_trajectory": {k: round(c / n, 4) for k, (c, n) in sorted(by_kind.items())},
        "first_catch_by_rule": dict(sorted(caught_by_rule.items())),
        "steady_flagged_by_rule": {
            r: round(n / len(steady), 4) for r, n in sorted(false_by_rule.items())
        },
        "recovering_flagged": round(sum(1 for s in recovering if flags.get(s)) / len(recovering), 4)
        if recovering
        else None,
    }


# --- 2. scale ---------------------------------------------------------------------------------


def floor_pass() -> float:
    """One bare aggregate pass over the same rows the scan reads: evidence per student and
    target (count, newest, mean), attendance per student, check-ins per goal. The outer query
    consumes every aggregate: with only ``count(*)`` outside, PostgreSQL drops the unused ones
    and, on a vacuumed table, counts the groups from an index alone without reading a score
    (0.53 s instead of a pass over the evidence, 10,000 students)."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), sum(n), max(newest), sum(mean) FROM (SELECT student_id, "
            "competency_id, count(*) AS n, max(observed_on) AS newest, avg(score) AS mean "
            "FROM mastery_evidence GROUP BY 1, 2) e"
        )
        cur.execute(
            "SELECT count(*), sum(absent) FROM (SELECT student_id, count(*) FILTER "
            "(WHERE status = 'absent') AS absent FROM followups_attendance GROUP BY 1) a"
        )
        cur.execute(
            "SELECT count(*), max(last) FROM (SELECT goal_id, max(created_at) AS last "
            "FROM goals_checkin GROUP BY 1) c"
        )
    return time.perf_counter() - t0


SCAN_RUNS = 3


def _flags_delete(district: Any) -> None:
    """The district's flags and runs gone, as before its first scan."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM followups_flag WHERE school_id = ANY(%s)", [district.schools])
        cur.execute("DELETE FROM followups_scanrun WHERE school_id = ANY(%s)", [district.schools])


def full_scan(district: Any, days_later: int = 0) -> tuple[float, dict[str, int]]:
    from followups.scan import school_scan
    from profiles.models import School

    totals: dict[str, int] = defaultdict(int)
    t0 = time.perf_counter()
    for school in School.objects.filter(pk__in=district.schools).order_by("pk"):
        as_of = district.today + dt.timedelta(days=days_later)
        run = school_scan(school=school, as_of=as_of, trigger="command")
        for key in ("students_scanned", "flags_opened", "flags_cleared", "flags_kept", "errors"):
            totals[key] += getattr(run, key)
    return time.perf_counter() - t0, dict(totals)


def rescan_ms(district: Any, runs: int = 15) -> dict[str, float]:
    """Record one piece of evidence through the service, then rescan that student."""
    from decimal import Decimal

    from django.db import connection

    from followups.scan import school_scan
    from mastery.models import Competency, Evidence, Section
    from mastery.services import evidence_record
    from profiles.models import School, User

    with connection.cursor() as cur:
        cur.execute(
            "SELECT e.student_id, e.competency_id, e.section_id, e.author_id FROM "
            "mastery_evidence e ORDER BY e.id DESC LIMIT %s",
            [runs],
        )
        rows = cur.fetchall()
    samples = []
    write_samples = []
    for student_id, competency_id, section_id, author_id in rows:
        student = User.objects.get(pk=student_id)
        author = User.objects.get(pk=author_id)
        section = Section.objects.get(pk=section_id)
        school = School.objects.get(pk=section.school_id)
        competency = Competency.objects.get(pk=competency_id)
        t0 = time.perf_counter()
        evidence_record(
            actor=author,
            student=student,
            competency=competency,
            section=section,
            score=Decimal(2),
            observed_on=district.today,
            kind=Evidence.Kind.ASSESSMENT,
        )
        write_samples.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        school_scan(
            school=school, as_of=district.today, trigger="student", student_ids=[student_id]
        )
        samples.append(time.perf_counter() - t0)
    return {
        "rescan_ms": round(1000 * statistics.median(samples), 1),
        "rescan_ms_max": round(1000 * max(samples), 1),
        "evidence_write_ms": round(1000 * statistics.median(write_samples), 1),
    }


# --- 3. workers -------------------------------------------------------------------------------


def with_workers(district: Any, concurrency: int, env: dict[str, str]) -> float:
    from django.db import connections

    from followups.models import ScanRun
    from followups.tasks import school_scan_task

    connections.close_all()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "learnhub",
            "worker",
            "-c",
            str(concurrency),
            "-P",
            "prefork",
            "--loglevel",
            "WARNING",
            "-n",
            f"bench{concurrency}@%h",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        time.sleep(6)  # the worker connects and forks its processes
        before = ScanRun.objects.filter(finished_at__isnull=False).count()
        t0 = time.perf_counter()
        for school_id in district.schools:
            school_scan_task.delay(school_id, district.today.isoformat())
        want = before + len(district.schools)
        while ScanRun.objects.filter(finished_at__isnull=False).count() < want:
            if worker.poll() is not None:
                raise RuntimeError("the Celery worker exited")
            if time.perf_counter() - t0 > 1800:
                raise RuntimeError("the workers did not finish in 30 minutes")
            time.sleep(0.2)
        return time.perf_counter() - t0
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


def main() -> int:
    global DB
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=50_000, help="district size (50,000)")
    parser.add_argument("--quality-students", type=int, default=2_000, help="replay size (2,000)")
    parser.add_argument("--workers", default="1,2", help="worker counts to time ('' skips)")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--db-name", default=DB, help=f"scratch database ({DB})")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z0-9_]*bench[a-z0-9_]*", args.db_name):
        parser.error("--db-name must be lower-case letters, digits, _ and contain 'bench'")
    DB = args.db_name

    server = server_url()
    os.environ["LEARNHUB_BENCH_DATABASE_URL"] = with_database(server, DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    create_database(server, DB)
    import django

    django.setup()
    from django.utils import timezone

    today = timezone.localdate()
    results: dict[str, Any] = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "command": "python bench/scan.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "bars": BARS,
    }
    try:
        if not args.skip_quality:
            fresh_database(server)
            district = seed(args.quality_students, args.seed, today)
            results.update(replay(district))
            headline = ("recall", "median_lead_days", "false_flag_rate")
            log(f"quality: {json.dumps({k: results[k] for k in headline})}")
        if not args.skip_scale:
            fresh_database(server)
            district = seed(args.students, args.seed, today)
            results["students"] = district.students
            results["evidence"] = district.evidence
            results["schools"] = len(district.schools)
            results["seed_timings_s"] = {k: round(v, 1) for k, v in district.timings.items()}
            # The floor is the best of four passes; the first scan (every flag opened) is timed
            # the same way, best of three, the district's flags deleted before each (the first
            # run, on caches the floor did not warm, is kept as ``scan_first_s``).
            floors = [floor_pass() for _ in range(3)]
            scans: list[float] = []
            for _ in range(SCAN_RUNS):
                _flags_delete(district)
                scan_s, totals = full_scan(district)
                scans.append(scan_s)
                floors.append(floor_pass())
            scan_s = min(scans)
            results["floor_s"] = round(min(floors), 2)
            results["scan_s"] = round(scan_s, 2)
            results["scan_runs_s"] = [round(x, 2) for x in scans]
            results["scan_first_s"] = round(scans[0], 2)
            results["ratio"] = round(scan_s / min(floors), 2)
            results["ratio_first"] = round(scans[0] / min(floors), 2)
            results["scan_totals"] = totals
            log(f"scale: scans {results['scan_runs_s']} s, floor {min(floors):.2f} s, {totals}")
            scan_again_s, again = full_scan(district)
            results["scan_again_s"] = round(scan_again_s, 2)
            results["scan_again_opened"] = again.get("flags_opened", 0)
            # The next night: every kept flag's last_detected_on moves (the same-day scan
            # above writes nothing).
            next_s, next_totals = full_scan(district, days_later=1)
            results["scan_next_night_s"] = round(next_s, 2)
            results["scan_next_night_kept"] = next_totals.get("flags_kept", 0)
            log(f"next night: {next_s:.1f} s, {next_totals}")
            results.update(rescan_ms(district))
            env = dict(os.environ)
            for n in [int(w) for w in args.workers.split(",") if w.strip()]:
                seconds = with_workers(district, n, env)
                results[f"workers_{n}_s"] = round(seconds, 2)
                log(f"{n} worker process(es): {seconds:.1f} s")
            if "workers_1_s" in results and "workers_2_s" in results:
                results["speedup_2_workers"] = round(
                    results["workers_1_s"] / results["workers_2_s"], 2
                )
            if "workers_2_s" in results:
                # The floor's aggregate runs on both cores (a parallel plan); so does the
                # district's nightly scan, one task per school on two worker processes. These
                # scans find the flags already open (like scan_again_s), so the bar is judged
                # on ``ratio``; this says what the district waits for on two cores.
                results["ratio_2_workers"] = round(results["workers_2_s"] / results["floor_s"], 2)
        results["bars_met"] = {
            key: (results[key] <= bar if key != "recall" else results[key] >= bar)
            for key, bar in BARS.items()
            if results.get(key) is not None
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"wrote {RESULTS.relative_to(ROOT)}")
        print(json.dumps(results, indent=2, default=str))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(server, DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
