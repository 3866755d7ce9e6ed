"""Falling behind, as people see it: a student misses school, the scan runs, the advisor sees
the flag with its numbers in the queue, logs a follow-up and resolves it, in place. The
attendance page and the student page too. axe on every page; the student never sees a flag."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from followups.attendance import school_days
from followups.models import Flag, FollowUp
from followups.scan import school_scan
from followups.services import attendance_take
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_student_falls_behind_and_the_advisor_follows_up(
    world, page, live_server, log_in, log_out, assert_accessible, screenshot
):
    today = world.school.today()
    f.TermFactory(
        school=world.school,
        title="Fall term",
        start_date=today - dt.timedelta(days=70),
        end_date=today + dt.timedelta(days=40),
    )
    days = school_days(world.school, today - dt.timedelta(days=60), today)
    # Sam misses three of the last twenty school days, and three in the term's first weeks:
    # below 90 % over the window and over the term to date.
    for day in days[-20:] + days[:3]:
        status = "absent" if day in days[-3:] + days[:3] else "present"
        attendance_take(
            actor=world.teacher, section=world.advisory, date=day, marks={world.student.pk: status}
        )
    school_scan(school=world.school)
    flag = Flag.objects.get(student=world.student, rule="chronic_absence")
    assert flag.status == "open"

    log_in("tess@example.org")
    expect(page.locator(".nav__count")).to_be_visible()
    expect(page.locator(".flag-marker").first).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Follow-ups").click()
    card = page.locator(f"#flag-{flag.pk}")
    expect(card).to_contain_text("Attended 85 % of the last 20 school days (3 days absent)")
    assert_accessible()
    screenshot("followups-queue")

    page.evaluate("window.__noReload = true")
    card.get_by_text("Log a follow-up").click()
    card.get_by_label("What was done").select_option("family")
    card.get_by_label("Note").fill("Called Gina: Sam has been ill, back on Monday")
    card.get_by_role("button", name="Save follow-up").click()
    card = page.locator(f"#flag-{flag.pk}")
    expect(card).to_contain_text("Follow-up logged.")
    expect(card).to_contain_text("Called Gina")
    card.get_by_text("Resolve, snooze or assign").click()
    card.get_by_label("Outcome").fill("Illness; the family will send a note for absences")
    card.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.locator(f"#flag-{flag.pk}")).to_contain_text("Resolved.")
    assert page.evaluate("window.__noReload") is True  # swapped in place, no reload
    assert_accessible()
    flag.refresh_from_db()
    assert flag.status == "resolved"
    assert FollowUp.objects.filter(flag=flag, action="family").count() == 1

    page.goto(f"{live_server.url}/students/{world.student.pk}/")
    expect(page.get_by_role("heading", name="Flags and follow-ups Staff only")).to_be_visible()
    assert_accessible()
    screenshot("followups-student-page")

    page.goto(f"{live_server.url}/teach/attendance/{world.advisory.pk}/")
    expect(page.get_by_role("heading", name="Attendance: Advisory Nguyen")).to_be_visible()
    assert_accessible()
    screenshot("followups-attendance")
    page.get_by_label("Sam Rivera: Tardy").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved for 1 student.")).to_be_visible()
    log_out()

    # The student never sees a flag.
    log_in("sam@example.org")
    page.goto(f"{live_server.url}/students/{world.student.pk}/")
    expect(page.get_by_text("Flags and follow-ups")).to_have_count(0)
    expect(page.get_by_text("Attended 85 %")).to_have_count(0)
