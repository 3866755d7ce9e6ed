"""Approving and returning a student's proposed goal is their advisor's (and their school
admin's); the student's other teachers comment and suggest (decision 0020). The page, the API
and the service follow the same rule."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import NotAllowed
from goals.models import Goal
from goals.permissions import can_review_goal, can_suggest_goal
from goals.selectors import advisory_goals_for
from goals.services import goal_approve, goal_comment_add, goal_create, goal_return
from profiles.models import Enrollment
from tests import factories as f


@pytest.fixture
def wren(world):
    """Wren teaches world.student English; world.teacher is the student's advisor."""
    english = f.SectionFactory(school=world.school, name="English 7", code="E7-1")
    wren = f.teacher(world.school, email="wren@example.org", given_name="Wren", family_name="Ali")
    f.enroll(english, wren, role=Enrollment.Role.TEACHER)
    f.enroll(english, world.student)
    return wren


@pytest.fixture
def proposed(world):
    return goal_create(
        actor=world.student,
        student=world.student,
        title="Get confident with fractions",
        success_criteria="8 of 10 on the unit check",
        propose=True,
    )


def test_only_the_advisor_and_school_admin_review_a_goal(world, wren, proposed):
    assert can_review_goal(world.teacher, proposed)
    assert can_review_goal(world.admin, proposed)
    assert not can_review_goal(wren, proposed)
    assert not can_review_goal(world.other_teacher, proposed)
    assert not can_review_goal(world.other_admin, proposed)
    assert can_suggest_goal(wren, world.student.pk)
    assert not can_suggest_goal(world.other_teacher, world.student.pk)


def test_a_class_teacher_cannot_approve_or_return_but_comments_and_suggests(world, wren, proposed):
    with pytest.raises(NotAllowed):
        goal_approve(actor=wren, goal=proposed)
    with pytest.raises(NotAllowed):
        goal_return(actor=wren, goal=proposed, comment="Add a date")
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
    comment = goal_comment_add(
        actor=wren, goal=proposed, body="Fractions come up in our recipes unit"
    )
    assert comment.author == wren
    suggestion = goal_create(actor=wren, student=world.student, title="Read one novel a month")
    assert (suggestion.status, suggestion.origin, suggestion.suggested_by) == (
        "proposed",
        "teacher",
        wren,
    )


def test_the_advisor_approves(world, wren, proposed):
    assert goal_approve(actor=world.teacher, goal=proposed).status == "active"


def test_advisory_goals_list_only_the_advisees_goals(world, wren, proposed):
    assert advisory_goals_for(viewer=wren).waiting == []
    assert advisory_goals_for(viewer=world.teacher).waiting == [proposed]


def test_the_pages_refuse_a_class_teacher_approving(world, wren, proposed, client):
    client.force_login(wren)
    board = client.get(reverse("advisory-goals")).content.decode()
    assert "Get confident with fractions" not in board
    detail = client.get(reverse("goal-detail", args=[proposed.pk])).content.decode()
    assert "Waiting for your approval" not in detail
    refused = client.post(
        reverse("goal-transition", args=[proposed.pk, "approve"]), {"comment": "ok"}
    )
    assert refused.status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_the_api_refuses_a_class_teacher_approving_or_returning(world, wren, proposed):
    api = APIClient()
    api.force_authenticate(wren)
    for name, body in (("api:goal-approve", {}), ("api:goal-return", {"comment": "Add a date"})):
        response = api.post(reverse(name, args=[proposed.pk]), body, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "not_allowed"
    assert Goal.objects.get(pk=proposed.pk).status == "proposed"


def test_a_class_teacher_suggests_a_goal_on_the_page(world, wren, client):
    client.force_login(wren)
    page = client.get(reverse("student-goals", args=[world.student.pk])).content.decode()
    assert reverse("goal-suggest", args=[world.student.pk]) in page
    response = client.post(
        reverse("goal-suggest", args=[world.student.pk]),
        {"title": "Read one novel a month", "horizon": "term", "step_1": "Pick a novel"},
    )
    goal = Goal.objects.get(title="Read one novel a month")
    assert response.status_code == 302 and response["Location"] == f"/goals/{goal.pk}/"
    assert (goal.student, goal.status, goal.origin, goal.suggested_by) == (
        world.student,
        "proposed",
        "teacher",
        wren,
    )
    assert [s.title for s in goal.steps.all()] == ["Pick a novel"]


def test_the_suggest_page_says_what_is_missing_and_writes_nothing(world, client):
    client.force_login(world.teacher)
    response = client.post(reverse("goal-suggest", args=[world.student.pk]), {"horizon": "term"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Goal.objects.exists()


@pytest.mark.parametrize(("persona", "code"), [("guardian", 403), ("student", 403)])
def test_families_and_students_do_not_suggest_on_the_page(world, client, persona, code):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("goal-suggest", args=[world.student.pk])).status_code == code
    response = client.post(
        reverse("goal-suggest", args=[world.student.pk]), {"title": "x", "horizon": "term"}
    )
    assert response.status_code == code
    assert not Goal.objects.exists()
    page = client.get(reverse("student-goals", args=[world.student.pk])).content.decode()
    assert "Suggest a goal" not in page
