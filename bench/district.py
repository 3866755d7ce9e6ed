"""A district for the scan at scale (``manage.py seed_scale``): schools of 2,000 students, each
with a term, advisories and four subjects' classes, frameworks with pacing plans, about 200
evidence rows per student, goals with weekly check-ins and daily attendance.

People, frameworks and plans are a few ``bulk_create`` calls per school; evidence, check-ins
and attendance are one ``INSERT … SELECT generate_series`` each for the whole district, so
50,000 students and 10 million evidence rows take minutes. Mastery records come from the
application's own ``mastery_recompute``.

Each student follows a hidden trajectory, written beside the data in the table
``scale_trajectory (student_id, school_id, kind, turn_on)``: ``steady`` (on pace), ``ahead``,
``falling_slow`` and ``falling_sudden`` (from ``turn_on``), ``absent`` (chronically absent from
``turn_on``) and ``recovering`` (behind until ``turn_on``, then catching up). bench/scan.py
compares the flags with it; nothing in the application reads it.

Bulk rows are written with ``session_replication_role = replica`` (no history triggers, no
foreign-key triggers: the SQL below only references rows it just made), because the history of
a synthetic district is not what is measured; the seed says so when it starts.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

SCHOOL_SIZE = 2_000
GROUP = 25  # students per class and per advisory
SUBJECTS = ("Mathematics", "English", "Science", "Humanities")
DOMAINS = 4
TARGETS_PER_DOMAIN = 5  # 20 learning targets per subject
EVIDENCE_PER_TARGET = 4
TERM_DAYS = 180
ELAPSED_DAYS = 126  # the term started 18 weeks before "today"

# Share of students per trajectory (cumulative order matters only for the random draw).
TRAJECTORIES = (
    ("steady", 0.55),
    ("ahead", 0.15),
    ("falling_slow", 0.09),
    ("falling_sudden", 0.06),
    ("absent", 0.08),
    ("recovering", 0.07),
)
FALLING = ("falling_slow", "falling_sudden", "absent")
STEADY = ("steady", "ahead")


@contextmanager
def _bulk_writes() -> Iterator[Any]:
    """A transaction whose rows skip the history and foreign-key triggers (see above)."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        try:
            yield cur
        finally:
            cur.execute("SET LOCAL session_replication_role = origin")


@dataclass
class District:
    schools: list[int] = field(default_factory=list)
    students: int = 0
    evidence: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    term_start: dt.date | None = None
    today: dt.date | None = None


