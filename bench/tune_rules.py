#!/usr/bin/env python
"""Tune the risk rules' default thresholds against the district's hidden trajectories.

    .venv/bin/python bench/tune_rules.py [--students 600] [--seed 7]

Seeds a district (bench/district.py) in a scratch database, computes every student's facts
(followups.facts) as of every school day of the term once per window setting, then evaluates
the pure rules (followups.rules) offline for each candidate threshold set — no flags are
written, so a candidate costs milliseconds. A flag "opens" on a day its condition holds and did
not hold the school day before (the scan's lifecycle without teachers). For each rule alone and
for the candidate policy as a whole it reports recall (falling-behind and absent students with
a flag opened on or after their turn), median lead (school days from the turn) and the
false-flag rate (steady students ever flagged). Writes bench/results/tune_rules.json; the
defaults' row is the run labelled "all rules (grace 5, gap 10, recent 10, attendance 20)".
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import statistics
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.grid import create_database, drop_database, server_url, with_database  # noqa: E402

DB = "learnhub_bench_tune"
RESULTS = ROOT / "bench" / "results" / "tune_rules.json"


def log(message: str) -> None:
    print(f"tune: {message}", flush=True)


def collect(schools: list[Any], days: list[dt.date], thresholds: Any) -> dict[dt.date, list[Any]]:
    from followups.facts import facts_for, student_ids_for

    facts: dict[dt.date, list[Any]] = {}
    t0 = time.perf_counter()
    for n, day in enumerate(days, start=1):
        rows = []
        for school in schools:
            rows.extend(facts_for(school, student_ids_for(school), day, thresholds))
        facts[day] = rows
        if n % 20 == 0:
            log(f"facts: {n}/{len(days)} days ({time.perf_counter() - t0:.0f} s)")
    return facts


def openings(
    facts: dict[dt.date, list[Any]], thresholds: Any, rules: tuple[Any, ...]
) -> dict[int, list[tuple[dt.date, str]]]:
    """student → [(day, rule)] for each day a rule's condition starts to hold."""
    held: dict[tuple[int, str], bool] = {}
    opened: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for day in sorted(facts):
        for student in facts[day]:
            for rule in rules:
                finding = rule(student, thresholds)
                key = (student.student_id, rule.__name__)
                if finding is not None and not held.get(key):
                    opened[student.student_id].append((day, rule.__name__))
                held[key] = finding is not None
    return opened


