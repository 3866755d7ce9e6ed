#!/usr/bin/env python
"""Benchmark: the OneRoster import at 5,000 people — the preview (check + plan, no writes)
beside the import (check + plan + write), first into an empty school and then again (nothing
changes), with a floor measured in the same run: reading the export's CSV rows.

    .venv/bin/python bench/roster.py          # see bench/README.md

Creates the scratch database ``learnhub_bench_roster`` on the PostgreSQL server named by
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; localhost only), migrates it,
measures, prints a table, writes bench/results/roster.json and drops the database.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.grid import create_database, drop_database, server_url, with_database  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
SAMPLE = ROOT.parent / "shared" / "data" / "oneroster" / "roster-hub-v1p1"


def export(folder: Path, people: int, classes: int = 50) -> Path:
    """The real sample's manifest, org, sessions and courses, with ``people`` students spread
    over ``classes`` classes (one enrollment each)."""
    folder.mkdir(parents=True)
    for name in ("manifest.csv", "orgs.csv", "academicSessions.csv", "courses.csv"):
        (folder / name).write_bytes((SAMPLE / name).read_bytes())
    rows = ['"sourcedId","title","courseSourcedId","classType","schoolSourcedId","termSourcedIds"']
    rows += [f'"c{n}","Class {n}","co0001","scheduled","or0001","as0001"' for n in range(classes)]
    (folder / "classes.csv").write_text("\n".join(rows) + "\n")
    rows = ['"sourcedId","orgSourcedIds","role","givenName","familyName","email","grades"']
    rows += [
        f'"u{n}","or0001","student","Given{n}","Family{n}","u{n}@example.org","07"'
        for n in range(people)
    ]
    (folder / "users.csv").write_text("\n".join(rows) + "\n")
    rows = ['"sourcedId","classSourcedId","schoolSourcedId","userSourcedId","role"']
    rows += [f'"e{n}","c{n % classes}","or0001","u{n}","student"' for n in range(people)]
    (folder / "enrollments.csv").write_text("\n".join(rows) + "\n")
    return folder


def read_rows(folder: Path) -> int:
    """The floor: decode and parse every CSV row of the export."""
    count = 0
    for path in sorted(folder.glob("*.csv")):
        count += sum(1 for _ in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return count


def timed(fn: Any, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measure (3)")
    parser.add_argument("--db-name", default="learnhub_bench_roster")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z0-9_]*bench[a-z0-9_]*", args.db_name):
        parser.error("--db-name must be lower-case letters, digits, _ and contain 'bench'")

    server = server_url()
    create_database(server, args.db_name)
    os.environ["LEARNHUB_BENCH_DATABASE_URL"] = with_database(server, args.db_name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        from profiles.models import RosterImport, School
        from profiles.oneroster import roster_import, roster_plan

        call_command("migrate", verbosity=0, interactive=False)
        folder = export(Path(tempfile.mkdtemp()) / "export", args.people)

        def preview() -> None:
            roster_plan(source=folder, source_name="bench", actor=None)

        def first_import() -> None:
            # Into an empty database each time: the import is rolled back afterwards.
            with transaction.atomic():
                result = roster_import(source=folder, source_name="bench", actor=None)
                assert result.status == RosterImport.Status.APPLIED, result.errors[:3]
                transaction.set_rollback(True)

        def again() -> None:
            result = roster_import(source=folder, source_name="bench", actor=None)
            assert result.summary["users"]["unchanged"] == args.people

        results: dict[str, Any] = {
            "when": dt.datetime.now().isoformat(timespec="seconds"),
            "command": "python bench/roster.py " + " ".join(sys.argv[1:]),
            "people": args.people,
        }
        rows = read_rows(folder)
        measures: dict[str, list[float]] = {}
        measures["floor: read the CSV rows"] = timed(lambda: read_rows(folder), args.runs)
        measures["preview, empty school"] = timed(preview, args.runs)
        measures["import, empty school"] = timed(first_import, args.runs)
        roster_import(source=folder, source_name="bench", actor=None)
        measures["preview, nothing changes"] = timed(preview, args.runs)
        measures["import, nothing changes"] = timed(again, args.runs)
        with CaptureQueriesContext(connection) as queries:
            preview()
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)
        ]
        assert School.objects.count() == 1

        floor = statistics.median(measures["floor: read the CSV rows"])
        results["rows"] = rows
        results["preview_queries"] = len(queries.captured_queries)
        results["preview_writes"] = len(writes)
        results["measures"] = {
            name: {
                "median_s": round(statistics.median(times), 3),
                "runs_s": [round(t, 3) for t in times],
                "x_floor": round(statistics.median(times) / floor, 1),
            }
            for name, times in measures.items()
        }
        width = max(len(name) for name in measures)
        print(f"\nOneRoster import, {args.people} people ({rows} CSV rows), median of {args.runs}")
        for name, m in results["measures"].items():
            print(f"  {name:<{width}}  {m['median_s']:7.3f} s  {m['x_floor']:6.1f} x floor")
        ratio = (
            results["measures"]["preview, empty school"]["median_s"]
            / results["measures"]["import, empty school"]["median_s"]
        )
        results["preview_over_import"] = round(ratio, 2)
        print(
            f"  preview / import (empty school): {ratio:.2f}; the preview ran "
            f"{results['preview_queries']} queries, {results['preview_writes']} of them writes"
        )
        RESULTS_DIR.mkdir(exist_ok=True)
        (RESULTS_DIR / "roster.json").write_text(json.dumps(results, indent=2) + "\n")
        connection.close()
    finally:
        if not args.keep:
            drop_database(server, args.db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
