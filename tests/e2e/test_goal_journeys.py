"""Goals as people use them: a student proposes a goal with the goal-setting tool, the advisor
approves it in place, the student checks in with two clicks, and the parent sees the check-in and
leaves encouragement. axe on every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from goals.models import CheckIn, Goal, GoalComment
from goals.services import goal_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_propose_approve_check_in_and_encourage(
    world, page, live_server, log_in, log_out, assert_accessible, screenshot
):
    # The student uses the goal-setting tool; it points out what is missing.
    log_in("sam@example.org")
    page.get_by_role("link", name="My goals").click()
    expect(page.get_by_role("heading", name="My goals")).to_be_visible()
    assert_accessible()
    page.get_by_role("link", name="Set a new goal").click()
    page.get_by_label("My goal").fill("Read more")
    page.get_by_label("How I'll know I got there").fill("I will read a lot")
    page.get_by_label("How I'll know I got there").blur()
    expect(page.get_by_text("Make it measurable")).to_be_visible()  # live hint (HTMX)
    page.get_by_label("My goal").fill("Read four novels this term")
    page.get_by_label("How I'll know I got there").fill("4 books, with a journal entry for each")
    target = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    page.get_by_label("Target date").fill(target)
    page.get_by_label("First step").fill("Choose my first book with the librarian")
    assert_accessible()
    screenshot("student-goal-tool")
    page.get_by_role("button", name="Propose to my advisor").click()
    expect(page.get_by_text("Sent to your advisor for approval.")).to_be_visible()
    expect(page.get_by_text("Waiting for approval")).to_be_visible()
    log_out()

    # The advisor approves it in place.
    log_in("tess@example.org")
    page.get_by_role("link", name="Advisory goals").click()
    expect(page.get_by_role("heading", name="Waiting for your approval (1)")).to_be_visible()
    assert_accessible()
    page.evaluate("window.__noReload = true")
    page.get_by_label("Comment").fill("Great choice. Let's talk about book one on Friday.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: the goal is active.")).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    log_out()

    # The student checks in with two clicks: progress is prefilled, a confidence button sends it.
    log_in("sam@example.org")
    page.get_by_role("link", name="My goals").click()
    page.get_by_label("How far along? (%)").fill("25")
    page.get_by_role("button", name="Confidence 4 of 5 for Read four novels this term").click()
    expect(page.get_by_text("Checked in. Nice work.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"25% · confidence 4/5"))).to_be_visible()
    screenshot("student-my-goals")
    log_out()

    # The parent sees the check-in and encourages.
    log_in("gina@example.org")
    page.get_by_role("link", name=re.compile("^Goals")).click()
    expect(page.get_by_role("heading", name="Sam's goals")).to_be_visible()
    expect(page.get_by_text(re.compile(r"25% · confidence 4/5"))).to_be_visible()
    assert_accessible()
    page.get_by_role("link", name="Read four novels this term", exact=True).click()
    expect(page.get_by_text("Great choice. Let's talk about book one on Friday.")).to_be_visible()
    page.get_by_label("Add a comment").fill("So proud of you, Sam!")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("So proud of you, Sam!")).to_be_visible()
    expect(page.get_by_text("Encouragement")).to_be_visible()
    expect(page.get_by_role("button", name="Revise")).to_have_count(0)
    assert_accessible()
    screenshot("parent-goal")

    goal = Goal.objects.get()
    assert (goal.status, goal.approved_by) == ("active", world.teacher)
    assert CheckIn.objects.get().progress == 25
    assert GoalComment.objects.filter(kind="encouragement").count() == 1


def test_the_advisor_suggests_a_goal_on_a_page_and_the_student_accepts_it(
    world, page, live_server, log_in, log_out, assert_accessible, screenshot
):
    log_in("tess@example.org")  # world.teacher: Sam's advisor
    page.goto(f"{live_server.url}/students/{world.student.pk}/goals/")
    page.get_by_role("link", name="Suggest a goal").click()
    expect(page.get_by_role("heading", name="Suggest a goal to Sam")).to_be_visible()
    page.get_by_label("The goal").fill("Join the chess club")
    page.get_by_label("How they'll know they got there").fill("Play in the spring tournament")
    page.get_by_label("First step").fill("Go to one Thursday meeting")
    assert_accessible()
    screenshot("advisor-suggest-goal")
    page.get_by_role("button", name="Suggest this goal").click()
    expect(page.get_by_text("Suggested to Sam: they accept or decline it.")).to_be_visible()
    goal = Goal.objects.get(title="Join the chess club")
    assert (goal.student, goal.status, goal.origin, goal.suggested_by) == (
        world.student,
        "proposed",
        "teacher",
        world.teacher,
    )
    assert list(goal.steps.values_list("title", flat=True)) == ["Go to one Thursday meeting"]
    log_out()

    log_in("sam@example.org")
    page.get_by_role("link", name="My goals").click()
    page.get_by_role("link", name="Join the chess club").click()
    page.get_by_role("button", name="Accept this goal").click()
    expect(page.get_by_text("Accepted: the goal is active.")).to_be_visible()
    goal.refresh_from_db()
    assert goal.status == "active"


def test_a_refused_form_answers_in_its_card_under_debug_too(
    world, page, live_server, log_in, settings, screenshot
):
    """bin/run serves with DEBUG on, where django-htmx's debug script replaces the whole page
    with any 400 answer; a form's 400 (what was wrong) must stay in its card there as well."""
    settings.DEBUG = True
    goal = goal_create(
        actor=world.student,
        student=world.student,
        title="Get confident with fractions",
        propose=True,
    )
    log_in("tess@example.org")
    page.get_by_role("link", name="Advisory goals").click()
    card = page.locator(f"#advisory-goal-{goal.pk}")
    card.get_by_role("button", name="Return with comment").click()  # no comment
    expect(card.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()  # the page is still there
    expect(page.get_by_role("heading", name="Waiting for your approval (1)")).to_be_visible()
    screenshot("advisor-return-without-comment-debug")
    goal.refresh_from_db()
    assert goal.status == "proposed"