def _monday_on_or_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def district_seed(
    *,
    students: int = 50_000,
    seed: int = 1,
    today: dt.date | None = None,
    progress: Callable[[str], None] = print,
) -> District:
    """Build the district; refuses if a district (the trajectory table) already exists."""
    from profiles.models import School

    rng = random.Random(seed)
    today = today or dt.date.today()
    start = _monday_on_or_before(today - dt.timedelta(days=ELAPSED_DAYS))
    district = District(term_start=start, today=today)
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('scale_trajectory') IS NOT NULL")
        if cur.fetchone()[0]:
            raise RuntimeError(
                "This database already holds a district (table scale_trajectory): "
                "use a fresh database for seed_scale."
            )
        cur.execute(
            "CREATE TABLE scale_trajectory (student_id bigint PRIMARY KEY, school_id bigint "
            "NOT NULL, kind text NOT NULL, turn_on date)"
        )
    n_schools = max(1, -(-students // SCHOOL_SIZE))
    t0 = time.perf_counter()
    made = 0
    for s in range(n_schools):
        size = min(SCHOOL_SIZE, students - made)
        school = _school_seed(index=s, size=size, start=start, today=today, rng=rng)
        district.schools.append(school)
        made += size
        progress(f"  school {s + 1}/{n_schools}: {made:,} of {students:,} students")
    district.timings["people_frameworks_s"] = time.perf_counter() - t0
    district.students = made

    t0 = time.perf_counter()
    with _bulk_writes() as cur:
        cur.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        _evidence_insert(cur, start=start, today=today)
        district.evidence = cur.rowcount
    from mastery.services import score_tally_rebuild

    score_tally_rebuild()  # the bulk insert skipped the evidence's triggers
    district.timings["evidence_s"] = time.perf_counter() - t0
    progress(f"  evidence: {district.evidence:,} rows")

    t0 = time.perf_counter()
    with _bulk_writes() as cur:
        _checkins_insert(cur, start=start, today=today)
        checkins = cur.rowcount
        _attendance_insert(cur, start=start, today=today)
        attendance = cur.rowcount
    district.timings["checkins_attendance_s"] = time.perf_counter() - t0
    progress(f"  check-ins: {checkins:,}; attendance: {attendance:,} marks")

    t0 = time.perf_counter()
    _records_recompute(progress)
    district.timings["mastery_recompute_s"] = time.perf_counter() - t0
    with connection.cursor() as cur:
        # What autovacuum does on a live database (it is off on some servers, this machine's
        # included): the recompute's UPDATE left a dead version of every record, which the
        # scan's index reads would step over; VACUUM needs autocommit, a test's transaction
        # gets ANALYZE alone.
        cur.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    assert School.objects.filter(pk__in=district.schools).count() == n_schools
    return district


def _school_seed(
    *, index: int, size: int, start: dt.date, today: dt.date, rng: random.Random
) -> int:
    from goals.models import Goal, GoalCategory
    from mastery.models import Competency, Framework, PacingPlan, PacingTarget, SectionCompetency
    from profiles.models import (
        Enrollment,
        LearnerProfile,
        Membership,
        Role,
        School,
        Section,
        Term,
        User,
    )
    from profiles.services import school_setup

    tag = f"d{index + 1:02d}"
    with transaction.atomic():
        school = School.objects.create(name=f"District School {index + 1}", identifier=tag)
        school_setup(school=school)
        term = Term.objects.create(
            school=school,
            title="Fall term",
            start_date=start,
            end_date=start + dt.timedelta(days=TERM_DAYS),
        )
        n_groups = -(-size // GROUP)
        teachers = User.objects.bulk_create(
            User(
                email=f"teacher{t:03d}.{tag}@scale.example",
                given_name="Teacher",
                family_name=f"{t:03d} {tag}",
                password="!scale-unusable",
            )
            for t in range(n_groups)
        )
        people = User.objects.bulk_create(
            (
                User(
                    email=f"student{i:05d}.{tag}@scale.example",
                    given_name="Student",
                    family_name=f"{i:05d} {tag}",
                    password="!scale-unusable",
                )
                for i in range(size)
            ),
            batch_size=2_000,
        )
        Membership.objects.bulk_create(
            [Membership(user=t, school=school, role=Role.TEACHER) for t in teachers]
            + [
                Membership(user=p, school=school, role=Role.STUDENT, grade_level="7")
                for p in people
            ],
            batch_size=5_000,
        )
        LearnerProfile.objects.bulk_create(
            (LearnerProfile(student=p) for p in people), batch_size=5_000
        )
        advisories = Section.objects.bulk_create(
            Section(
                school=school, name=f"Advisory {g + 1}", code=f"ADV-{tag}-{g + 1}", kind="advisory"
            )
            for g in range(n_groups)
        )
        classes: dict[str, list[Section]] = {
            subject: Section.objects.bulk_create(
                Section(
                    school=school,
                    name=f"{subject} {g + 1}",
                    code=f"{subject[:3].upper()}-{tag}-{g + 1}",
                    subject=subject,
                )
                for g in range(n_groups)
            )
            for subject in SUBJECTS
        }
        for section in advisories + [c for cs in classes.values() for c in cs]:
            section.terms.add(term)
        enrollments = []
        for g in range(n_groups):
            enrollments.append(Enrollment(section=advisories[g], user=teachers[g], role="teacher"))
            for subject in SUBJECTS:
                # Each teacher teaches one subject's groups: teacher g teaches group g.
                enrollments.append(
                    Enrollment(section=classes[subject][g], user=teachers[g], role="teacher")
                )
        for i, person in enumerate(people):
            g = i // GROUP
            enrollments.append(Enrollment(section=advisories[g], user=person, role="student"))
            for k, subject in enumerate(SUBJECTS):
                # Classes mix advisories: shift the group by subject.
                enrollments.append(
                    Enrollment(
                        section=classes[subject][(g + k * 3) % n_groups],
                        user=person,
                        role="student",
                    )
                )
        Enrollment.objects.bulk_create(enrollments, batch_size=5_000)

        plans = []
        for s, subject in enumerate(SUBJECTS):
            framework = Framework.objects.create(
                school=school,
                title=f"Grade 7 {subject}",
                identifier=f"{tag}-fw-{s}",
                subject=subject,
            )
            domains = Competency.objects.bulk_create(
                Competency(
                    framework=framework,
                    identifier=f"{tag}-{s}-d{d}",
                    code=f"{subject[:2].upper()}.{d}",
                    statement=f"{subject} strand {d}",
                    order=d,
                    depth=0,
                    sort_key=f"{d:04d}",
                    is_leaf=False,
                )
                for d in range(1, DOMAINS + 1)
            )
            leaves = Competency.objects.bulk_create(
                Competency(
                    framework=framework,
                    parent=domain,
                    identifier=f"{domain.identifier}-{j}",
                    code=f"{domain.code}.{j}",
                    statement=f"{subject} strand {d} target {j}",
                    order=j,
                    depth=1,
                    sort_key=f"{domain.sort_key}.{j:04d}",
                    is_leaf=True,
                )
                for d, domain in enumerate(domains, start=1)
                for j in range(1, TARGETS_PER_DOMAIN + 1)
            )
            SectionCompetency.objects.bulk_create(
                SectionCompetency(section=section, competency=leaf)
                for section in classes[subject]
                for leaf in leaves
            )
            for section in classes[subject]:
                plans.append((PacingPlan(section=section, name=f"{section.name} pacing"), leaves))
        PacingPlan.objects.bulk_create(plan for plan, _ in plans)
        targets = []
        span = TERM_DAYS - 20
        for plan, leaves in plans:
            for i, leaf in enumerate(leaves):
                targets.append(
                    PacingTarget(
                        plan=plan,
                        competency=leaf,
                        expected_by=start + dt.timedelta(days=14 + (span * i) // len(leaves)),
                    )
                )
        PacingTarget.objects.bulk_create(targets, batch_size=5_000)

        category = GoalCategory.objects.filter(school=school).order_by("order").first()
        Goal.objects.bulk_create(
            (
                Goal(
                    student=p,
                    title=title,
                    category=category,
                    target_date=start + dt.timedelta(days=TERM_DAYS - 10),
                    term=term,
                    status="active",
                    origin="student",
                    approved_by=teachers[i // GROUP],
                )
                for i, p in enumerate(people)
                for title in ("Read two books this term", "Finish every maths unit on time")
            ),
            batch_size=5_000,
        )
        # Set at the start of term, as the goals were: ``created_at`` would otherwise be the
        # moment of seeding, and a replay of the term would see no goal before its last day.
        Goal.objects.filter(student__in=people).update(
            created_at=dt.datetime.combine(start, dt.time(9), tzinfo=school.tzinfo),
            approved_at=dt.datetime.combine(start, dt.time(9), tzinfo=school.tzinfo),
        )

        # The hidden trajectories: one draw per student, turns between school weeks 3 and 12.
        kinds, weights = zip(*TRAJECTORIES, strict=True)
        rows = []
        for p in people:
            kind = rng.choices(kinds, weights)[0]
            turn = None
            if kind != "steady" and kind != "ahead":
                turn = start + dt.timedelta(days=rng.randint(21, 84))
            rows.append((p.pk, school.pk, kind, turn))
        with connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO scale_trajectory (student_id, school_id, kind, turn_on) "
                "VALUES (%s, %s, %s, %s)",
                rows,
            )
    return school.pk


# A student's score on a day: a base rising by a quarter per piece of evidence on the target
# (SCORE_BASE + SCORE_STEP * k, k = 1..4), an ability (a fixed shift per student, uniform in
# ±ABILITY), the trajectory's push, and noise (triangular, ±SCORE_NOISE points); rounded onto
# the 1–4 scale. The schools roll up by the default decaying average (65 %), under which one
# early 2 before three 3s is 2.96, "approaching": a steady student must mostly score 3s from the
# first check to master a target by its date. With a base of 2.6 the weakest steady students
# (ability −0.25) missed 29 % of their targets and the average one 10 %, so a "steady on pace"
# student ended the term 3 to 16 targets behind the plan by the application's own calculation;
# with 2.85 the weakest miss 5 %, the average one 1.4 % (bench/README.md, "the generator").
SCORE_BASE = 2.85
SCORE_STEP = 0.25
SCORE_NOISE = 0.9
ABILITY = 0.25
_PUSH = """
    CASE t.kind
      WHEN 'ahead' THEN 0.6
      WHEN 'falling_slow' THEN CASE WHEN g.day >= t.turn_on
           THEN -LEAST(2.0, 0.035 * (g.day - t.turn_on)) ELSE 0 END
      WHEN 'falling_sudden' THEN CASE WHEN g.day >= t.turn_on THEN -1.5 ELSE 0 END
      WHEN 'absent' THEN CASE WHEN g.day >= t.turn_on THEN -0.6 ELSE 0 END
      WHEN 'recovering' THEN CASE WHEN g.day < t.turn_on THEN -1.3
           ELSE -GREATEST(0, 1.3 - 0.065 * (g.day - t.turn_on)) END
      ELSE 0 END
"""
# Share of evidence that is never recorded: a student who falls suddenly or stops coming in
# stops producing work.
_SKIP = """
    CASE WHEN t.kind = 'falling_sudden' AND g.day >= t.turn_on THEN 0.6
         WHEN t.kind = 'absent' AND g.day >= t.turn_on THEN 0.45 ELSE 0.03 END
"""


def _evidence_insert(cur, *, start: dt.date, today: dt.date) -> None:
    cur.execute(
        f"""
        INSERT INTO mastery_evidence
            (student_id, competency_id, section_id, score, observed_on, kind, title, note, link,
             status, author_id, reviewed_by_id, review_comment, created_at, updated_at)
        SELECT g.student_id, g.competency_id, g.section_id,
               LEAST(4, GREATEST(1, round({SCORE_BASE} + {SCORE_STEP} * g.k + g.ability
                     + {_PUSH} + {SCORE_NOISE} * (random() + random() - 1))))::numeric(5, 2),
               g.day, 'assessment', 'Check ' || g.k, '', '', 'accepted', g.author_id, NULL, '',
               g.day + time '15:30', g.day + time '15:30'
        FROM (
            SELECT e.user_id AS student_id, pt.competency_id, e.section_id, k,
                   {ABILITY} * (hashtext(e.user_id::text) %% 1000) / 1000.0 AS ability,
                   te.user_id AS author_id,
                   -- four pieces of evidence in the three weeks before the expected date,
                   -- moved off weekends
                   (pt.expected_by - 21 + 6 * k + (random() * 2)::int) AS raw_day
            FROM profiles_enrollment e
            JOIN mastery_pacingplan pp ON pp.section_id = e.section_id
            JOIN mastery_pacingtarget pt ON pt.plan_id = pp.id
            JOIN profiles_enrollment te ON te.section_id = e.section_id AND te.role = 'teacher'
            CROSS JOIN generate_series(1, {EVIDENCE_PER_TARGET}) AS k
            WHERE e.role = 'student'
        ) r
        CROSS JOIN LATERAL (
            SELECT r.*, (r.raw_day - CASE extract(isodow FROM r.raw_day)
                         WHEN 6 THEN 1 WHEN 7 THEN 2 ELSE 0 END)::date AS day
        ) g
        JOIN scale_trajectory t ON t.student_id = g.student_id
        WHERE g.day BETWEEN %(start)s AND %(today)s AND random() >= {_SKIP}
        ORDER BY g.student_id, g.competency_id, g.day
        """,
        {"start": start, "today": today},
    )


def _checkins_insert(cur, *, start: dt.date, today: dt.date) -> None:
    # Weekly check-ins on each goal; a student who falls behind stops checking in at the turn.
    cur.execute(
        """
        INSERT INTO goals_checkin (goal_id, author_id, progress, progress_derived, confidence,
                                   what_helped, what_got_in_the_way, next_step, created_at)
        SELECT g.id, g.student_id, LEAST(100, w * 6), false,
               CASE WHEN t.kind IN ('steady', 'ahead') THEN 4 ELSE 3 END, '', '', '',
               (%(start)s::date + 7 * w + 3) + time '16:00'
        FROM goals_goal g
        JOIN scale_trajectory t ON t.student_id = g.student_id
        CROSS JOIN generate_series(1, 30) AS w
        WHERE %(start)s::date + 7 * w + 3 <= %(today)s
          AND NOT (t.kind IN ('falling_slow', 'falling_sudden', 'absent')
                   AND %(start)s::date + 7 * w + 3 >= t.turn_on)
          AND random() >= 0.08
        """,
        {"start": start, "today": today},
    )


def _attendance_insert(cur, *, start: dt.date, today: dt.date) -> None:
    cur.execute(
        """
        INSERT INTO followups_attendance (school_id, student_id, date, status, source,
                                          recorded_by_id, updated_at)
        SELECT t.school_id, t.student_id, d::date,
               CASE WHEN r < p THEN CASE WHEN r < 0.04 THEN 'tardy' ELSE 'present' END
                    WHEN r < p + (1 - p) * 0.4 THEN 'excused' ELSE 'absent' END,
               'import', NULL, now()
        FROM scale_trajectory t
        CROSS JOIN generate_series(%(start)s::date, %(today)s::date, interval '1 day') AS d
        CROSS JOIN LATERAL (
            SELECT random() AS r,
                   CASE WHEN t.kind = 'absent' AND d >= t.turn_on THEN 0.72 ELSE 0.965 END AS p
        ) x
        WHERE extract(isodow FROM d) < 6
        """,
        {"start": start, "today": today},
    )


def _records_recompute(progress: Callable[[str], None]) -> None:
    from mastery.services import mastery_recompute

    with connection.cursor() as cur:
        cur.execute("SELECT student_id FROM scale_trajectory ORDER BY student_id")
        ids = [r[0] for r in cur.fetchall()]
    chunk = 500
    for n in range(0, len(ids), chunk):
        part = ids[n : n + chunk]
        with connection.cursor() as cur:
            cur.execute(
                "SELECT DISTINCT student_id, competency_id FROM mastery_evidence "
                "WHERE student_id = ANY(%s)",
                [part],
            )
            pairs = cur.fetchall()
        with _bulk_writes():
            mastery_recompute(pairs=pairs)
        if (n // chunk) % 20 == 0 or n + chunk >= len(ids):
            progress(f"  mastery records: {min(n + chunk, len(ids)):,} of {len(ids):,} students")
