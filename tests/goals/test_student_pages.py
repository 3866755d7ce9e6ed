"""What students see in the goal-setting tool and when they check in (issue 9)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from goals.models import CheckIn, Goal
from goals.services import goal_approve, goal_create

STRONG = "looks like a strong goal"


def goal_of_student(world, status: str) -> Goal:
    goal = goal_create(
        actor=world.student, student=world.student, title="Read four novels", propose=True
    )
    return goal_approve(actor=world.teacher, goal=goal)


def test_an_empty_goal_form_is_never_called_a_strong_goal(world, client):
    client.force_login(world.student)
    page = client.get(reverse("goal-new")).content.decode()
    assert STRONG not in page
    for body in ({}, {"title": "", "success_criteria": "", "target_date": "", "horizon": "term"}):
        fragment = client.post(reverse("goal-hints"), body).content.decode()
        assert STRONG not in fragment
        assert "Add how you&#x27;ll know you got there." in fragment


def test_a_complete_goal_is_called_strong(world, client):
    from goals.views import _complete

    assert _complete({"title": "Read 4 novels", "success_criteria": "4", "target_date": 1})
    assert not _complete({"title": "", "success_criteria": "", "target_date": None})


def test_the_hints_fragment_praises_only_a_complete_goal(world, client, monkeypatch):
    import goals.views

    monkeypatch.setattr(goals.views, "goal_hints", lambda **kwargs: [])
    client.force_login(world.student)
    assert STRONG not in client.post(reverse("goal-hints"), {"horizon": "term"}).content.decode()
    full = {
        "title": "Read four novels",
        "success_criteria": "4 books",
        "target_date": "2026-12-15",
        "horizon": "term",
    }
    assert STRONG in client.post(reverse("goal-hints"), full).content.decode()


@pytest.mark.parametrize("progress", ["150", "-5", "lots"])
def test_an_invalid_progress_says_so_not_confidence(world, client, progress):
    goal = goal_of_student(world, "active")
    client.force_login(world.student)
    response = client.post(
        reverse("goal-checkin", args=[goal.pk]),
        {"progress": progress, "confidence": "3"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Give how far along you are as a whole percent from 0 to 100." in body
    assert "confident" not in body.split('role="alert"')[1].split("</p>")[0]
    assert not CheckIn.objects.exists()


def test_a_missing_confidence_asks_for_it(world, client):
    goal = goal_of_student(world, "active")
    client.force_login(world.student)
    response = client.post(
        reverse("goal-checkin", args=[goal.pk]), {"progress": "40"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "Choose how confident you feel, from 1 to 5." in response.content.decode()


def test_any_whole_percent_is_accepted_by_the_page_and_the_input(world, client):
    goal = goal_of_student(world, "active")
    client.force_login(world.student)
    page = client.get(reverse("my-goals")).content.decode()
    assert 'step="5"' not in page and 'name="progress"' in page
    detail = client.get(reverse("goal-detail", args=[goal.pk])).content.decode()
    assert 'step="5"' not in detail
    response = client.post(
        reverse("goal-checkin", args=[goal.pk]), {"progress": "33", "confidence": "4"}
    )
    assert response.status_code == 302
    assert CheckIn.objects.get().progress == 33


def test_no_recent_check_in_lists_the_quietest_goal_first(world, client):
    import datetime as dt

    from django.utils import timezone

    from goals.selectors import advisory_goals_for

    now = timezone.now()
    quieter, quiet = (
        goal_approve(
            actor=world.teacher,
            goal=goal_create(actor=world.student, student=world.student, title=t, propose=True),
        )
        for t in (
            "Quiet for a month",
            "Quiet for ten days",
        )  # the newest is listed first by default
    )
    Goal.objects.filter(pk=quiet.pk).update(approved_at=now - dt.timedelta(days=10))
    Goal.objects.filter(pk=quieter.pk).update(approved_at=now - dt.timedelta(days=30))
    assert [g.pk for g in advisory_goals_for(viewer=world.teacher).stale] == [quieter.pk, quiet.pk]
    client.force_login(world.teacher)
    page = client.get(reverse("advisory-goals")).content.decode()
    assert page.index("Quiet for a month") < page.index("Quiet for ten days")


@pytest.mark.django_db
def test_a_teachers_suggestion_waits_for_the_student_not_for_approval(world, client):
    """A suggestion is ``proposed`` too; its pages said "Waiting for approval" to the student
    and the parent, who are the ones it waits for."""
    suggestion = goal_create(actor=world.teacher, student=world.student, title="Join chess club")
    own = goal_create(
        actor=world.student, student=world.student, title="Read four novels", propose=True
    )
    for viewer in (world.student, world.guardian):
        client.force_login(viewer)
        page = client.get(reverse("goal-detail", args=[suggestion.pk])).content.decode()
        assert "Suggested, waiting for the student" in page
        assert "Waiting for approval" not in page
        page = client.get(reverse("goal-detail", args=[own.pk])).content.decode()
        assert "Waiting for approval" in page
