"""Every goals API list runs the same number of queries at two sizes, and few of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import Goal
from goals.selectors import goal_categories_for
from goals.services import (
    action_step_add,
    checkin_record,
    goal_approve,
    goal_comment_add,
    goal_create,
)
from tests import factories as f
from tests.mastery.conftest import build_maths


def _goal_of(world, student, title: str, *, guardian=None) -> Goal:
    """An active goal with a category, two competencies, two steps, two check-ins and two
    comments (one the teacher's, one the family's)."""
    maths = build_maths(world)
    category = goal_categories_for(school_id=world.school.pk)[0]
    goal = goal_create(
        actor=student,
        student=student,
        title=title,
        category=category,
        competencies=[maths.t1, maths.t2],
        steps=[("First step", dt.date(2026, 11, 1)), ("Second step", None)],
        propose=True,
    )
    goal = goal_approve(actor=world.teacher, goal=goal, comment="Go for it")
    for progress in (20, 40):
        checkin_record(actor=student, goal=goal, confidence=3, progress=progress)
    goal_comment_add(actor=world.teacher, goal=goal, body="Nice work")
    goal_comment_add(actor=guardian or world.guardian, goal=goal, body="Proud of you")
    return goal


def _grow(world, n: int, tag: str) -> Goal:
    """n more students in the teacher's classes (children of the world guardian), each with an
    active goal and a teacher's suggestion; the world student gets an active goal with n more
    check-ins, comments and steps. Returns that goal."""
    for i in range(n):
        kid = f.student(world.school, email=f"{tag}{i}@example.org")
        f.enroll(world.advisory, kid)
        f.enroll(world.math, kid)
        world.guardian.child_links.create(student=kid)
        _goal_of(world, kid, f"{tag} goal {i}")
        goal_create(actor=world.teacher, student=kid, title=f"{tag} suggestion {i}")
    goal = Goal.objects.filter(student=world.student, status="active").first()
    if goal is None:
        goal = _goal_of(world, world.student, "Read four novels")
    for i in range(n):
        checkin_record(actor=world.student, goal=goal, confidence=4, progress=50 + i)
        goal_comment_add(actor=world.guardian, goal=goal, body=f"Keep going {i}")
        action_step_add(actor=world.student, goal=goal, title=f"{tag} step {i}")
    return goal


def _count(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def _student_goal(world) -> int:
    return Goal.objects.get(student=world.student, status="active").pk


ENDPOINTS = [
    ("teacher", lambda w: reverse("api:goal-list"), {}),
    ("teacher", lambda w: reverse("api:goal-list"), {"status": "active"}),
    ("admin", lambda w: reverse("api:goal-list"), {}),
    ("guardian", lambda w: reverse("api:goal-list"), {}),
    ("student", lambda w: reverse("api:goal-list"), {}),
    ("teacher", lambda w: reverse("api:goal-detail", kwargs={"pk": _student_goal(w)}), {}),
    ("guardian", lambda w: reverse("api:goal-checkins", kwargs={"pk": _student_goal(w)}), {}),
    ("student", lambda w: reverse("api:goal-comments", kwargs={"pk": _student_goal(w)}), {}),
]


@pytest.mark.parametrize(("persona", "url", "params"), ENDPOINTS)
def test_query_count_does_not_grow_with_the_goals(world, client, persona, url, params):
    client.force_login(getattr(world, persona))
    _grow(world, 3, "small")
    small = _count(client, url(world), params)
    _grow(world, 12, "large")
    large = _count(client, url(world), params)
    assert small == large, f"{small} queries at the small size, {large} at the large one"
    assert large <= 12
