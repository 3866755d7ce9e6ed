#!/usr/bin/env python
"""Benchmark (first sketch for issue 8): the follow-ups scan of one school beside a floor — one
bare SQL aggregate pass over the same evidence — measured in the same run.

    .venv/bin/python bench/scan.py [--students 2000] [--targets 20] [--per-cell 10]

Creates the scratch database ``learnhub_bench_scan`` on the PostgreSQL server named by
DATABASE_URL (localhost only; the helpers of bench/grid.py), migrates it, builds one school with
set-based SQL (``generate_series``), measures, prints the figures, writes
bench/results/scan.json and drops the database (``--keep`` keeps it).

Not yet the district of issue 8 (50,000 students, hidden trajectories, replay quality, Celery
workers): one school, steady students with noise, no mastery records (the scan reads the
evidence, not the records).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.grid import create_database, drop_database, server_url, with_database  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SECTION_SIZE = 100
ADVISORY_SIZE = 25


def build(students: int, targets: int, per_cell: int, today: dt.date) -> dict[str, Any]:
    import pghistory
    from django.db import connection, transaction

    from mastery.models import Competency, Framework, PacingPlan, PacingTarget
    from mastery.services import framework_link_sections, scale_default_for
    from profiles.models import Enrollment, Membership, Role, School, Section, Term, User
    from profiles.services import school_setup

    t0 = time.perf_counter()
    with transaction.atomic(), pghistory.context(service="bench_seed"):
        school = School.objects.create(name="Bench Scan School")
        school_setup(school=school)
        scale_default_for(school)
        Term.objects.create(
            school=school,
            title="This term",
            start_date=today - dt.timedelta(days=120),
            end_date=today + dt.timedelta(days=60),
        )
        people = User.objects.bulk_create(
            [
                User(
                    email=f"s{i:06d}@bench.example",
                    given_name="S",
                    family_name=str(i),
                    password="!x",
                )
                for i in range(students)
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [Membership(user=u, school=school, role=Role.STUDENT) for u in people],
            batch_size=2000,
        )
        teacher = User.objects.create_user("t@bench.example", "x", given_name="T", family_name="T")
        Membership.objects.create(user=teacher, school=school, role=Role.TEACHER)
        fw = Framework.objects.create(
            school=school,
            title="Bench framework",
            identifier="bench-fw",
            calculation_method="decaying_average",
            calculation_parameter=65,
        )
        leaves = Competency.objects.bulk_create(
            Competency(framework=fw, identifier=f"t{j}", code=f"B.{j}", statement=f"Target {j}")
            for j in range(targets)
        )
        sections = []
        for start in range(0, students, SECTION_SIZE):
            section = Section.objects.create(school=school, name=f"Class {start // SECTION_SIZE}")
            sections.append(section)
            Enrollment.objects.bulk_create(
                [Enrollment(section=section, user=teacher, role=Enrollment.Role.TEACHER)]
                + [
                    Enrollment(section=section, user=u, role=Enrollment.Role.STUDENT)
                    for u in people[start : start + SECTION_SIZE]
                ]
            )
            plan = PacingPlan.objects.create(section=section)
            PacingTarget.objects.bulk_create(
                PacingTarget(
                    plan=plan,
                    competency=leaf,
                    expected_by=today - dt.timedelta(days=110) + dt.timedelta(days=9 * j),
                )
                for j, leaf in enumerate(leaves)
            )
        for start in range(0, students, ADVISORY_SIZE):
            advisory = Section.objects.create(
                school=school, name=f"Advisory {start}", kind=Section.Kind.ADVISORY
            )
            Enrollment.objects.bulk_create(
                [Enrollment(section=advisory, user=teacher, role=Enrollment.Role.TEACHER)]
                + [
                    Enrollment(section=advisory, user=u, role=Enrollment.Role.STUDENT)
                    for u in people[start : start + ADVISORY_SIZE]
                ]
            )
        framework_link_sections(framework=fw, sections=sections)
    t_people = time.perf_counter() - t0

    t0 = time.perf_counter()
    with transaction.atomic(), pghistory.context(service="bench_seed"), connection.cursor() as cur:
        cur.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            """
            INSERT INTO mastery_evidence
                (student_id, competency_id, section_id, score, observed_on, kind, title, note,
                 link, status, author_id, review_comment, created_at, updated_at)
            SELECT e.user_id, sc.competency_id, e.section_id,
                   LEAST(4, GREATEST(1, round(2.6 + 1.2 * (random() + random() - 1))))::numeric,
                   %(today)s::date - 115 + (k * 110 / %(n)s) + floor(random() * 3)::int,
                   'assessment', '', '', '', 'accepted', %(teacher)s, '', now(), now()
            FROM profiles_enrollment e
            JOIN mastery_sectioncompetency sc ON sc.section_id = e.section_id
            CROSS JOIN generate_series(1, %(n)s) AS k
            WHERE e.role = 'student' AND e.section_id = ANY(%(sections)s)
            """,
            {
                "today": today,
                "n": per_cell,
                "teacher": teacher.pk,
                "sections": [s.pk for s in sections],
            },
        )
        cur.execute(
            """
            INSERT INTO followups_attendance
                (school_id, student_id, date, status, source, updated_at)
            SELECT %(school)s, m.user_id, d::date,
                   CASE WHEN random() < 0.06 THEN 'absent'
                        WHEN random() < 0.05 THEN 'tardy' ELSE 'present' END,
                   'import', now()
            FROM profiles_membership m
            CROSS JOIN generate_series(%(today)s::date - 60, %(today)s::date, '1 day') AS d
            WHERE m.school_id = %(school)s AND m.role = 'student'
              AND extract(isodow FROM d) < 6
            """,
            {"school": school.pk, "today": today},
        )
        cur.execute("SELECT count(*) FROM mastery_evidence")
        evidence = cur.fetchone()[0]
    t_evidence = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return {
        "school": school,
        "student_ids": [u.pk for u in people],
        "evidence": evidence,
        "build_people_s": round(t_people, 1),
        "build_evidence_s": round(t_evidence, 1),
    }


def floor_pass(school_id: int, as_of: dt.date) -> float:
    """The same evidence, one GROUP BY per student × competency, fetched: what any scan reads."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT e.student_id, e.competency_id, count(*), max(e.observed_on), sum(e.score)
            FROM mastery_evidence e
            JOIN mastery_competency c ON c.id = e.competency_id
            JOIN mastery_framework f ON f.id = c.framework_id
            WHERE f.school_id = %s AND e.status = 'accepted' AND e.observed_on <= %s
            GROUP BY 1, 2
            """,
            [school_id, as_of],
        )
        cur.fetchall()
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--targets", type=int, default=20)
    parser.add_argument("--per-cell", type=int, default=10, help="evidence per student × target")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db-name", default="learnhub_bench_scan")
    parser.add_argument("--keep", action="store_true")
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
        from django.db import connection, connections
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from followups import facts
        from followups.models import Flag, RiskPolicy
        from followups.rules import Thresholds
        from followups.scan import school_scan

        call_command("migrate", verbosity=0, interactive=False)
        today = timezone.localdate()
        world = build(args.students, args.targets, args.per_cell, today)
        school = world["school"]
        print(f"bench: built {args.students} students, {world['evidence']} evidence", flush=True)

        thresholds = Thresholds.of(RiskPolicy.objects.get(school=school))
        t0 = time.perf_counter()
        facts.facts_for(school, world["student_ids"], today, thresholds)
        facts_s = time.perf_counter() - t0
        scans = []
        queries = 0
        for i in range(args.runs):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                school_scan(school=school, as_of=today)
                scans.append(time.perf_counter() - t0)
            queries = len(ctx.captured_queries) if i == 0 else queries
        floors = [floor_pass(school.pk, today) for _ in range(args.runs)]
        one = world["student_ids"][len(world["student_ids"]) // 2]
        rescans = []
        for _ in range(10):
            t0 = time.perf_counter()
            school_scan(school=school, as_of=today, student_ids=[one], trigger="student")
            rescans.append(time.perf_counter() - t0)
        scan_s = statistics.median(scans[1:] or scans)
        floor_s = statistics.median(floors)
        results = {
            "command": "python bench/scan.py " + " ".join(sys.argv[1:]),
            "students": args.students,
            "evidence": world["evidence"],
            "first_scan_s": round(scans[0], 2),
            "scan_s": round(scan_s, 2),
            "facts_s": round(facts_s, 2),
            "floor_s": round(floor_s, 3),
            "ratio": round(scan_s / floor_s, 1),
            "rescan_ms": round(statistics.median(rescans) * 1000, 1),
            "queries_first_scan": queries,
            "flags": {
                rule: Flag.objects.filter(school=school, rule=rule, status="open").count()
                for rule in Flag.objects.values_list("rule", flat=True).distinct()
            },
            "build": {k: world[k] for k in ("build_people_s", "build_evidence_s")},
            "cpus": os.cpu_count(),
        }
        print(json.dumps(results, indent=2))
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "scan.json").write_text(json.dumps(results, indent=2) + "\n")
        connections.close_all()
    finally:
        if args.keep:
            print(f"bench: kept database {args.db_name}")
        else:
            try:
                from django.db import connections as conns

                conns.close_all()
            except Exception:
                pass
            drop_database(server, args.db_name)
            print(f"bench: dropped database {args.db_name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
