"""One journey per role, as the person would take it, with axe on every page they see."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_teacher_logs_in_sees_advisees_searches_and_opens_a_student(
    world, page, live_server, log_in, assert_accessible, screenshot
):
    profile = world.student.learner_profile
    profile.interests = "Robotics and graphic novels"
    profile.support_notes = "Check in privately after long tasks"
    profile.save()

    log_in("tess@example.org")

    expect(page).to_have_url(re.compile(r"/teach/$"))
    expect(page.get_by_role("heading", name="My students")).to_be_visible()
    expect(page.get_by_role("heading", name="My advisees")).to_be_visible()
    expect(page.get_by_role("link", name="Sam Rivera")).to_be_visible()
    expect(page.get_by_text("Robotics and graphic novels")).to_be_visible()
    expect(page.get_by_role("link", name="Olive Chen")).to_have_count(0)
    expect(page.get_by_role("link", name="Math 7", exact=True)).to_be_visible()
    assert_accessible()
    screenshot("teacher-home")

    # Search filters in place (HTMX): the page is not reloaded.
    page.evaluate("window.__noReload = true")
    page.get_by_label("Find a student").fill("robot")
    expect(page.get_by_role("heading", name="Students matching “robot”")).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    expect(page).to_have_url(re.compile(r"q=robot"))

    page.get_by_role("link", name="Sam Rivera").first.click()
    expect(page.get_by_role("heading", name="Sam Rivera")).to_be_visible()
    expect(page.get_by_text("Check in privately after long tasks")).to_be_visible()
    expect(page.get_by_text("Gina Rivera")).to_be_visible()
    assert_accessible()
    screenshot("teacher-student-page")

    page.get_by_role("link", name="Edit support notes").click()
    page.get_by_label("Accommodations").fill("Extended time on timed tasks")
    assert_accessible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Extended time on timed tasks")).to_be_visible()
    expect(page.get_by_text("Saved.")).to_be_visible()

    page.get_by_role("link", name="My students").click()
    page.get_by_role("link", name="Math 7", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Math 7"))).to_be_visible()
    assert_accessible()


def test_student_edits_about_me_and_their_parent_sees_it(
    world, page, live_server, log_in, log_out, assert_accessible, screenshot
):
    log_in("sam@example.org")
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", name="Hi, Sam")).to_be_visible()
    assert_accessible()

    page.get_by_role("link", name="Edit About me").click()
    page.get_by_label("My strengths").fill("I keep going when math gets hard")
    page.get_by_label("My hopes and dreams").fill("Build robots that help farmers")
    assert_accessible()
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_text("I keep going when math gets hard")).to_be_visible()
    screenshot("student-about-me")
    # Students never see staff-only fields, even their own.
    expect(page.get_by_text("Support notes")).to_have_count(0)
    log_out()

    log_in("gina@example.org")
    expect(page).to_have_url(re.compile(r"/family/$"))
    expect(page.get_by_text("I keep going when math gets hard")).to_be_visible()
    assert_accessible()
    screenshot("parent-home")
    page.get_by_role("link", name="Profile of Sam Rivera").click()
    expect(page.get_by_text("Build robots that help farmers")).to_be_visible()
    expect(page.get_by_text("Staff only")).to_have_count(0)
    assert_accessible()
    screenshot("parent-child-profile")


def test_school_admin_logs_in_to_the_admin(world, page, live_server, log_in, screenshot):
    log_in("ada@example.org")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Run the school")).to_be_visible()
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_text("sam@example.org")).to_be_visible()
    expect(page.get_by_text("otto@example.org")).to_have_count(0)
    screenshot("admin-users")


def test_login_page_and_wrong_password_are_accessible(
    world, page, live_server, log_in, assert_accessible, screenshot
):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert_accessible()
    log_in("sam@example.org", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("correct email")
    assert_accessible()
    screenshot("login-error")


def test_two_people_editing_the_same_profile_are_told_about_the_conflict(
    world, browser, live_server, assert_accessible
):
    from tests.factories import PASSWORD

    def session(email):
        ctx = browser.new_context()
        p = ctx.new_page()
        p.goto(f"{live_server.url}/accounts/login/")
        p.get_by_label("Email").fill(email)
        p.get_by_label("Password").fill(PASSWORD)
        p.get_by_role("button", name="Log in").click()
        p.goto(f"{live_server.url}/students/{world.student.pk}/about/edit/")
        return p

    student_page = session("sam@example.org")
    teacher_page = session("tess@example.org")
    student_page.get_by_label("My interests").fill("Chess club")
    student_page.get_by_role("button", name="Save").click()
    teacher_page.get_by_label("My interests").fill("Drawing")
    teacher_page.get_by_role("button", name="Save").click()
    expect(teacher_page.get_by_role("alert")).to_contain_text("Sam Rivera changed this profile")
    expect(teacher_page.get_by_label("My interests")).to_have_value("Drawing")
    world.student.learner_profile.refresh_from_db()
    assert world.student.learner_profile.interests == "Chess club"
