"""A student-led conference from start to finish in the browser: the student prepares and
submits, the advisor returns it with a comment, the student fixes and resubmits, the advisor
approves, the parent RSVPs, the student leads it in lead mode with the keyboard (at 1280 px and
on a 390 px phone), the advisor holds it and turns the next-term goal into a draft, which the
student then sees. axe on every page; the printable agenda and summary in print media."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conferences import services as svc
from conferences.models import Conference
from goals.models import Goal
from tests.conferences.support import conference_setup

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _conference_now(world) -> Conference:
    """Sam's conference in a slot that started a few minutes ago (so it can be held today)."""
    setup = conference_setup(world, days_ahead=0, slots=0)
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    slot = svc.slot_create(
        actor=world.teacher,
        window=setup.window,
        advisor=world.teacher,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=40),
        room="Room 12",
        capacity=3,
    )
    svc.conference_schedule(actor=world.teacher, conference=setup.conference, slot=slot)
    return setup.conference


def _swipe(page, *, from_x: int, to_x: int) -> None:
    """A one-finger horizontal swipe on lead mode, as touch events."""
    page.evaluate(
        """([fromX, toX]) => {
          const lead = document.querySelector("[data-lead]");
          const touch = (x) => new Touch({identifier: 1, target: lead, clientX: x, clientY: 400});
          const fire = (type, x) =>
            lead.dispatchEvent(new TouchEvent(type, {changedTouches: [touch(x)], bubbles: true}));
          fire("touchstart", fromX);
          fire("touchend", toX);
        }""",
        [from_x, to_x],
    )


