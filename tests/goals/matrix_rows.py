"""Authorization-matrix rows for the goals API, merged into ``tests/test_authorization_matrix.py``
with ``MATRIX.update(API_ROWS)`` (import this module after ``MATRIX`` is defined there).

Each write row sends a complete, valid body, so the people allowed get the success status and
everyone else is refused by the goals services (403) or by scoping (404): the matrix checks
who may act, not input validation (tests/goals/test_api.py covers that). The kwargs make what
they need through the services, idempotently, since the matrix may call them more than once.
"""

from __future__ import annotations

from goals.models import ActionStep, Goal
from goals.services import action_step_add, goal_approve, goal_create
from tests.conftest import World
from tests.test_authorization_matrix import SEES_STUDENT, STAFF, Rule

STUDENT_ONLY = frozenset({"student"})
EDITORS = frozenset({"student", "teacher", "admin"})
TITLES = {
    ("draft", "student"): "Keep a reading journal",
    ("proposed", "student"): "Get confident with fractions",
    ("active", "student"): "Read four novels this term",
    ("proposed", "teacher"): "Join the chess club",
}


def goal_of_student(world: World, status: str, origin: str = "student") -> Goal:
    """One goal of world.student in ``status`` (draft, proposed or active) from ``origin``
    (the student, or a suggestion by world.teacher), made once."""
    existing = Goal.objects.filter(student=world.student, status=status, origin=origin).first()
    if existing is not None:
        return existing
    title = TITLES[(status, origin)]
    if origin == "teacher":
        return goal_create(actor=world.teacher, student=world.student, title=title)
    goal = goal_create(
        actor=world.student, student=world.student, title=title, propose=status != "draft"
    )
    if status == "active":
        goal = goal_approve(actor=world.teacher, goal=goal)
    return goal


def step_of_student(world: World) -> ActionStep:
    goal = goal_of_student(world, "active")
    return goal.steps.first() or action_step_add(
        actor=world.student, goal=goal, title="Library on Fridays"
    )


def _goal(status: str, origin: str = "student"):
    return lambda w: {"pk": goal_of_student(w, status, origin).pk}


def _listed(world: World) -> dict[str, int]:
    goal_of_student(world, "proposed")
    return {}


API_ROWS: dict[str, Rule] = {
    # Rows list goals by student: the target is world.student's proposed goal.
    "api:goal-list": Rule(SEES_STUDENT, kwargs=_listed, scoped_list=True),
    "api:goal-detail": Rule(SEES_STUDENT, kwargs=_goal("proposed")),
    "api:goal-propose": Rule(STUDENT_ONLY, method="post", kwargs=_goal("draft")),
    "api:goal-approve": Rule(STAFF, method="post", kwargs=_goal("proposed")),
    "api:goal-return": Rule(
        STAFF, method="post", kwargs=_goal("proposed"), data={"comment": "Add a date"}
    ),
    "api:goal-accept": Rule(STUDENT_ONLY, method="post", kwargs=_goal("proposed", "teacher")),
    "api:goal-decline": Rule(STUDENT_ONLY, method="post", kwargs=_goal("proposed", "teacher")),
    "api:goal-close": Rule(
        EDITORS,
        method="post",
        kwargs=_goal("active"),
        data={"outcome": "achieved", "reflection": "Audiobooks helped"},
    ),
    "api:goal-checkins": Rule(
        STUDENT_ONLY,
        method="post",
        ok_status=201,
        kwargs=_goal("active"),
        data={"confidence": 4, "progress": 50},
    ),
    "api:goal-comments": Rule(
        SEES_STUDENT, method="post", ok_status=201, kwargs=_goal("active"), data={"body": "Go!"}
    ),
    "api:goal-steps": Rule(
        EDITORS, method="post", ok_status=201, kwargs=_goal("active"), data={"title": "Library"}
    ),
    "api:action-step-detail": Rule(SEES_STUDENT, kwargs=lambda w: {"pk": step_of_student(w).pk}),
}
