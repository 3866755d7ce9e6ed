#!/usr/bin/env python
"""Benchmark: the teacher class grid (150 students x 60 targets, 20 evidence per cell) and
recording a whole class's scores (30 students), each beside a floor measured in the same run.

    .venv/bin/python bench/grid.py            # see bench/README.md

Creates the scratch database ``learnhub_bench`` on the PostgreSQL server named by
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; localhost only), migrates
it, builds the data set with set-based SQL, measures, prints a table, writes
bench/results/grid.json, and drops the database (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import gzip
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS_DIR = ROOT / "bench" / "results"
LOCAL_HOSTS = {"", "127.0.0.1", "localhost", "::1"}
WRITE = re.compile(r"(?:^|;)\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"

BIG, SMALL = 150, 30
DOMAINS, TARGETS_PER_DOMAIN = 6, 10  # 60 learning targets
EVIDENCE_PER_CELL = 20

# Kolibri's coach class summary at the same size is measured in the same run, over HTTP, by
# /work/shared/bench/kolibri-peer.sh (KOLIBRI_PEER overrides the path); our bars.
KOLIBRI_PEER = os.environ.get("KOLIBRI_PEER", "/work/shared/bench/kolibri-peer.sh")
BAR_QUERIES = 10
BAR_RATIO = 2.0
BAR_KB = 300
BAR_SPEEDUP_VS_KOLIBRI = 5.0

FIRST = (
    "Aaliyah",
    "Aarav",
    "Abdi",
    "Ada",
    "Amara",
    "Ana",
    "Anders",
    "Aroha",
    "Ayaan",
    "Beatriz",
    "Bilal",
    "Camila",
    "Chen",
    "Chidi",
    "Chloe",
    "Dara",
    "Diego",
    "Elif",
    "Elijah",
    "Emeka",
    "Esme",
    "Farah",
    "Finn",
    "Freya",
    "Gabriel",
    "Hana",
    "Hugo",
    "Ibrahim",
    "Imani",
    "Isla",
    "Jamal",
    "Jasper",
    "Jia",
    "Kai",
    "Kalani",
    "Keanu",
    "Leila",
    "Liam",
    "Lina",
    "Luca",
    "Maeve",
    "Malik",
    "Mateo",
    "Maya",
    "Mei",
    "Mila",
    "Nia",
    "Noah",
    "Nour",
    "Oliver",
    "Omar",
    "Priya",
    "Rafael",
    "Ravi",
    "Rosa",
    "Sami",
    "Santiago",
    "Sofia",
    "Tariq",
    "Thandiwe",
    "Uma",
    "Valentina",
    "Wei",
    "Xavier",
    "Yara",
    "Yusuf",
    "Zara",
    "Zoe",
)
LAST = (
    "Abara",
    "Adeyemi",
    "Alvarez",
    "Andersen",
    "Bakshi",
    "Baptiste",
    "Becker",
    "Bianchi",
    "Castillo",
    "Chen",
    "Costa",
    "Dang",
    "Delgado",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Fischer",
    "Garcia",
    "Goldberg",
    "Haddad",
    "Hansen",
    "Hernandez",
    "Ito",
    "Jovanovic",
    "Kapoor",
    "Kim",
    "Kowalski",
    "Laurent",
    "Lee",
    "Lindqvist",
    "Mahlangu",
    "Martin",
    "Mensah",
    "Moreau",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Ortiz",
    "Park",
    "Patel",
    "Petrov",
    "Quispe",
    "Rahman",
    "Reyes",
    "Rossi",
    "Sato",
    "Schmidt",
    "Silva",
    "Singh",
    "Sokolov",
    "Tanaka",
    "Torres",
    "Tran",
    "Vargas",
    "Walker",
    "Wang",
    "Yilmaz",
    "Zhou",
)
DOMAIN_NAMES = (
    ("RP", "Ratios and proportional relationships"),
    ("NS", "The number system"),
    ("EE", "Expressions and equations"),
    ("G", "Geometry"),
    ("SP", "Statistics and probability"),
    ("F", "Functions and modelling"),
)
VERBS = (
    "Compute",
    "Recognize and represent",
    "Use",
    "Solve real-world problems with",
    "Explain",
    "Apply and extend understanding of",
    "Draw and describe",
    "Compare",
    "Interpret",
    "Reason about",
)


# --- the scratch database ----------------------------------------------------------------------


def server_url() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host not in LOCAL_HOSTS and not host.startswith("/") and not host.startswith("%2f"):
        sys.exit(f"bench: refusing to run against a non-local database server ({host}).")
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def admin_connection(url: str) -> Any:
    import psycopg2

    conn = psycopg2.connect(url, connect_timeout=5)
    conn.autocommit = True
    return conn


def drop_database(url: str, name: str) -> None:
    conn = admin_connection(url)
    try:
        with conn.cursor() as cur:
            force = " WITH (FORCE)" if conn.server_version >= 130000 else ""
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"{force}')
    finally:
        conn.close()


def create_database(url: str, name: str) -> None:
    drop_database(url, name)
    conn = admin_connection(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


# --- building the data set ---------------------------------------------------------------------


@dataclass
class World:
    teacher: Any
    big: Any
    small: Any
    framework: Any
    leaves: list[Any]
    students: dict[int, list[int]]  # section pk -> student ids
    timings: dict[str, float]
    counts: dict[str, int]


def build(today: dt.date, seed: int) -> World:
    import pghistory
    from django.db import connection, transaction

    from mastery.models import (
        Competency,
        Evidence,
        Framework,
        MasteryRecord,
        PacingPlan,
        PacingTarget,
    )
    from mastery.services import framework_link_sections, mastery_recompute, scale_default_create
    from profiles.models import Enrollment, LearnerProfile, Membership, Role, School, Section, User

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with transaction.atomic():
        school = School.objects.create(name="Bench Middle School")
        scale_default_create(school=school)
        teacher = User.objects.create_user(
            "tess.teacher@bench.example",
            "bench-password-not-secret",
            given_name="Tess",
            family_name="Okafor",
        )
        Membership.objects.create(user=teacher, school=school, role=Role.TEACHER)
        big = Section.objects.create(school=school, name="Math 7 period 1", code="M7-150")
        small = Section.objects.create(school=school, name="Math 7 period 2", code="M7-30")
        students = User.objects.bulk_create(
            [
                User(
                    email=f"student{i:03d}@bench.example",
                    given_name=rng.choice(FIRST),
                    family_name=rng.choice(LAST),
                    password="!bench-unusable",
                )
                for i in range(BIG + SMALL)
            ],
            batch_size=1000,
        )
        Membership.objects.bulk_create(
            Membership(user=s, school=school, role=Role.STUDENT, grade_level="7") for s in students
        )
        LearnerProfile.objects.bulk_create(LearnerProfile(student=s) for s in students)
        Enrollment.objects.bulk_create(
            [
                Enrollment(section=big, user=teacher, role=Enrollment.Role.TEACHER),
                Enrollment(section=small, user=teacher, role=Enrollment.Role.TEACHER),
            ]
            + [
                Enrollment(section=big if i < BIG else small, user=s, role=Enrollment.Role.STUDENT)
                for i, s in enumerate(students)
            ]
        )
        framework = Framework.objects.create(
            school=school,
            title="Grade 7 Mathematics",
            identifier="bench-fw-math-7",
            subject="Math",
            calculation_method="decaying_average",
            calculation_parameter=65,
        )
        domains = Competency.objects.bulk_create(
            Competency(
                framework=framework,
                identifier=f"d-{code.lower()}",
                code=f"7.{code}",
                statement=name,
                order=d,
                depth=0,
                sort_key=f"{d:04d}",
                is_leaf=False,
            )
            for d, (code, name) in enumerate(DOMAIN_NAMES, start=1)
        )
        leaves = Competency.objects.bulk_create(
            Competency(
                framework=framework,
                parent=domain,
                identifier=f"{domain.identifier}-{j}",
                code=f"{domain.code}.{j}",
                statement=f"{VERBS[j - 1]} {domain.statement.lower()} (target {j}).",
                order=j,
                depth=1,
                sort_key=f"{domain.sort_key}.{j:04d}",
                is_leaf=True,
            )
            for domain in domains
            for j in range(1, TARGETS_PER_DOMAIN + 1)
        )
        framework_link_sections(framework=framework, sections=[big, small])
        for section in (big, small):
            plan = PacingPlan.objects.create(section=section, name=f"{section.name} pacing")
            PacingTarget.objects.bulk_create(
                PacingTarget(
                    plan=plan,
                    competency=leaf,
                    expected_by=today + dt.timedelta(days=-150 + (270 * i) // len(leaves)),
                )
                for i, leaf in enumerate(leaves)
            )
    timings["build_people_framework_s"] = time.perf_counter() - t0

    # 20 evidence per student x target, in one INSERT ... SELECT generate_series: a steady
    # ability per student, a difficulty per target, growth over the term and some noise.
    abilities = {s.pk: rng.gauss(0, 0.6) for s in students}
    difficulty = {c.pk: rng.uniform(-0.7, 0.7) for c in leaves}
    # History triggers (pghistory) stay on: the events table gets its 216,000 rows too. Both
    # settings the triggers read are defined for this transaction, because an undefined one
    # costs each row a raised-and-caught error (~1 ms per row here; see README).
    t0 = time.perf_counter()
    with (
        transaction.atomic(),
        pghistory.context(service="bench_seed"),
        connection.cursor() as cur,
    ):
        cur.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        cur.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cur.execute(
            f"""
            INSERT INTO {Evidence._meta.db_table}
                (student_id, competency_id, section_id, score, observed_on, kind, title, note,
                 link, status, author_id, reviewed_by_id, review_comment, created_at, updated_at)
            SELECT g.student_id, g.competency_id, g.section_id,
                   LEAST(4, GREATEST(1, round(2.3 + g.ability - g.difficulty + 0.05 * g.k
                         + 0.9 * (random() + random() + random() - 1.5))))::numeric(5, 2),
                   g.day,
                   CASE WHEN g.k %% 5 = 0 THEN 'project'
                        WHEN g.k %% 7 = 0 THEN 'observation' ELSE 'assessment' END,
                   'Check-in ' || g.k, '', '', 'accepted', %(teacher)s, NULL, '',
                   g.day + time '15:30' + (random() * interval '2 hours'),
                   g.day + time '15:30'
            FROM (
                SELECT e.user_id AS student_id, sc.competency_id, e.section_id, a.ability,
                       d.difficulty, k,
                       (%(today)s::date - 200 + 9 * k + floor(random() * 5)::int) AS day
                FROM {Enrollment._meta.db_table} e
                JOIN mastery_sectioncompetency sc ON sc.section_id = e.section_id
                JOIN unnest(%(sids)s::bigint[], %(abilities)s::float8[]) AS a(id, ability)
                  ON a.id = e.user_id
                JOIN unnest(%(cids)s::bigint[], %(difficulties)s::float8[]) AS d(id, difficulty)
                  ON d.id = sc.competency_id
                CROSS JOIN generate_series(1, %(n)s) AS k
                WHERE e.role = 'student' AND e.section_id IN (%(big)s, %(small)s)
            ) g
            ORDER BY g.student_id, g.competency_id, g.k
            """,
            {
                "teacher": teacher.pk,
                "today": today,
                "sids": list(abilities),
                "abilities": list(abilities.values()),
                "cids": list(difficulty),
                "difficulties": list(difficulty.values()),
                "n": EVIDENCE_PER_CELL,
                "big": big.pk,
                "small": small.pk,
            },
        )
    timings["build_evidence_s"] = time.perf_counter() - t0

    # Mastery records: the application's own recomputation, in chunks of 10 students.
    t0 = time.perf_counter()
    leaf_ids = [c.pk for c in leaves]
    ids = [s.pk for s in students]
    for start in range(0, len(ids), 10):
        with transaction.atomic():
            mastery_recompute(pairs=[(s, c) for s in ids[start : start + 10] for c in leaf_ids])
    timings["build_mastery_recompute_s"] = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    counts = {
        "students": len(students),
        "learning_targets": len(leaves),
        "evidence_rows": Evidence.objects.count(),
        "evidence_rows_big_section": Evidence.objects.filter(section=big).count(),
        "mastery_records": MasteryRecord.objects.count(),
        "mastered_records": MasteryRecord.objects.filter(mastered=True).count(),
    }
    return World(
        teacher,
        big,
        small,
        framework,
        leaves,
        {big.pk: ids[:BIG], small.pk: ids[BIG:]},
        timings,
        counts,
    )


def expected_record(student_id: int, competency: Any) -> dict[str, Any]:
    """What the record of one cell must hold, recomputed from its evidence with
    ``calculation.rollup`` (independently of ``mastery_recompute``)."""
    from mastery import calculation as calc
    from mastery.models import Evidence
    from mastery.selectors import levels_of, scale_for

    levels = levels_of(scale=scale_for(framework=competency.framework))
    rows = list(
        Evidence.objects.filter(
            student_id=student_id, competency=competency, status=Evidence.Status.ACCEPTED
        )
        .order_by("observed_on", "id")
        .values_list("score", "observed_on")
    )
    scores = [s for s, _ in rows]
    result = calc.rollup(competency.method, scores, levels, parameter=competency.parameter)
    first = None
    if result.mastered:
        for i in range(1, len(scores) + 1):
            if calc.rollup(
                competency.method, scores[:i], levels, parameter=competency.parameter
            ).mastered:
                first = rows[i - 1][1]
                break
    return {
        "score": result.score,
        "level_id": result.level.id if result.level else None,
        "mastered": result.mastered,
        "evidence_count": len(rows),
        "last_evidence_on": max((d for _, d in rows), default=None),
        "first_mastered_on": first,
    }


def record_mismatches(pairs: list[tuple[int, Any]]) -> list[str]:
    from mastery.models import MasteryRecord

    problems = []
    for student_id, competency in pairs:
        record = MasteryRecord.objects.filter(student_id=student_id, competency=competency).first()
        want = expected_record(student_id, competency)
        if record is None:
            problems.append(f"({student_id}, {competency.pk}): no record")
            continue
        got = {k: getattr(record, k) for k in want}
        if got != want:
            problems.append(f"({student_id}, {competency.pk}): {got} != {want}")
    return problems


# --- measuring ---------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "min_ms": round(ordered[0], 2),
        "p90_ms": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 2),
        "runs": len(ordered),
    }


def captured(fn: Callable[[], Any]) -> tuple[Any, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, [q["sql"] for q in ctx.captured_queries]


def short(sql: str, width: int = 160) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 1] + "…"


@contextmanager
def phases() -> Iterator[dict[str, Any]]:
    """Split a grid request into phases (view up to the selector, ``class_grid``, template
    rendering, the rest) by wrapping ``mastery.views.class_grid`` and ``render`` in this
    process only; count queries and database time per phase."""
    from django.db import connection

    from mastery import views

    state: dict[str, Any] = {
        "phase": "request",
        "ms": Counter(),
        "db_ms": Counter(),
        "q": Counter(),
    }
    original_grid, original_render = views.class_grid, views.render

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*args: Any, **kwargs: Any) -> Any:
            previous, state["phase"] = state["phase"], name
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                state["ms"][name] += (time.perf_counter() - t0) * 1000
                state["phase"] = previous

        return inner

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            state["db_ms"][state["phase"]] += (time.perf_counter() - t0) * 1000
            state["q"][state["phase"]] += 1

    views.class_grid = wrap("class_grid", original_grid)  # type: ignore[assignment]
    views.render = wrap("render", original_render)  # type: ignore[assignment]
    try:
        with connection.execute_wrapper(count):
            yield state
    finally:
        views.class_grid, views.render = original_grid, original_render  # type: ignore[assignment]


def measure_grid(world: World, args: argparse.Namespace, results: dict[str, Any]) -> None:
    from django.test import Client
    from django.urls import reverse

    comp_ids = [c.pk for c in world.leaves]

    client = Client()
    client.force_login(world.teacher)
    sizes = {SMALL: world.small.pk, BIG: world.big.pk}
    grid_urls = {n: reverse("section-grid", args=[pk]) for n, pk in sizes.items()}
    floor_urls = {n: f"/bench/floor/{pk}/" for n, pk in sizes.items()}  # bench/urls.py

    # Correctness first: the page answers, lists everyone and every target; the floor reads
    # exactly one row per cell.
    info: dict[int, dict[str, Any]] = {}
    for n in sizes:
        response, queries = captured(lambda n=n: client.get(grid_urls[n]))
        assert response.status_code == 200, response.status_code
        body = response.content
        assert body.count(b'class="grid__student"') == n, "a student is missing from the grid"
        tbody = body.split(b"<tbody>")[1].split(b"</tbody>")[0]
        cells = tbody.count(b"<td") - tbody.count(b'<td class="grid__num">')
        assert cells == n * len(comp_ids), "a cell is missing"
        floor, floor_queries = captured(lambda n=n: client.get(floor_urls[n]))
        assert floor.content == str(n * len(comp_ids)).encode(), floor.content
        info[n] = {
            "queries": len(queries),
            "sql": [short(q) for q in queries],
            "kb": round(len(body) / 1024, 1),
            "gzip_kb": round(len(gzip.compress(body, 6)) / 1024, 1),
            "floor_queries": len(floor_queries),
        }

    # Timing: warm-ups, then interleaved runs so drift hits grid and floor alike.
    for _ in range(args.warmup):
        for n in sizes:
            client.get(grid_urls[n])
            client.get(floor_urls[n])
    samples: dict[str, list[float]] = defaultdict(list)
    gc.collect()
    for _ in range(args.runs):
        for n in sizes:
            samples[f"floor_{n}"].append(timed(lambda n=n: client.get(floor_urls[n])))
            samples[f"grid_{n}"].append(timed(lambda n=n: client.get(grid_urls[n])))

    # Where the grid's time goes (separate, instrumented runs).
    with phases() as state:
        phase_runs = max(5, args.runs // 2)
        totals = [timed(lambda: client.get(grid_urls[BIG])) for _ in range(phase_runs)]
    total = statistics.mean(totals)
    breakdown = {
        "runs": phase_runs,
        "total_ms": round(total, 2),
        "class_grid_ms": round(state["ms"]["class_grid"] / phase_runs, 2),
        "class_grid_db_ms": round(state["db_ms"]["class_grid"] / phase_runs, 2),
        "class_grid_queries": state["q"]["class_grid"] / phase_runs,
        "render_ms": round(state["ms"]["render"] / phase_runs, 2),
        "render_db_ms": round(state["db_ms"]["render"] / phase_runs, 2),
        "render_queries": state["q"]["render"] / phase_runs,
        "rest_ms": round(
            total - (state["ms"]["class_grid"] + state["ms"]["render"]) / phase_runs, 2
        ),
        "rest_db_ms": round(state["db_ms"]["request"] / phase_runs, 2),
        "rest_queries": state["q"]["request"] / phase_runs,
    }

    grid: dict[str, Any] = {}
    for n in sizes:
        g, f = summary(samples[f"grid_{n}"]), summary(samples[f"floor_{n}"])
        grid[str(n)] = {
            **info[n],
            "grid": g,
            "floor": f,
            "ratio": round(g["median_ms"] / f["median_ms"], 2),
        }
    results["grid"] = grid
    results["grid_breakdown_150"] = breakdown
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(3):
            client.get(grid_urls[BIG])
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "grid_profile.txt").write_text(out.getvalue())
        results["profile_file"] = str((RESULTS_DIR / "grid_profile.txt").relative_to(ROOT))


def measure_record(world: World, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """POST a whole class's scores (30 students) in one request, beside a floor that only
    bulk-inserts the same 30 evidence rows in one transaction."""
    from django.db import connection, transaction
    from django.http import HttpRequest, HttpResponse
    from django.test import Client
    from django.urls import clear_url_caches, path, reverse
    from django.utils import timezone

    import bench.urls
    from mastery.models import Evidence, MasteryRecord

    today = timezone.localdate()
    section = world.small
    student_ids = world.students[section.pk]
    rng = random.Random(7)

    def record_floor_view(request: HttpRequest, pk: int) -> HttpResponse:
        cid = int(request.POST["competency"])
        rows = [
            Evidence(
                student_id=sid,
                competency_id=cid,
                section_id=pk,
                score=Decimal(request.POST[f"score_{sid}"]),
                observed_on=today,
                kind=Evidence.Kind.ASSESSMENT,
                title="bench floor",
                author_id=world.teacher.pk,
                status=Evidence.Status.ACCEPTED,
            )
            for sid in student_ids
        ]
        with transaction.atomic():
            created = Evidence.objects.bulk_create(rows)
        return HttpResponse(str(len(created)), content_type="text/plain")

    bench.urls.urlpatterns.append(path("bench/record-floor/<int:pk>/", record_floor_view))
    clear_url_caches()
    client = Client()
    client.force_login(world.teacher)
    url = reverse("section-record", args=[section.pk])
    floor_url = f"/bench/record-floor/{section.pk}/"

    def payload(competency: Any, title: str) -> dict[str, str]:
        data = {
            "competency": str(competency.pk),
            "title": title,
            "observed_on": today.isoformat(),
            "kind": Evidence.Kind.ASSESSMENT,
            "note": "",
        }
        data.update({f"score_{sid}": str(rng.choice([1, 2, 3, 3, 4])) for sid in student_ids})
        return data

    # Each real POST scores a different target; each is checked after it returns.
    targets = iter(world.leaves)
    floor_target = world.leaves[-1]
    writes: list[dict[str, Any]] = []

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        # pghistory prefixes "SELECT set_config(...); " to statements inside its context.
        match = WRITE.search(sql)
        if match:
            writes.append(
                {
                    "verb": match.group(1).upper(),
                    "in_atomic_block": connection.in_atomic_block,
                    "autocommit": connection.get_autocommit(),
                }
            )
        return execute(sql, params, many, context)

    def post_and_check(competency: Any, measure_queries: bool = False) -> dict[str, Any]:
        before = dict(
            MasteryRecord.objects.filter(
                student_id__in=student_ids, competency=competency
            ).values_list("student_id", "evidence_count")
        )
        start_id = Evidence.objects.order_by("-id").values_list("id", flat=True).first() or 0
        data = payload(competency, f"Quiz on {competency.code}")
        writes.clear()
        queries: list[str] = []
        t0 = time.perf_counter()
        if measure_queries:
            with connection.execute_wrapper(watch):
                response, queries = captured(lambda: client.post(url, data))
        else:
            response = client.post(url, data)
        ms = (time.perf_counter() - t0) * 1000
        assert response.status_code == 302, (response.status_code, response.content[:2000])
        new = Evidence.objects.filter(id__gt=start_id, competency=competency)
        assert new.count() == len(student_ids), new.count()
        # One transaction: every row it wrote carries the same transaction id (xmin).
        with connection.cursor() as cur:
            cur.execute(
                f"""SELECT count(DISTINCT xmin::text) FROM (
                        SELECT xmin FROM {Evidence._meta.db_table}
                        WHERE id > %s AND competency_id = %s
                        UNION ALL
                        SELECT xmin FROM {MasteryRecord._meta.db_table}
                        WHERE competency_id = %s AND student_id = ANY(%s)
                    ) t""",
                [start_id, competency.pk, competency.pk, student_ids],
            )
            transactions = cur.fetchone()[0]
        after = dict(
            MasteryRecord.objects.filter(
                student_id__in=student_ids, competency=competency
            ).values_list("student_id", "evidence_count")
        )
        assert all(after[s] == before.get(s, 0) + 1 for s in student_ids), "count not updated"
        mismatches = record_mismatches([(s, competency) for s in student_ids])
        assert not mismatches, mismatches[:3]
        return {"ms": ms, "queries": queries, "transactions": transactions}

    def floor_post() -> float:
        data = payload(floor_target, "bench floor")
        ms = timed(lambda: client.post(floor_url, data))
        Evidence.objects.filter(competency=floor_target, title="bench floor").delete()
        return ms

    first = post_and_check(next(targets), measure_queries=True)
    first_writes = list(writes)
    for _ in range(args.record_warmup):
        post_and_check(next(targets))
        floor_post()
    real: list[float] = []
    floor: list[float] = []
    distinct_xmin = {first["transactions"]}
    for _ in range(args.record_runs):
        floor.append(floor_post())
        run = post_and_check(next(targets))
        real.append(run["ms"])
        distinct_xmin.add(run["transactions"])
    r, f = summary(real), summary(floor)
    statements = [q.strip().split(None, 1)[0].upper() for q in first["queries"]]
    shapes = Counter(short(re.sub(r"\d+", "N", q), 120) for q in first["queries"])
    records_table = MasteryRecord._meta.db_table
    results["record"] = {
        "students": len(student_ids),
        "queries": len(first["queries"]),
        "sql": [short(q) for q in first["queries"]],
        "repeated_sql": [[n, q] for q, n in shapes.most_common() if n > 1],
        "begin": statements.count("BEGIN"),
        "commit": statements.count("COMMIT"),
        "savepoints": statements.count("SAVEPOINT"),
        # mastery_recompute may write records through the raw psycopg2 cursor, which Django's
        # query log (and assertNumQueries) does not see; the xmin check above still covers it.
        "records_update_in_django_log": any(
            re.search(rf'UPDATE\s+"?{records_table}"?', q) for q in first["queries"]
        ),
        "write_statements": [w["verb"] for w in first_writes],
        "write_statements_inside_transaction": sum(
            1 for w in first_writes if w["in_atomic_block"] and not w["autocommit"]
        ),
        "transactions_per_post": sorted(distinct_xmin),
        "records_current_on_return": True,  # asserted after every POST
        "posts_checked": 1 + args.record_warmup + args.record_runs,
        "record": r,
        "floor": f,
        "ratio": round(r["median_ms"] / f["median_ms"], 2),
    }


# --- over HTTP: LearnHub on gunicorn, Kolibri's coach summary, one after the other -------------


@contextmanager
def gunicorn(port: int) -> Iterator[str]:
    """LearnHub on gunicorn (one sync worker, as the production image runs it, bench settings),
    on 127.0.0.1 only; stopped by its pid."""
    log = open(RESULTS_DIR / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "learnhub.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120"),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(240):
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log.name}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.25)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def curl(url: str, cookie: str) -> tuple[int, float, int]:
    """One GET the way kolibri-peer.sh times Kolibri: curl, a new connection, no gzip;
    time_total in ms."""
    out = subprocess.run(
        [
            *("curl", "-s", "-o", "/dev/null", "-b", cookie),
            *("-w", "%{http_code}\t%{time_total}\t%{size_download}", url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    code, seconds, size = out.split("\t")
    return int(code), float(seconds) * 1000, int(size)


def measure_http(world: World, args: argparse.Namespace, results: dict[str, Any]) -> None:
    from django.conf import settings
    from django.db import connections
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(world.teacher)  # a database session gunicorn can read
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    connections.close_all()
    sizes = {SMALL: world.small.pk, BIG: world.big.pk}
    with gunicorn(args.port) as base:
        urls = {}
        for n, pk in sizes.items():
            urls[f"grid_{n}"] = base + reverse("section-grid", args=[pk])
            urls[f"floor_{n}"] = f"{base}/bench/floor/{pk}/"
        for name, url in urls.items():
            code, _, size = curl(url, cookie)  # warm-up, checked
            assert code == 200, (name, code)
            results.setdefault("http_bytes", {})[name] = size
        samples: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.http_runs):
            for name, url in urls.items():
                samples[name].append(curl(url, cookie)[1])
    http: dict[str, Any] = {name: summary(values) for name, values in samples.items()}
    for n in sizes:
        http[f"ratio_{n}"] = round(
            http[f"grid_{n}"]["median_ms"] / http[f"floor_{n}"]["median_ms"], 2
        )
    results["http"] = {"runs": args.http_runs, "server": "gunicorn, 1 sync worker", **http}


def measure_kolibri(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Run kolibri-peer.sh (install Kolibri from PyPI into a venv under /tmp, seed the same
    150 × 60 × 20 class, time its coach endpoints with curl), or read a finished run's files
    (``--kolibri-results``); keep the class summary's figures."""
    work = Path(args.kolibri_results or args.kolibri_work)
    if not args.kolibri_results:
        if not shutil.which("curl"):
            sys.exit("bench: curl is needed to time Kolibri and LearnHub over HTTP")
        env = {**os.environ, "WORK": str(work), "RUNS": str(args.http_runs)}
        env["KEEP_VENV"] = "1" if (work / "venv" / "bin" / "kolibri").exists() else "0"
        for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "LEARNHUB_BENCH_DATABASE_URL"):
            env.pop(key, None)
        t0 = time.perf_counter()
        with open(RESULTS_DIR / "kolibri-peer.log", "w") as log:
            subprocess.run(["bash", KOLIBRI_PEER], env=env, stdout=log, stderr=log, check=True)
        results["kolibri_run_s"] = round(time.perf_counter() - t0, 1)
    rows = [
        line.rstrip("\n").split("\t")
        for line in (work / "times.tsv").read_text().splitlines()
        if line.strip()
    ]
    mine = [r for r in rows if r[0] == "classsummary"]
    assert mine and all(r[2] == "200" for r in mine), "Kolibri's class summary did not answer 200"
    queries = json.loads((work / "queries.json").read_text())["classsummary"]
    version = next(
        (
            line.split(":", 1)[1].strip()
            for line in (work / "results.txt").read_text().splitlines()
            if line.startswith("kolibri_version:")
        ),
        "?",
    )
    results["kolibri"] = {
        "source": str(work),
        "version": version,
        "endpoint": "/coach/api/classsummary/<classroom>/",
        "classsummary": summary([float(r[3]) * 1000 for r in mine]),
        "queries": queries["queries"],
        "kb": round(int(mine[0][4]) / 1024, 1),
    }


