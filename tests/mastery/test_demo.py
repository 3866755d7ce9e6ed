"""The demo school's mastery data: frameworks, pacing and a term of evidence, written once.

Seeding takes seconds, so the module seeds once (profiles first, then mastery, like a database
seeded before the mastery step existed) inside a transaction that is rolled back at the end;
each test runs in a savepoint on top of it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Max
from pghistory.models import Context

from core.demo import DemoStep, school_days
from mastery import calculation as calc
from mastery.demo import A as DEMO_ABILITIES
from mastery.demo import Roster, build_mastery_plan, demo_mastery_seed, demo_rosters
from mastery.models import (
    Competency,
    Evidence,
    Framework,
    MasteryRecord,
    PacingPlan,
    PacingTarget,
    Prerequisite,
    ProficiencyLevel,
    SectionCompetency,
)
from mastery.selectors import evidence_waiting_for, pacing_for_section, student_progress
from profiles.demo import DemoSummary, demo_school_seed, demo_school_year
from profiles.models import Enrollment, School, Section, User

TODAY = date(2025, 11, 24)  # a Monday; Fall 2025 started on August 24
FALL_START = date(2025, 8, 24)
REPO_ROOT = Path(__file__).resolve().parents[2]

# Deterministic for TODAY: these change only when the demo content or the plan's logic does.
EVIDENCE = 2560
SUBMITTED = 8
RECORDS = 1181


@dataclass
class Seeded:
    school: DemoSummary
    mastery: DemoStep


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Seeded]:
    with django_db_blocker.unblock(), transaction.atomic():
        school = demo_school_seed(today=TODAY)
        mastery = demo_mastery_seed(today=TODAY)
        yield Seeded(school, mastery)
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded: Seeded, db: None) -> Seeded:
    return seeded


def _user(email_local: str) -> User:
    return User.objects.get(email=f"{email_local}@demo.learnhub.school")


def _section(key: str) -> Section:
    return Section.objects.get(sourced_id=f"demo-class-{key}")


def _rosters() -> list[Roster]:
    return demo_rosters(School.objects.get(sourced_id="demo-school"))


def _snapshot() -> dict[str, object]:
    models = [
        Framework,
        Competency,
        Prerequisite,
        SectionCompetency,
        PacingPlan,
        PacingTarget,
        Evidence,
        MasteryRecord,
        ProficiencyLevel,
    ]
    counts: dict[str, object] = {m.__name__: m.objects.count() for m in models}
    counts["Evidence events"] = Evidence.pgh_event_model.objects.count()
    counts["history contexts"] = Context.objects.count()
    counts["records last updated"] = MasteryRecord.objects.aggregate(Max("updated_at"))
    return counts


# --- What it holds ------------------------------------------------------------------------------


def test_three_frameworks_with_different_calculation_methods(demo):
    frameworks = Framework.objects.filter(school__sourced_id="demo-school").order_by("identifier")
    assert [
        (f.identifier, f.title, f.calculation_method, f.calculation_parameter, f.scale_id)
        for f in frameworks
    ] == [
        ("demo-fw-humanities", "Humanities: Reading & Writing", "n_mastery", 2, None),
        ("demo-fw-math", "Grade 6–8 Mathematics", "decaying_average", 65, None),
        ("demo-fw-science", "Science Practices", "highest", None, None),
    ]
    leaves = Counter(
        Competency.objects.filter(is_leaf=True).values_list("framework__identifier", flat=True)
    )
    assert leaves == {"demo-fw-math": 50, "demo-fw-humanities": 16, "demo-fw-science": 15}
    assert Competency.objects.count() == 81 + 15 + 3 + 4 + 5  # targets, domains, grades
    assert Prerequisite.objects.count() == 37
    # Every prerequisite is an earlier target of the same domain.
    for p in Prerequisite.objects.select_related("competency", "prerequisite"):
        assert p.competency.parent_id == p.prerequisite.parent_id
    assert demo.mastery.created is True
    assert SectionCompetency.objects.count() == PacingTarget.objects.count() == 143
    assert demo.mastery.counts == {
        "frameworks": 3,
        "targets": 81,
        "pacing_plans": 9,
        "evidence": EVIDENCE,
        "submitted": SUBMITTED,
        "mastery_records": RECORDS,
    }


def test_math_targets_have_realistic_codes_and_a_tree(demo):
    target = Competency.objects.select_related("parent__parent").get(code="7.RP.1")
    assert target.parent.code == "7.RP"
    assert target.parent.statement == "Ratios & Proportional Relationships"
    assert target.parent.parent.statement == "Grade 7"
    assert (target.depth, target.is_leaf, target.grade_levels) == (2, True, "7")
    assert target.short_statement == "Unit rates with fractions"
    per_domain = Counter(
        Competency.objects.filter(is_leaf=True).values_list("parent__code", flat=True)
    )
    assert set(per_domain.values()) == {3, 4, 5}
    assert sum(per_domain.values()) == 81


def test_each_class_works_on_its_grades_targets_and_has_a_pacing_plan(demo):
    linked = defaultdict(set)
    for section, code in SectionCompetency.objects.values_list(
        "section__sourced_id", "competency__code"
    ):
        linked[section.removeprefix("demo-class-")].add(code)
    assert sorted(linked) == [
        f"{subject}-{grade}" for subject in ("humanities", "math", "science") for grade in "678"
    ]
    for grade in "678":
        assert all(code.startswith(f"{grade}.") for code in linked[f"math-{grade}"])
    assert [len(linked[f"math-{g}"]) for g in "678"] == [17, 16, 17]
    assert {len(linked[f"humanities-{g}"]) for g in "678"} == {16}
    assert {len(linked[f"science-{g}"]) for g in "678"} == {15}

    first, last = demo_school_year(TODAY)
    for plan in PacingPlan.objects.select_related("section"):
        targets = list(plan.targets.values_list("competency_id", "expected_by"))
        assert {c for c, _ in targets} == set(
            plan.section.section_competencies.values_list("competency_id", flat=True)
        )
        dates = [d for _, d in targets]
        assert all(first < d <= last and d.weekday() < 5 for d in dates)
        expected = sum(1 for d in dates if d <= TODAY)
        assert 0 < expected < len(dates), plan  # some targets expected by today, some not


def test_every_mastery_record_is_a_recomputation_from_its_evidence(demo):
    levels = [
        calc.Level(points=lv.points, label=lv.label, is_mastery=lv.is_mastery, id=lv.pk)
        for lv in ProficiencyLevel.objects.filter(scale__school__sourced_id="demo-school")
    ]
    scores: dict[tuple[int, int], list] = defaultdict(list)
    for student, competency, score, observed_on in (
        Evidence.objects.filter(status=Evidence.Status.ACCEPTED)
        .order_by("observed_on", "id")
        .values_list("student_id", "competency_id", "score", "observed_on")
    ):
        scores[(student, competency)].append((score, observed_on))
    competencies = {c.pk: c for c in Competency.objects.select_related("framework")}
    records = list(MasteryRecord.objects.all())
    assert {(r.student_id, r.competency_id) for r in records} == set(scores)
    for r in records:
        rows = scores[(r.student_id, r.competency_id)]
        c = competencies[r.competency_id]
        expected = calc.rollup(c.method, [s for s, _ in rows], levels, parameter=c.parameter)
        assert (r.score, r.level_id, r.mastered) == (
            expected.score,
            expected.level.id if expected.level else None,
            expected.mastered,
        )
        assert r.evidence_count == len(rows)
        assert r.last_evidence_on == rows[-1][1]
        assert (r.first_mastered_on is not None) == r.mastered
    assert Counter(r.mastered for r in records)[True] > len(records) / 3


def test_evidence_is_dated_on_school_days_of_the_term_never_in_the_future(demo):
    days = set(school_days(FALL_START, TODAY))
    dates = list(Evidence.objects.values_list("observed_on", flat=True))
    assert len(dates) == EVIDENCE
    assert min(dates) >= FALL_START
    assert max(dates) <= TODAY
    assert set(dates) <= days
    assert date(2025, 9, 1) not in days  # Labor Day


def test_evidence_is_varied_and_written_by_the_class_teacher(demo):
    accepted = Evidence.objects.filter(status=Evidence.Status.ACCEPTED)
    assert set(accepted.values_list("kind", flat=True)) == {
        "assessment",
        "project",
        "observation",
        "conversation",
    }
    assert set(accepted.values_list("score", flat=True)) == {1, 2, 3, 4}
    per_pair = Counter(accepted.values_list("student_id", "competency_id"))
    # One to four pieces a target, plus reassessments: until met (strong and steady students),
    # and a slipping student's recent one.
    most = 4 + DEMO_ABILITIES["reassessments"] + 1
    assert {1, 2, 3, 4} <= set(per_pair.values()) <= set(range(1, most + 1))
    teacher = dict(
        Enrollment.objects.filter(role=Enrollment.Role.TEACHER).values_list("section_id", "user_id")
    )
    assert all(
        author == teacher[section]
        for section, author in accepted.values_list("section_id", "author_id")
    )
    with_notes = accepted.exclude(note="").count()
    assert 0.2 < with_notes / accepted.count() < 0.45
    assert accepted.filter(note="Explained the reasoning clearly with a ratio table.").exists()
    # Everyone in a class the framework covers has evidence; nobody outside those classes does.
    students = set(accepted.values_list("student_id", flat=True))
    assert len(students) == 80


def test_the_class_grid_shows_students_on_pace_behind_and_ahead(demo):
    for key in ("math-7", "humanities-6", "science-8"):
        section = _section(key)
        students = list(
            section.enrollments.filter(role=Enrollment.Role.STUDENT).values_list(
                "user_id", flat=True
            )
        )
        pacing = pacing_for_section(section=section, student_ids=students, today=TODAY)
        behind = Counter(p.behind_by for p in pacing.values())
        assert behind[0] >= 5, key
        assert sum(n for by, n in behind.items() if by in (2, 3)) >= 2, key
        assert sum(n for by, n in behind.items() if by >= 4) >= 1, key
        assert any(p.mastered > p.expected for p in pacing.values()), key


def test_some_students_scores_trend_down(demo):
    by_student_class: dict[tuple[int, int], list] = defaultdict(list)
    for student, section, score in (
        Evidence.objects.filter(status=Evidence.Status.ACCEPTED)
        .order_by("observed_on", "id")
        .values_list("student_id", "section_id", "score")
    ):
        by_student_class[(student, section)].append(score)
    slipping = [k for k, scores in by_student_class.items() if calc.trend_is_down(scores, 3)]
    assert 5 <= len(slipping) <= 40


def test_login_student_has_mastered_in_progress_and_ready_targets(demo):
    sofia = _user("sofia.martinez")
    progress = student_progress(viewer=sofia, student=sofia)
    assert [p.framework.identifier for p in progress] == [
        "demo-fw-math",
        "demo-fw-humanities",
        "demo-fw-science",
    ]
    math = progress[0]
    math7 = set(_section("math-7").section_competencies.values_list("competency_id", flat=True))
    status = Counter(i.status for i in math.items if i.competency.pk in math7)
    assert status["mastered"] >= 1
    assert status["in_progress"] >= 1
    assert status["ready"] >= 1
    assert status["locked"] >= 1
    assert math.next_up[0].status == "in_progress"
    assert all(p.mastered >= 1 and p.in_progress >= 1 for p in progress)


def test_students_submissions_wait_for_review_including_the_login_students(demo):
    submitted = list(
        Evidence.objects.filter(status=Evidence.Status.SUBMITTED).select_related("competency")
    )
    assert len(submitted) == SUBMITTED
    for e in submitted:
        assert (e.score, e.kind, e.author_id) == (None, "prior_learning", e.student_id)
        assert e.note
        assert e.link.startswith("https://example.org/portfolio/")
        assert e.observed_on <= TODAY
    rivera, sofia = _user("ms.rivera"), _user("sofia.martinez")
    waiting = list(evidence_waiting_for(viewer=rivera))
    assert sofia.pk in {e.student_id for e in waiting}
    rivera_classes = set(
        Enrollment.objects.filter(
            user=rivera, role=Enrollment.Role.TEACHER, section__kind=Section.Kind.CLASS
        ).values_list("section_id", flat=True)
    )
    in_her_classes = [
        e
        for e in waiting
        if Enrollment.objects.filter(user_id=e.student_id, section_id__in=rivera_classes).exists()
        and e.competency.code[0] in "78"
    ]
    assert len(in_her_classes) >= 2
    # What Sofia submitted is a target she is ready for, not one she has evidence on.
    mine = next(e for e in submitted if e.student_id == sofia.pk)
    assert not Evidence.objects.filter(
        student=sofia, competency=mine.competency, status=Evidence.Status.ACCEPTED
    ).exists()


def test_history_names_the_seed_as_the_source(demo):
    events = Evidence.pgh_event_model.objects.select_related("pgh_context")
    assert events.count() == EVIDENCE
    assert {e.pgh_context.metadata["source"] for e in events} == {"seed_demo"}


# --- Idempotent and deterministic ---------------------------------------------------------------


def test_a_second_run_writes_nothing_in_one_query(demo, django_assert_max_num_queries):
    before = _snapshot()
    with django_assert_max_num_queries(1):
        again = demo_mastery_seed(today=TODAY)
    assert again == DemoStep(created=False)
    assert demo_mastery_seed(today=date(2026, 5, 1)).created is False
    assert demo_school_seed(today=TODAY).created is False
    assert _snapshot() == before


def test_the_database_holds_exactly_the_plan(demo):
    """What was written is the pure plan for the demo's classes, as read back from the school,
    and its login student, so determinism of the plan (below) is determinism of the seed."""
    rosters = _rosters()
    assert [r.section.removeprefix("demo-class-") for r in rosters] == [
        f"{subject}-{grade}" for subject in ("humanities", "math", "science") for grade in "678"
    ]
    for r in rosters:  # as the roster import wrote them
        section = Section.objects.get(sourced_id=r.section)
        enrolled = section.enrollments.order_by("user__sourced_id")
        assert [e.user.sourced_id for e in enrolled if e.role == "student"] == [
            s.sourced_id for s in r.students
        ]
        assert [e.user.sourced_id for e in enrolled if e.role == "teacher"] == [r.teacher]
    plan = build_mastery_plan(rosters, today=TODAY, login_student="demo-student-001")
    written = sorted(
        Evidence.objects.values_list(
            "student__sourced_id",
            "competency__identifier",
            "section__sourced_id",
            "author__sourced_id",
            "score",
            "observed_on",
            "kind",
            "title",
            "note",
            "link",
            "status",
        ),
        key=repr,
    )
    planned = sorted(
        (
            (
                e.student,
                e.competency,
                e.section,
                e.author,
                e.score,
                e.observed_on,
                e.kind,
                e.title,
                e.note,
                e.link,
                e.status,
            )
            for e in plan.evidence
        ),
        key=repr,
    )
    assert written == planned


def test_the_plan_is_the_same_in_every_process(demo):
    """No dependence on hash seeds (set or dict ordering): the classes read from the database
    are planned in two more interpreters."""
    rosters = _rosters()
    script = (
        "import django, hashlib, pickle, sys; django.setup(); "
        "from mastery.demo import build_mastery_plan; "
        "rosters, today = pickle.loads(sys.stdin.buffer.read()); "
        "plan = build_mastery_plan(rosters, today=today, login_student='demo-student-001'); "
        "print(hashlib.sha256(repr(plan).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {
            **os.environ,
            "PYTHONHASHSEED": hash_seed,
            "DJANGO_SETTINGS_MODULE": "learnhub.settings.test",
        }
        result = subprocess.run(
            [sys.executable, "-c", script],
            input=pickle.dumps((rosters, TODAY)),
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            check=True,
        )
        digests.add(result.stdout.decode().strip())
    plan = build_mastery_plan(rosters, today=TODAY, login_student="demo-student-001")
    assert digests == {hashlib.sha256(repr(plan).encode()).hexdigest()}


@pytest.mark.parametrize("today", [date(2025, 8, 10), date(2025, 8, 25), date(2026, 6, 30)])
def test_the_plan_holds_at_any_point_of_the_year(demo, today):
    """Before school starts there is no evidence yet; after it ends, none after the last day."""
    rosters = _rosters()
    plan = build_mastery_plan(rosters, today=today, login_student="demo-student-001")
    first, end = demo_school_year(today)
    assert len(plan.pacing) == 143
    last = min(today, end)
    assert all(first <= e.observed_on <= last for e in plan.evidence)
    submitted = [e for e in plan.evidence if e.status == Evidence.Status.SUBMITTED]
    if today < first:
        assert plan.evidence == ()
    else:
        assert len(submitted) == SUBMITTED
