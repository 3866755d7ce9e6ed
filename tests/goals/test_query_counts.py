"""Goal pages run the same number of queries however many goals, check-ins and comments."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.services import (
    checkin_record,
    goal_approve,
    goal_comment_add,
    goal_create,
)
from tests import factories as f


def _goals(world, student, n: int) -> None:
    for i in range(n):
        goal = goal_create(
            actor=student,
            student=student,
            title=f"Goal number {i} for me",
            success_criteria="3 times a week",
            steps=[("First", None), ("Second", None)],
            propose=True,
        )
        if i % 2 == 0:
            goal = goal_approve(actor=world.teacher, goal=goal, comment="Go for it")
            checkin_record(actor=student, goal=goal, progress=20, confidence=3)
            if student == world.student:
                goal_comment_add(actor=world.guardian, goal=goal, body="Proud of you")


def _grow(world, n: int) -> None:
    _goals(world, world.student, n)
    for _ in range(n):
        kid = f.student(world.school)
        f.enroll(world.advisory, kid)
        _goals(world, kid, 2)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


PAGES = [
    ("student", lambda w: reverse("my-goals"), 14),
    ("teacher", lambda w: reverse("advisory-goals"), 14),
    ("guardian", lambda w: reverse("student-goals", args=[w.student.pk]), 14),
    (
        "guardian",
        lambda w: reverse("goal-detail", args=[w.student.goals.order_by("pk").first().pk]),
        16,
    ),
]


@pytest.mark.parametrize(("persona", "url", "bound"), PAGES)
def test_goal_page_queries_do_not_grow(world, client, persona, url, bound):
    client.force_login(getattr(world, persona))
    _grow(world, 2)
    small = _count(client, url(world))
    _grow(world, 6)
    large = _count(client, url(world))
    assert small == large, f"{small} queries before, {large} after"
    assert large <= bound
