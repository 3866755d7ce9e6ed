"""Mastery journeys: a teacher records a class's scores and sees the grid change; adds
evidence in a cell without a reload; a student sees a new level and what is next; a parent sees
the chart. axe on every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from mastery.services import evidence_record, evidence_submit
from tests.mastery.conftest import build_maths

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_teacher_records_class_scores_and_adds_evidence_in_a_cell(
    world, page, live_server, log_in, assert_accessible, screenshot
):
    maths = build_maths(world)
    log_in("tess@example.org")
    page.get_by_role("link", name="Grid for Math 7").click()
    expect(page.get_by_role("heading", name="Math 7: mastery")).to_be_visible()
    row = page.locator(f"#row-{world.student.pk}")
    # cells in target order after the "Mastered" count: 7.RP.1, 7.RP.2, 7.RP.3, 7.EE.1, 7.EE.2
    expect(row.locator("td").nth(2)).to_have_text("–")
    assert_accessible()

    page.get_by_role("link", name="Record class scores").click()
    page.get_by_label("Learning target").select_option(
        label="7.RP.2 Recognize proportional relationships"
    )
    page.get_by_label("Assessment").fill("Ratio quiz 2")
    page.get_by_label("Sam Rivera: Meets").check()
    assert_accessible()
    screenshot("teacher-record-class-scores")
    page.get_by_role("button", name="Save all scores").click()

    expect(page.get_by_text("Recorded 1 score for 7.RP.2.")).to_be_visible()
    expect(row.locator("td").nth(2)).to_have_text("3")
    expect(row.locator("td").nth(0)).to_have_text("1")  # mastered

    # Add evidence in place: the panel opens and the cell changes without a page load.
    page.evaluate("window.__noReload = true")
    row.locator("td").nth(1).get_by_role("button").click()
    panel = page.locator("#cell-panel")
    expect(panel.get_by_role("heading", name="Sam Rivera")).to_be_visible()
    panel.get_by_label("Level").select_option(label="4 Exceeds")
    panel.get_by_label("Note for the student and family").fill("Explained unit rates clearly")
    panel.get_by_role("button", name="Add evidence").click()
    expect(panel.get_by_text("Evidence added.")).to_be_visible()
    expect(panel.get_by_text("Explained unit rates clearly")).to_be_visible()
    expect(row.locator("td").nth(1)).to_have_text("4")
    expect(row.locator("td").nth(0)).to_have_text("2")  # the row's mastered count updated too
    assert page.evaluate("window.__noReload") is True
    assert_accessible()
    screenshot("teacher-grid")
    assert maths.t1.mastery_records.get().mastered is True


def test_teacher_accepts_a_students_submission(world, page, live_server, log_in, assert_accessible):
    maths = build_maths(world)
    evidence_submit(actor=world.student, competency=maths.t3, note="I ran the bake sale budget")
    log_in("tess@example.org")
    page.get_by_role("link", name="Evidence to review").click()
    expect(page.get_by_text("I ran the bake sale budget")).to_be_visible()
    assert_accessible()
    page.get_by_label("Level").select_option(label="3 Meets")
    page.get_by_label("Comment").fill("Great real-world percent work")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Accepted at 3.00")).to_be_visible()


def test_student_sees_a_new_level_and_whats_next(
    world, page, live_server, log_in, assert_accessible, screenshot
):
    maths = build_maths(world)
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t1,
        score=4,
        observed_on=dt.date.today() - dt.timedelta(days=3),
        note="Strong ratio tables",
    )
    log_in("sam@example.org")
    page.get_by_role("link", name="My mastery").click()
    expect(page.get_by_role("heading", name="My mastery")).to_be_visible()
    expect(page.locator(".target--mastered").filter(has_text="7.RP.1")).to_contain_text("Exceeds")
    next_up = page.locator(".next-list")
    expect(next_up).to_contain_text("7.RP.2")
    expect(next_up).to_contain_text("Ready to start")
    expect(page.get_by_role("img", name=re.compile("Learning targets mastered"))).to_be_visible()
    assert_accessible()
    screenshot("student-my-mastery")

    page.get_by_role("link", name="I have evidence for 7.RP.2").click()
    page.get_by_label("What did you do? What does it show?").fill("I compared phone plans")
    page.get_by_role("button", name="Send to my teacher").click()
    expect(page.get_by_text("Sent to your teacher")).to_be_visible()
    expect(page.get_by_text("7.RP.2 · Waiting for a teacher")).to_be_visible()


def test_parent_sees_the_growth_chart_and_teacher_notes(
    world, page, live_server, log_in, assert_accessible, screenshot
):
    maths = build_maths(world)
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t1,
        score=3,
        observed_on=dt.date.today() - dt.timedelta(days=10),
        note="Careful, clear work",
    )
    log_in("gina@example.org")
    page.get_by_role("link", name=re.compile("See Sam's progress")).click()
    expect(page.get_by_role("heading", name="Sam's progress")).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("1 of 5 learning targets mastered"))
    ).to_be_visible()
    expect(page.get_by_text("Careful, clear work")).to_be_visible()
    expect(page.get_by_text("1 mastered · 0 in progress · 5 in all")).to_be_visible()
    assert_accessible()
    screenshot("parent-progress")