# --- reporting ---------------------------------------------------------------------------------


def ok(flag: bool) -> str:
    return "ok" if flag else "OVER"


def report(results: dict[str, Any]) -> str:
    g30, g150 = results["grid"][str(SMALL)], results["grid"][str(BIG)]
    rec = results["record"]
    b = results["grid_breakdown_150"]
    http, kol = results.get("http"), results.get("kolibri")
    size30 = f"{g30['kb']} ({g30['gzip_kb']})"
    size150 = f"{g150['kb']} ({g150['gzip_kb']})"
    inside = f"{rec['write_statements_inside_transaction']}/{len(rec['write_statements'])}"
    checked = f"{rec['posts_checked']}/{rec['posts_checked']} POSTs"
    tx = f"{rec['begin']} / {rec['commit']} / {rec['savepoints']}"
    lines = [
        "",
        f"LearnHub bench: class grid and class scoring ({results['when']}, "
        f"{results['machine']['cpus']} CPUs, PostgreSQL {results['machine']['postgres']})",
        f"data: {results['data']['students']} students, {results['data']['learning_targets']} "
        f"targets, {results['data']['evidence_rows']:,} evidence rows "
        f"({results['data']['evidence_rows_big_section']:,} in the 150-student section), "
        f"{results['data']['mastery_records']:,} mastery records, spot-check "
        f"{results['spot_check']['checked']} records: {results['spot_check']['mismatches']} "
        "mismatches",
        "",
        f"{'measure':<48} {'30 students':>14} {'150 students':>14}  bar",
        f"{'-' * 48} {'-' * 14} {'-' * 14}  {'-' * 24}",
        f"{'grid: SQL queries (whole request)':<48} {g30['queries']:>14} {g150['queries']:>14}  "
        f"equal, <= {BAR_QUERIES}: "
        f"{ok(g30['queries'] == g150['queries'] and g150['queries'] <= BAR_QUERIES)}",
        f"{'grid: response size, KB (gzip KB)':<48} "
        f"{size30:>14} {size150:>14}  "
        f"<= {BAR_KB} KB: {ok(g150['kb'] <= BAR_KB)}",
        f"{'grid: server time, median ms':<48} {g30['grid']['median_ms']:>14} "
        f"{g150['grid']['median_ms']:>14}",
        f"{'floor (same rows, 1 query of its own): median ms':<48} "
        f"{g30['floor']['median_ms']:>14} "
        f"{g150['floor']['median_ms']:>14}",
        f"{'grid / floor':<48} {g30['ratio']:>13}x {g150['ratio']:>13}x  "
        f"<= {BAR_RATIO:g}x: {ok(g150['ratio'] <= BAR_RATIO)}",
        "",
        f"150-student grid, where the time goes (mean of {b['runs']} instrumented runs, "
        f"{b['total_ms']} ms):",
        f"  class_grid selector   {b['class_grid_ms']:>8} ms  "
        f"({b['class_grid_queries']:g} queries, {b['class_grid_db_ms']} ms in the database)",
        f"  template rendering    {b['render_ms']:>8} ms  "
        f"({b['render_queries']:g} queries, {b['render_db_ms']} ms in the database)",
        f"  rest of the request   {b['rest_ms']:>8} ms  "
        f"({b['rest_queries']:g} queries: session, user and roles, section)",
        "",
        f"{'recording a class (POST, 30 students)':<48} {'ours':>14} {'floor':>14}  bar",
        f"{'-' * 48} {'-' * 14} {'-' * 14}  {'-' * 24}",
        f"{'median ms (floor: bulk INSERT of the 30 rows)':<48} {rec['record']['median_ms']:>14} "
        f"{rec['floor']['median_ms']:>14}  ratio {rec['ratio']}x",
        f"{'SQL statements in Django log (incl. BEGIN/COMMIT)':<48} {rec['queries']:>14}"
        + (
            ""
            if rec["records_update_in_django_log"]
            else "  + 1 UPDATE of the records via raw psycopg2 (not logged)"
        ),
        f"{'BEGIN / COMMIT / SAVEPOINT':<48} {tx:>14}",
        *[f"  repeated {n}x: {q[:90]}" for n, q in rec["repeated_sql"]],
        f"{'transactions per POST (distinct xmin of writes)':<48} "
        f"{','.join(map(str, rec['transactions_per_post'])):>14} {'':>14}  "
        f"one: {ok(rec['transactions_per_post'] == [1])}",
        f"{'write statements inside the transaction':<48} {inside:>14}",
        f"{'mastery records current on return':<48} "
        f"{checked:>14} {'':>14}  "
        f"{ok(rec['records_current_on_return'])}",
        "",
    ]
    if http:
        lines += [
            f"over HTTP (curl, {http['runs']} runs, {http['server']})"
            f"{'':<4} {'30 students':>14} {'150 students':>14}  bar",
            f"{'-' * 48} {'-' * 14} {'-' * 14}  {'-' * 24}",
            f"{'grid: median ms':<48} {http[f'grid_{SMALL}']['median_ms']:>14} "
            f"{http[f'grid_{BIG}']['median_ms']:>14}",
            f"{'floor: median ms':<48} {http[f'floor_{SMALL}']['median_ms']:>14} "
            f"{http[f'floor_{BIG}']['median_ms']:>14}",
            f"{'grid / floor':<48} {http[f'ratio_{SMALL}']:>13}x {http[f'ratio_{BIG}']:>13}x  "
            f"<= {BAR_RATIO:g}x: {ok(http[f'ratio_{BIG}'] <= BAR_RATIO)}",
            "",
        ]
    if http and kol:
        ours = http[f"grid_{BIG}"]["median_ms"]
        theirs = kol["classsummary"]["median_ms"]
        lines += [
            f"{'vs Kolibri ' + kol['version'] + ' coach class summary, same run':<48} "
            f"{'Kolibri':>14} {'LearnHub':>14}",
            f"{'-' * 48} {'-' * 14} {'-' * 14}",
            f"{'time over HTTP (curl), median ms':<48} {theirs:>14} {ours:>14}  "
            f"{theirs / ours:.1f}x faster; aim >= {BAR_SPEEDUP_VS_KOLIBRI:g}x: "
            f"{ok(theirs / ours >= BAR_SPEEDUP_VS_KOLIBRI)}",
            f"{'SQL queries':<48} {kol['queries']:>14} {g150['queries']:>14}",
            f"{'response, KB':<48} {kol['kb']:>14} {g150['kb']:>14}",
            "",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed grid runs (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="grid warm-ups (default 3)")
    parser.add_argument("--record-runs", type=int, default=9, help="timed class POSTs (9)")
    parser.add_argument("--record-warmup", type=int, default=2, help="class POST warm-ups (2)")
    parser.add_argument(
        "--db-name", default="learnhub_bench", help="scratch database (created, then dropped)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true", help="also cProfile the 150-student grid")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--http-runs", type=int, default=10, help="curl runs per URL (10)")
    parser.add_argument("--port", type=int, default=8095, help="gunicorn port (8095)")
    parser.add_argument(
        "--kolibri-work",
        default="/tmp/kolibri-peer/bench",
        help="WORK directory for kolibri-peer.sh (below /tmp; its venv is reused)",
    )
    parser.add_argument(
        "--kolibri-results", help="read a finished kolibri-peer.sh WORK directory instead"
    )
    parser.add_argument("--no-kolibri", action="store_true", help="skip the Kolibri peer")
    args = parser.parse_args()
    if args.record_runs + args.record_warmup + 1 > DOMAINS * TARGETS_PER_DOMAIN - 1:
        parser.error("too many record runs for 60 targets")
    # The script drops this database: never let it name a real one.
    if not re.fullmatch(r"[a-z0-9_]*bench[a-z0-9_]*", args.db_name):
        parser.error("--db-name must be lower-case letters, digits, _ and contain 'bench'")

    server = server_url()
    create_database(server, args.db_name)
    os.environ["LEARNHUB_BENCH_DATABASE_URL"] = with_database(server, args.db_name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # no collectstatic here
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections
        from django.utils import timezone

        from mastery.models import MasteryRecord

        results: dict[str, Any] = {
            "when": dt.datetime.now().isoformat(timespec="seconds"),
            "command": "python bench/grid.py " + " ".join(sys.argv[1:]),
        }
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        results["setup"] = {"migrate_s": round(time.perf_counter() - t0, 1)}
        print(f"bench: migrated {args.db_name} in {results['setup']['migrate_s']} s", flush=True)

        world = build(timezone.localdate(), args.seed)
        results["setup"].update({k: round(v, 1) for k, v in world.timings.items()})
        results["data"] = world.counts
        print(f"bench: built {world.counts} {results['setup']}", flush=True)

        # The records must be right: a sample checked against calculation.rollup.
        sample_rng = random.Random(args.seed)
        pairs = [
            (sid, sample_rng.choice(world.leaves))
            for sid in sample_rng.sample(
                sorted(sid for ids in world.students.values() for sid in ids), 60
            )
        ]
        mismatches = record_mismatches(pairs)
        results["spot_check"] = {"checked": len(pairs), "mismatches": len(mismatches)}
        assert not mismatches, mismatches[:5]
        assert MasteryRecord.objects.count() == (BIG + SMALL) * len(world.leaves)

        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            pg = cur.fetchone()[0]
        import django as dj

        results["machine"] = {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "django": dj.get_version(),
            "postgres": pg.split()[0],
            "platform": platform.platform(),
        }
        measure_grid(world, args, results)
        print("bench: grid measured", flush=True)
        measure_record(world, args, results)
        print("bench: class scoring measured", flush=True)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        measure_http(world, args, results)
        print("bench: grid measured over HTTP (gunicorn)", flush=True)
        if not args.no_kolibri:
            measure_kolibri(args, results)
            print("bench: Kolibri peer measured", flush=True)

        g150 = results["grid"][str(BIG)]
        g30 = results["grid"][str(SMALL)]
        http = results["http"]
        results["bars"] = {
            "grid_queries_equal_and_le_10": g30["queries"] == g150["queries"] <= BAR_QUERIES,
            "grid_ratio_le_2x_in_process": g150["ratio"] <= BAR_RATIO,
            "grid_ratio_le_2x_http": http[f"ratio_{BIG}"] <= BAR_RATIO,
            "grid_kb_le_300": g150["kb"] <= BAR_KB,
            "record_one_transaction": results["record"]["transactions_per_post"] == [1],
            "record_records_current": results["record"]["records_current_on_return"],
        }
        if "kolibri" in results:
            speedup = (
                results["kolibri"]["classsummary"]["median_ms"] / http[f"grid_{BIG}"]["median_ms"]
            )
            results["kolibri"]["speedup_http"] = round(speedup, 1)
            results["bars"]["grid_5x_faster_than_kolibri_http"] = speedup >= BAR_SPEEDUP_VS_KOLIBRI
        text = report(results)
        print(text)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "grid.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"bench: wrote {(RESULTS_DIR / 'grid.json').relative_to(ROOT)}")
        connections.close_all()
    finally:
        if args.keep:
            kept = os.environ["LEARNHUB_BENCH_DATABASE_URL"]
            print(f"bench: kept database {args.db_name} ({kept})")
        else:
            try:
                from django.db import connections as conns

                conns.close_all()
            except Exception:  # Django may not even be set up
                pass
            drop_database(server, args.db_name)
            print(f"bench: dropped database {args.db_name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
