"""The demo school's goals: templates and a term of goals in every state, written once.

Seeding takes seconds, so the module seeds once (the school, its mastery data, then its goals,
as ``seed_demo`` does) inside a transaction that is rolled back at the end; each test runs in a
savepoint on top of it.
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
from datetime import date, datetime, time, timedelta
from io import StringIO
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from pghistory.models import Context

from core.demo import DemoStep
from goals.demo import (
    MIN_WINDOW_DAYS,
    demo_goals_seed,
    derived_progress,
    goal_inputs,
    plan_goals,
)
from goals.models import (
    ActionStep,
    CheckIn,
    Goal,
    GoalCategory,
    GoalComment,
    GoalSettings,
    GoalTemplate,
)
from goals.permissions import is_guardian_of, is_staff_for
from goals.selectors import advisory_goals_for, goal_versions
from goals.services import progress_from_competencies
from mastery.demo import demo_mastery_seed
from mastery.models import Evidence
from profiles.demo import demo_logins, demo_school_seed
from profiles.demo import format_demo_logins as format_logins
from profiles.models import School, User

TODAY = date(2025, 11, 24)  # a Monday; Fall 2025 started on August 24
FALL_START = date(2025, 8, 24)
REPO_ROOT = Path(__file__).resolve().parents[2]
LOGIN = "demo-student-001"

# Deterministic for TODAY: these change only when the demo content or the plan's logic does.
STATUSES = {
    ("active", "student"): 75,
    ("active", "teacher"): 9,
    ("proposed", "student"): 8,
    ("proposed", "teacher"): 6,
    ("draft", "student"): 14,
    ("achieved", "student"): 12,
    ("not_met", "student"): 12,
    ("abandoned", "student"): 1,
    ("abandoned", "teacher"): 4,
}
GOALS = sum(STATUSES.values())
CHECKINS = 800
COMMENTS = 166
STEPS = 387


@dataclass
class Seeded:
    goals: DemoStep


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Seeded]:
    with django_db_blocker.unblock(), transaction.atomic():
        demo_school_seed(today=TODAY)
        demo_mastery_seed(today=TODAY)
        goals = demo_goals_seed(today=TODAY)
        yield Seeded(goals)
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded: Seeded, db: None) -> Seeded:
    return seeded


def _user(email_local: str) -> User:
    return User.objects.get(email=f"{email_local}@demo.learnhub.school")


def _aware(day: date, at: time = time(0, 0)) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _snapshot() -> dict[str, object]:
    models = [Goal, ActionStep, CheckIn, GoalComment, GoalTemplate, GoalCategory, GoalSettings]
    counts: dict[str, object] = {m.__name__: m.objects.count() for m in models}
    for model in (Goal, CheckIn, GoalComment):
        counts[f"{model.__name__} events"] = model.pgh_event_model.objects.count()
    counts["history contexts"] = Context.objects.count()
    counts["goals last updated"] = Goal.objects.aggregate(Max("updated_at"))
    return counts


# --- What it holds ------------------------------------------------------------------------------


def test_templates_categories_and_settings(demo):
    school = School.objects.get(sourced_id="demo-school")
    assert list(
        GoalCategory.objects.filter(school=school).order_by("order").values_list("name", flat=True)
    ) == ["Literacy", "Numeracy", "Social-emotional", "Personal"]
    templates = {t.name: t for t in GoalTemplate.objects.filter(school=school)}
    assert sorted(templates) == ["Habit goal", "Reading goal", "SMART goal"]
    smart = templates["SMART goal"]
    assert smart.prompts == [
        "What exactly will you do?",
        "How will you measure it?",
        "Is it realistic for you this term?",
        "Why does it matter to you?",
        "By when?",
    ]
    assert smart.example_title and smart.example_criteria
    assert templates["Reading goal"].category.name == "Literacy"
    assert templates["Habit goal"].category.name == "Personal"
    assert school.goal_settings.checkin_nudge_days == 7


def test_exact_counts_per_status(demo):
    counts = Counter(Goal.objects.values_list("status", "origin"))
    assert {k: counts[k] for k in STATUSES} == STATUSES
    assert sum(counts.values()) == GOALS
    assert CheckIn.objects.count() == CHECKINS
    assert GoalComment.objects.count() == COMMENTS
    assert ActionStep.objects.count() == STEPS
    c = demo.goals.counts
    assert demo.goals.created is True
    assert (c["goals"], c["checkins"], c["comments"], c["steps"], c["templates"]) == (
        GOALS,
        CHECKINS,
        COMMENTS,
        STEPS,
        3,
    )
    line = demo.goals.described()
    assert line.startswith(f"Added the demo goals: {GOALS} goals for ")
    # Most students have one to three goals; a few haven't set one yet.
    per_student = Counter(Goal.objects.values_list("student_id", flat=True))
    assert 68 <= len(per_student) < 80
    assert set(per_student.values()) <= {1, 2, 3, 4}
    assert counts[("active", "student")] + counts[("active", "teacher")] > GOALS / 2


def test_every_state_is_present_and_consistent(demo):
    goals = list(Goal.objects.all())
    by_state = defaultdict(list)
    for g in goals:
        by_state[(g.status, g.origin)].append(g)
        assert g.version >= 1
        if g.is_closed:
            assert g.closed_at is not None and g.reflection, g
        else:
            assert g.closed_at is None and not g.reflection, g
        if g.status == "active":
            assert g.approved_by_id is not None and g.approved_at is not None, g
        if g.status in ("draft", "proposed"):
            assert g.approved_by_id is None and g.approved_at is None, g
        if g.origin == "teacher":
            assert g.suggested_by_id is not None and is_staff_for(g.suggested_by, g.student_id)
            if g.approved_by_id:
                assert g.approved_by_id == g.suggested_by_id
        else:
            assert g.suggested_by_id is None
            if g.approved_by_id:
                assert is_staff_for(g.approved_by, g.student_id)
    for state in STATUSES:
        assert by_state[state], state
    returned = [g for g in by_state[("draft", "student")] if g.return_comment]
    plain = [g for g in by_state[("draft", "student")] if not g.return_comment]
    assert returned and plain
    for g in returned:
        assert g.comments.filter(kind="returned", body=g.return_comment).exists()
        assert g.version == 2
    # Declined suggestions are set aside with the student's reason; others closed after work.
    assert all(not g.checkins.exists() for g in by_state[("abandoned", "teacher")])
    assert all(g.checkins.exists() for g in by_state[("achieved", "student")])
    for g in by_state[("achieved", "student")]:
        assert g.checkins.order_by("-created_at").first().progress == 100


def test_revised_goals_keep_their_first_version_in_history(demo):
    revised = Goal.objects.filter(status="active", version=3, origin="student").exclude(
        updated_by=None
    )
    with_history = [g for g in revised if goal_versions(goal=g)]
    assert len(with_history) >= 5
    for g in with_history:
        titles = set(
            Goal.pgh_event_model.objects.filter(pgh_obj_id=g.pk).values_list("title", flat=True)
        )
        assert g.title in titles and len(titles) == 2, titles
        assert goal_versions(goal=g)[0]["title"] != g.title


def test_login_student_has_her_goals(demo):
    sofia, rivera, carmen = _user("sofia.martinez"), _user("ms.rivera"), _user("carmen.martinez")
    goals = list(Goal.objects.filter(student=sofia).select_related("category"))
    assert Counter((g.status, g.origin) for g in goals) == {
        ("active", "student"): 2,
        ("achieved", "student"): 1,
        ("proposed", "teacher"): 1,
    }
    active = {g.category.name: g for g in goals if g.status == "active"}
    assert sorted(active) == ["Literacy", "Numeracy"]

    reading = active["Literacy"]
    assert reading.title == "Read 4 novels by winter break"
    assert reading.target_date == date(2025, 12, 19)
    assert goal_versions(goal=reading)[0]["title"] == "Read more books"
    assert reading.comments.filter(author=carmen, kind="encouragement").exists()
    assert is_guardian_of(carmen, sofia.pk)
    assert reading.checkins.count() >= 6
    last = reading.checkins.aggregate(Max("created_at"))["created_at__max"]
    assert _aware(TODAY) - last < timedelta(days=7)  # she checked in this week

    numbers = active["Numeracy"]
    linked = list(numbers.competencies.select_related("framework"))
    assert len(linked) == 3
    assert {c.framework.identifier for c in linked} == {"demo-fw-math"}
    assert all(c.code.startswith("7.") for c in linked)
    math7 = set(
        sofia.enrollments.get(
            section__sourced_id="demo-class-math-7"
        ).section.section_competencies.values_list("competency_id", flat=True)
    )
    assert {c.pk for c in linked} <= math7
    checkins = list(numbers.checkins.order_by("created_at"))
    assert len(checkins) >= 3 and all(c.progress_derived for c in checkins)
    assert checkins[-1].progress > checkins[0].progress

    achieved = next(g for g in goals if g.status == "achieved")
    assert achieved.reflection.startswith("I did it")
    assert _aware(TODAY) - achieved.closed_at < timedelta(days=14)  # "achieved lately"

    suggestion = next(g for g in goals if g.origin == "teacher")
    assert (suggestion.status, suggestion.suggested_by) == ("proposed", rivera)
    assert suggestion.steps.count() == 3


def test_ms_rivera_has_proposals_waiting_and_quiet_goals_to_follow_up(demo):
    rivera, sofia = _user("ms.rivera"), _user("sofia.martinez")
    board = advisory_goals_for(viewer=rivera, now=_aware(TODAY, time(12)))
    advisory = set(
        rivera.enrollments.get(section__sourced_id="demo-advisory-rivera")
        .section.enrollments.filter(role="student")
        .values_list("user_id", flat=True)
    )
    waiting = [g for g in board.waiting if g.student_id in advisory]
    assert len(waiting) >= 3
    assert all(g.status == "proposed" and g.origin == "student" for g in board.waiting)
    assert board.stale  # "no recent check-in"
    assert any(g.student_id == sofia.pk for g in board.achieved)
    assert not any(g.student_id == sofia.pk for g in board.stale)


def test_no_timestamp_is_before_the_term_or_in_the_future(demo):
    start, end = _aware(FALL_START), _aware(TODAY)
    stamps = []
    for model, fields in (
        (Goal, ("created_at", "updated_at", "approved_at", "closed_at")),
        (CheckIn, ("created_at",)),
        (GoalComment, ("created_at",)),
        (ActionStep, ("done_at",)),
    ):
        for f in fields:
            agg = model.objects.aggregate(low=Min(f), high=Max(f))
            stamps.append((f"{model.__name__}.{f}", agg["low"], agg["high"]))
    for name, low, high in stamps:
        assert start <= low and high < end, (name, low, high)
    for g in Goal.objects.prefetch_related("checkins", "comments", "steps"):
        assert g.created_at <= g.updated_at
        if g.approved_at:
            assert g.created_at <= g.approved_at
        assert all(c.created_at > (g.approved_at or g.created_at) for c in g.checkins.all())
        if g.closed_at:
            assert all(c.created_at <= g.closed_at for c in g.checkins.all())
        assert all(c.created_at >= g.created_at for c in g.comments.all())
        assert all(s.done_at >= g.created_at for s in g.steps.all() if s.done)


def test_checkins_are_weekly_mostly_rising_and_some_stalled(demo):
    per_goal = defaultdict(list)
    for goal_id, at, progress, confidence in CheckIn.objects.order_by(
        "goal_id", "created_at"
    ).values_list("goal_id", "created_at", "progress", "confidence"):
        per_goal[goal_id].append((at, progress, confidence))
    gaps, steps = [], []
    for rows in per_goal.values():
        gaps += [(b[0] - a[0]).days for a, b in pairwise(rows)]
        steps += [b[1] - a[1] for a, b in pairwise(rows)]
        assert all(1 <= c <= 5 for _, _, c in rows)
    assert 4 <= sorted(gaps)[len(gaps) // 2] <= 9  # weekly-ish
    assert sum(s >= 0 for s in steps) / len(steps) > 0.85
    flat_runs = [
        rows for rows in per_goal.values() if len(rows) >= 4 and rows[-1][1] == rows[-3][1]
    ]
    assert len(flat_runs) >= 5  # stalled for a while
    assert set(CheckIn.objects.values_list("confidence", flat=True)) == {1, 2, 3, 4, 5}
    reflections = CheckIn.objects.exclude(what_helped="").count()
    assert 0.4 < reflections / CheckIn.objects.count() < 0.95
    assert CheckIn.objects.exclude(what_got_in_the_way="").exclude(next_step="").exists()


def test_derived_checkins_follow_the_students_mastery(demo):
    linked = Goal.objects.filter(competencies__isnull=False).distinct()
    assert linked.count() >= 5
    inputs = _inputs()
    evidence = defaultdict(list)
    for student, competency, observed_on, score in (
        Evidence.objects.filter(status="accepted", score__isnull=False)
        .order_by("observed_on", "id")
        .values_list("student_id", "competency_id", "observed_on", "score")
    ):
        evidence[(student, competency)].append((observed_on, score))
    for goal in linked:
        targets = list(goal.competencies.values_list("pk", flat=True))
        checkins = list(goal.checkins.all())
        assert all(c.progress_derived for c in checkins)
        for c in checkins:
            day = timezone.localtime(c.created_at).date()
            histories = [
                [s for d, s in evidence[(goal.student_id, t)] if d <= day] for t in targets
            ]
            assert c.progress == derived_progress(inputs, histories), (goal, c)
        # And today's progress is what the service computes from the mastery records.
        everything = [[s for _, s in evidence[(goal.student_id, t)]] for t in targets]
        assert progress_from_competencies(goal) == derived_progress(inputs, everything)
    assert not CheckIn.objects.filter(progress_derived=True, goal__competencies__isnull=True)


def test_comments_come_from_the_students_people(demo):
    comments = list(GoalComment.objects.select_related("goal", "author"))
    kinds = Counter(c.kind for c in comments)
    assert kinds["comment"] and kinds["encouragement"] and kinds["approved"] and kinds["returned"]
    for c in comments:
        student = c.goal.student_id
        if c.kind == "encouragement":
            assert is_guardian_of(c.author, student), c
        elif c.author_id == student:
            assert c.kind == "comment"
        else:
            assert is_staff_for(c.author, student), c
    replies = [c for c in comments if c.author_id == c.goal.student_id]
    assert len(replies) >= 10
    assert not GoalComment.objects.filter(goal__status="draft", goal__origin="student").exclude(
        kind="returned"
    )


def test_action_steps_two_to_four_per_goal_some_done(demo):
    per_goal = Counter(ActionStep.objects.values_list("goal_id", flat=True))
    assert len(per_goal) == GOALS  # every goal has steps; a draft may have just one so far
    assert set(per_goal.values()) <= {1, 2, 3, 4}
    assert sum(n >= 2 for n in per_goal.values()) / GOALS > 0.9
    done = ActionStep.objects.filter(done=True)
    assert done.exists() and ActionStep.objects.filter(done=False).exists()
    assert not done.filter(done_at=None).exists()
    assert not done.filter(goal__status__in=["draft", "proposed"]).exists()


def test_history_names_the_seed_as_the_source(demo):
    for model in (Goal, CheckIn, GoalComment):
        events = model.pgh_event_model.objects.select_related("pgh_context")
        assert events.exists()
        assert {e.pgh_context.metadata["source"] for e in events} == {"seed_demo"}


def test_the_demo_pages_render(demo, client):
    sofia, rivera, carmen = _user("sofia.martinez"), _user("ms.rivera"), _user("carmen.martinez")
    reading = Goal.objects.get(student=sofia, category__name="Literacy")
    client.force_login(sofia)
    page = client.get("/me/goals/").content.decode()
    assert "Read 4 novels by winter break" in page and "Try one challenge problem" in page
    page = client.get(f"/goals/{reading.pk}/").content.decode()
    assert "Earlier versions" in page and "Read more books" in page
    client.force_login(rivera)
    assert "Waiting for your approval" in client.get("/teach/goals/").content.decode()
    client.force_login(carmen)
    assert client.get(f"/goals/{reading.pk}/").status_code == 200


# --- Idempotent and deterministic ---------------------------------------------------------------


def test_a_second_run_writes_nothing_in_one_query(demo, django_assert_max_num_queries):
    before = _snapshot()
    with django_assert_max_num_queries(2):
        again = demo_goals_seed(today=TODAY)
    assert again == DemoStep(created=False)
    assert demo_goals_seed(today=date(2026, 5, 1)).created is False
    assert _snapshot() == before


def _inputs():
    return goal_inputs(School.objects.get(sourced_id="demo-school"))


def test_the_inputs_are_read_back_from_the_seeded_school(demo):
    """The plan needs nothing from the other demos' code: people, terms, pacing and evidence
    come from the database the earlier steps wrote."""
    inputs = _inputs()
    sofia, rivera, carmen = _user("sofia.martinez"), _user("ms.rivera"), _user("carmen.martinez")
    assert inputs.logins == {
        "teacher": rivera.sourced_id,
        "student": sofia.sourced_id,
        "parent": carmen.sourced_id,
        "admin": "demo-admin",
    }
    assert len(inputs.students) == 80 and all(s.advisor for s in inputs.students)
    assert [s.sid for s in inputs.students] == sorted(s.sid for s in inputs.students)
    assert [t[2] for t in inputs.semesters] == ["demo-2026-fall", "demo-2026-spring"]
    mine = next(s for s in inputs.students if s.sid == sofia.sourced_id)
    assert mine.advisor == rivera.sourced_id and dict(mine.teachers)["Mathematics"]
    assert carmen.sourced_id in dict(mine.guardians)
    pacing = list(
        sofia.enrollments.get(section__sourced_id="demo-class-math-7")
        .section.pacing_plan.targets.order_by("expected_by", "competency__identifier")
        .values_list("competency__identifier", flat=True)
    )
    assert [t for t, _ in mine.targets] == pacing
    assert inputs.evidence == tuple(sorted(inputs.evidence, key=lambda e: e[:3]))
    assert {e[1].split("-")[2] for e in inputs.evidence} == {"math"}
    assert goal_inputs(School.objects.get(sourced_id="demo-school")) == inputs


def test_the_database_holds_exactly_the_plan(demo):
    """What was written is the pure plan for the inputs read back, so determinism of the plan
    (below) is determinism of the seed."""
    plan = plan_goals(_inputs(), today=TODAY)
    written = sorted(
        (
            g.student.sourced_id,
            g.title,
            g.status,
            g.origin,
            timezone.localtime(g.created_at).replace(tzinfo=None),
            g.checkins.count(),
            g.comments.count(),
            g.steps.count(),
        )
        for g in Goal.objects.filter(from_conference__isnull=True).select_related("student")
    )
    planned = sorted(
        (
            g.student,
            g.title,
            g.status,
            g.origin,
            g.created,
            len(g.checkins),
            len(g.comments),
            len(g.steps),
        )
        for g in plan
    )
    assert written == planned


def test_the_plan_is_the_same_in_every_process(demo):
    """No dependence on hash seeds (set or dict ordering): the inputs read from the database
    are planned in two more interpreters."""
    inputs = _inputs()
    script = (
        "import django, hashlib, pickle, sys; django.setup(); "
        "from goals.demo import plan_goals; "
        "inputs, today = pickle.loads(sys.stdin.buffer.read()); "
        "print(hashlib.sha256(repr(plan_goals(inputs, today=today)).encode()).hexdigest())"
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
            input=pickle.dumps((inputs, TODAY)),
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            check=True,
        )
        digests.add(result.stdout.decode().strip())
    assert digests == {hashlib.sha256(repr(plan_goals(inputs, today=TODAY)).encode()).hexdigest()}


@pytest.mark.parametrize(
    "today",
    [date(2025, 8, 25), date(2025, 12, 24), date(2026, 1, 5), date(2026, 3, 2), date(2026, 6, 30)],
)
def test_the_plan_holds_at_any_point_of_the_year(demo, today):
    """Whenever it runs: every state, the login student's four goals, nothing in the future
    and nothing before the window it starts from."""
    plan = plan_goals(_inputs(), today=today)
    first = datetime.combine(min(FALL_START, today - timedelta(MIN_WINDOW_DAYS)), time())
    end = datetime.combine(today, time())
    states = Counter((g.status, g.origin) for g in plan)
    assert all(states[s] for s in STATUSES), states
    assert Counter((g.status, g.origin) for g in plan if g.student == LOGIN) == {
        ("active", "student"): 2,
        ("achieved", "student"): 1,
        ("proposed", "teacher"): 1,
    }
    for g in plan:
        stamps = [g.created, g.updated, g.approved, g.closed]
        stamps += [c.at for c in g.checkins] + [c.at for c in g.comments]
        stamps += [s.done_at for s in g.steps]
        assert all(first <= s < end for s in stamps if s is not None), g


# --- The command --------------------------------------------------------------------------------


def test_seed_demo_adds_the_goals_to_a_seeded_school_and_says_so_once(demo):
    """A database seeded before the goals step existed gets its goals on the next run."""
    school = School.objects.get(sourced_id="demo-school")
    Goal.objects.all().delete()
    GoalTemplate.objects.filter(school=school).delete()
    GoalSettings.objects.filter(school=school).delete()
    block = format_logins(demo_logins(), settings.LEARNHUB_DEMO_PASSWORD)
    first, second = StringIO(), StringIO()

    call_command("seed_demo", "--today", TODAY.isoformat(), stdout=first)
    call_command("seed_demo", "--today", TODAY.isoformat(), stdout=second)

    lines = first.getvalue().splitlines()
    assert lines[0].startswith(f"Added the demo goals: {GOALS} goals for ")
    # Then the conferences step, which this module's school didn't have either.
    assert lines[1].startswith("Added the demo conferences: ")
    # And the follow-ups step (attendance, a scan, flags worked through), new to it as well.
    assert lines[2].startswith("Added the demo follow-ups: ")
    assert first.getvalue() == "\n".join(lines[:3]) + "\n" + block + "\n"
    assert second.getvalue() == block + "\n"
    # The held demo conferences turned their next-term goals into drafts: not the goals demo's.
    assert Goal.objects.filter(from_conference__isnull=True).count() == GOALS