def score(
    opened: dict[int, list[tuple[dt.date, str]]],
    trajectories: dict[int, tuple[str, dt.date | None]],
    days: list[dt.date],
) -> dict[str, Any]:
    from bench.district import FALLING, STEADY

    index = {day: i for i, day in enumerate(days)}

    def at(day: dt.date) -> int:
        while day not in index and day <= days[-1]:
            day += dt.timedelta(days=1)
        return index.get(day, len(days))

    leads = []
    falling = [s for s, (k, _) in trajectories.items() if k in FALLING]
    steady = [s for s, (k, _) in trajectories.items() if k in STEADY]
    for sid in falling:
        turn = trajectories[sid][1]
        after = sorted(d for d, _ in opened.get(sid, []) if turn is not None and d >= turn)
        if after:
            leads.append(at(after[0]) - at(turn))  # type: ignore[arg-type]
    false = sum(1 for sid in steady if opened.get(sid))
    return {
        "recall": round(len(leads) / len(falling), 3) if falling else None,
        "median_lead_days": statistics.median(leads) if leads else None,
        "false_flag_rate": round(false / len(steady), 3) if steady else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--db-name", default=DB, help=f"scratch database ({DB})")
    parser.add_argument(
        "--first-defaults", action="store_true", help="sweep from the first defaults (slower)"
    )
    args = parser.parse_args()
    if "bench" not in args.db_name or not args.db_name.replace("_", "").isalnum():
        parser.error("--db-name must be letters, digits and _ and contain 'bench'")
    db = args.db_name

    server = server_url()
    os.environ["LEARNHUB_BENCH_DATABASE_URL"] = with_database(server, db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    create_database(server, db)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from bench.district import district_seed
    from bench.scan import school_days
    from followups import rules
    from profiles.models import School

    try:
        call_command("migrate", verbosity=0, interactive=False)
        district = district_seed(
            students=args.students, seed=args.seed, today=timezone.localdate(), progress=log
        )
        schools = list(School.objects.filter(pk__in=district.schools))
        days = school_days(district.term_start, district.today)
        with connection.cursor() as cur:
            cur.execute("SELECT student_id, kind, turn_on FROM scale_trajectory")
            trajectories = {sid: (kind, turn) for sid, kind, turn in cur.fetchall()}

        base = rules.Thresholds()
        r = dataclasses.replace
        results: dict[str, Any] = {"students": args.students, "days": len(days), "runs": []}

        def run(label: str, facts: Any, thresholds: Any, which: tuple[Any, ...]) -> None:
            outcome = score(openings(facts, thresholds, which), trajectories, days)
            changed = {
                f.name: getattr(thresholds, f.name)
                for f in dataclasses.fields(thresholds)
                if getattr(thresholds, f.name) != getattr(base, f.name)
            }
            results["runs"].append({"label": label, "changed": changed, **outcome})
            log(f"{label:40} {changed} {outcome}")

        # Facts depend on the windows (attendance days, slipping's recency, pacing grace):
        # collected once per window setting, then every candidate is evaluated offline.
        if args.first_defaults:
            # The sweep that chose the defaults, starting from the first ones.
            # (No growing-gap condition, no score trend; chronic absence now also needs the term
            # to date, which the first defaults did not ask.)
            first = r(
                base,
                behind_pace_targets=2,
                behind_pace_percent=25,
                behind_pace_grace_days=0,
                behind_pace_recent_days=0,
                slipping_targets=1,
                slipping_recent_days=0,
                attendance_min_days=1,
            )
            windows = [
                first,
                r(first, behind_pace_grace_days=5, slipping_recent_days=10),
                r(first, behind_pace_grace_days=10, slipping_recent_days=5),
                r(
                    first,
                    behind_pace_grace_days=10,
                    slipping_recent_days=10,
                    attendance_school_days=40,
                ),
            ]
        else:
            # The windows of the growing gap and of the score trend, beside the defaults.
            windows = [
                base,
                r(base, behind_pace_recent_days=15),
                r(base, slipping_recent_days=15),
            ]
        for window in windows:
            facts = collect(schools, days, window)
            tag = (
                f"grace {window.behind_pace_grace_days}, gap {window.behind_pace_recent_days}, "
                f"recent {window.slipping_recent_days}, attendance {window.attendance_school_days}"
            )
            for rule in rules.RULES:
                run(f"{rule.__name__} alone ({tag})", facts, window, (rule,))
            run(f"all rules ({tag})", facts, window, rules.RULES)
            for candidate in CANDIDATES(window):
                run(f"candidate ({tag})", facts, candidate, rules.RULES)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    finally:
        connections.close_all()
        if not args.keep:
            drop_database(server, db)
    return 0


def CANDIDATES(t: Any) -> list[Any]:
    """The growing gap's number of targets, the score trend's drop and minimum of scores, the
    slipping targets at once, and chronic absence's minimum of term days, around ``t``."""
    r = dataclasses.replace
    return [
        r(
            t,
            behind_pace_recent_targets=gap,
            slipping_drop_percent=drop,
            slipping_min_scores=scores,
            slipping_targets=targets,
            attendance_min_days=days,
        )
        for gap in (2, 3, 4)
        for drop, scores in ((10, 10), (12, 5), (12, 10), (15, 10))
        for targets in (3, 6)
        for days in (20, 30, 40)
    ]


if __name__ == "__main__":
    sys.exit(main())