def test_prepare_review_rsvp_lead_and_follow_through(
    world, page, live_server, log_in, log_out, assert_accessible, screenshot
):
    conference = _conference_now(world)

    # The student prepares section by section and submits.
    log_in("sam@example.org")
    page.get_by_role("link", name="My conference").click()
    expect(page.get_by_role("heading", name="My conference", exact=True)).to_be_visible()
    assert_accessible()
    welcome = page.locator(f"#section-{conference.window.template.sections.get(kind='welcome').pk}")
    welcome.get_by_label("What I'll say").fill("Welcome! Today I'll show you my goals.")
    welcome.get_by_role("button", name="Save welcome and introductions").click()
    expect(welcome.get_by_text("Saved.")).to_be_visible()  # swapped in place (HTMX)
    page.get_by_label("A goal for next term").fill("Read a graphic novel")
    page.get_by_role("button", name="Add goal").click()
    expect(page.get_by_text("Goal for next term added.")).to_be_visible()
    screenshot("conference-student-prepare")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Sent to your advisor for review.")).to_be_visible()
    log_out()

    # The advisor returns it with a comment.
    log_in("tess@example.org")
    page.get_by_role("link", name="Conferences").click()
    expect(page.get_by_role("heading", name="Conferences", exact=True)).to_be_visible()
    assert_accessible()
    screenshot("conference-teacher-schedule")
    page.get_by_role("link", name="Sam Rivera").first.click()
    expect(page.get_by_role("heading", name="Review the agenda")).to_be_visible()
    assert_accessible()
    page.get_by_label("Comment for Sam").fill("Say what you'd do differently next time, too.")
    page.get_by_role("button", name="Return with comments").click()
    expect(page.get_by_text("Returned to the student with your comments.")).to_be_visible()
    log_out()

    # The student fixes it and submits again.
    log_in("sam@example.org")
    page.get_by_role("link", name="My conference").click()
    expect(page.get_by_text("Say what you'd do differently next time, too.")).to_be_visible()
    about = page.locator(f"#section-{conference.window.template.sections.get(kind='about_me').pk}")
    about.get_by_label("What I'll say").fill("I'm curious and I don't give up.")
    about.get_by_role("button", name="Save about me").click()
    expect(about.get_by_text("Saved.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Sent to your advisor for review.")).to_be_visible()
    log_out()

    # The advisor approves.
    log_in("tess@example.org")
    page.goto(f"{live_server.url}/teach/conferences/{conference.pk}/")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: the agenda is ready.")).to_be_visible()
    log_out()

    # The parent RSVPs and reads the agenda ahead of time.
    log_in("gina@example.org")
    page.get_by_role("link", name="Conferences").click()
    assert_accessible()
    page.get_by_label("Yes, we'll be there").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you: we've got your answer.")).to_be_visible()
    screenshot("conference-parent")
    page.get_by_role("link", name="Read the agenda ahead of time").click()
    expect(page.get_by_text("I'm curious and I don't give up.")).to_be_visible()
    assert_accessible()
    page.emulate_media(media="print")
    screenshot("conference-agenda-print")
    page.emulate_media(media="screen")
    log_out()

    # The student leads it in lead mode, with the keyboard.
    log_in("sam@example.org")
    page.goto(f"{live_server.url}/me/conference/lead/")
    expect(page.get_by_text("Section 1 of 8")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome and introductions")).to_be_visible()
    assert_accessible()
    screenshot("conference-lead-1280")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("Section 2 of 8")).to_be_visible()
    expect(page.get_by_text("I'm curious and I don't give up.")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome and introductions")).to_be_hidden()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_text("Section 1 of 8")).to_be_visible()
    page.keyboard.press("End")
    expect(page.get_by_text("Section 8 of 8")).to_be_visible()
    expect(page.get_by_role("button", name="Next →")).to_be_disabled()
    timer = page.locator("[data-timer]").inner_text()
    assert re.fullmatch(r"\+?\d+:\d\d", timer), timer
    page.set_viewport_size({"width": 390, "height": 844})
    page.keyboard.press("Home")
    assert_accessible()
    screenshot("conference-lead-390")
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_text("Section 2 of 8")).to_be_visible()
    _swipe(page, from_x=330, to_x=40)  # a swipe to the left: next
    expect(page.get_by_text("Section 3 of 8")).to_be_visible()
    _swipe(page, from_x=40, to_x=330)  # to the right: back
    expect(page.get_by_text("Section 2 of 8")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_out()

    # The advisor marks it held, writes the summary and turns the next-term goal into a draft.
    log_in("tess@example.org")
    page.goto(f"{live_server.url}/teach/conferences/{conference.pk}/")
    page.get_by_label("Will do").fill("Read 20 minutes every night")
    page.get_by_role("button", name="Add commitment").click()
    expect(page.get_by_text("Commitment added.")).to_be_visible()
    page.get_by_role("button", name="Mark as held").click()
    expect(page.get_by_text("Marked held.")).to_be_visible()
    summary = page.get_by_role("textbox", name=re.compile("^Summary"))
    summary.fill("Sam led the whole conference. Well done!")
    page.get_by_role("button", name="Save summary").click()
    expect(page.get_by_text("Summary saved")).to_be_visible()
    page.get_by_role("button", name=re.compile("into draft goals")).click()
    expect(page.get_by_text("1 draft goal(s) created for Sam.")).to_be_visible()
    assert_accessible()
    screenshot("conference-teacher-review-held")
    log_out()

    # The family reads the summary; the student finds the draft goal.
    log_in("gina@example.org")
    page.get_by_role("link", name="Conferences").click()
    page.get_by_role("link", name="Read the summary and what we agreed").click()
    expect(page.get_by_text("Sam led the whole conference. Well done!")).to_be_visible()
    expect(page.get_by_text("Read 20 minutes every night")).to_be_visible()
    assert_accessible()
    page.emulate_media(media="print")
    screenshot("conference-summary-print")
    page.emulate_media(media="screen")
    log_out()
    log_in("sam@example.org")
    page.get_by_role("link", name="My goals").click()
    expect(page.get_by_role("link", name="Read a graphic novel")).to_be_visible()

    conference.refresh_from_db()
    assert conference.status == "held"
    goal = Goal.objects.get(title="Read a graphic novel")
    assert (goal.student_id, goal.status) == (world.student.pk, "draft")
