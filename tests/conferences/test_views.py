"""Conference pages as people use them: what each role sees, what a GET never does (write),
what a refused or invalid POST shows (the service's sentence, a 4xx), and that families never
see classmates."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conferences import services as svc
from conferences.models import Attendee, Conference
from goals.models import Goal
from tests import factories as f
from tests.conferences.support import conference_setup, in_state, scheduled

pytestmark = pytest.mark.django_db


def _page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def test_no_conference_page_writes_on_get(world, client):
    conference = in_state(world, "held")
    svc.conference_summary_save(actor=world.teacher, conference=conference, summary="Well done")
    pages = [
        (world.teacher, reverse("conference-schedule")),
        (world.teacher, reverse("conference-review", args=[conference.pk])),
        (world.student, reverse("my-conference")),
        (world.student, reverse("conference-lead")),
        (world.guardian, reverse("family-conferences")),
        (world.guardian, reverse("conference-agenda", args=[conference.pk])),
        (world.guardian, reverse("conference-summary", args=[conference.pk])),
    ]
    for user, url in pages:
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        writes = [
            q["sql"]
            for q in ctx.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "django_session" not in q["sql"]
        ]
        assert writes == [], url


def test_the_student_prepares_section_by_section_with_the_prompts(world, client):
    setup = scheduled(world)
    page = _page(client, world.student, reverse("my-conference")).content.decode()
    assert "What are my strengths as a learner?" in page
    assert "Rehearsal checklist" in page
    section = setup.window.template.sections.get(kind="about_me")
    response = client.post(
        reverse("conference-action", args=[setup.conference.pk, "save-section"]),
        {"section": section.pk, "response": "I explain my thinking."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Saved." in response.content.decode()
    assert setup.conference.items.get(section=section).response == "I explain my thinking."


def test_a_stale_section_save_keeps_the_students_text_with_a_409(world, client):
    setup = scheduled(world)
    section = setup.window.template.sections.first()
    item = svc.agenda_item_save(
        actor=world.student, conference=setup.conference, section=section, response="v1"
    )
    svc.agenda_item_save(
        actor=world.student, conference=setup.conference, section=section, response="v2"
    )
    client.force_login(world.student)
    response = client.post(
        reverse("conference-action", args=[setup.conference.pk, "save-section"]),
        {"section": section.pk, "response": "my new words", "version": item.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "my new words" in body and "nothing was overwritten" in body


def test_an_invalid_post_re_renders_the_page_with_a_400(world, client):
    conference = in_state(world, "scheduled")
    client.force_login(world.student)
    response = client.post(reverse("conference-action", args=[conference.pk, "submit"]))
    assert response.status_code == 400
    assert "Prepare at least one section" in response.content.decode()
    response = client.post(
        reverse("conference-action", args=[conference.pk, "add-goal"]), {"title": "x" * 201}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("conference-action", args=[conference.pk, "save-section"]),
        {"section": "abc", "response": "a\x00b"},
    )
    assert response.status_code == 400


def test_the_advisor_returns_with_a_comment_then_approves(world, client):
    conference = in_state(world, "submitted")
    client.force_login(world.teacher)
    page = client.get(reverse("conference-review", args=[conference.pk])).content.decode()
    assert "Review the agenda" in page
    response = client.post(
        reverse("conference-action", args=[conference.pk, "return"]),
        {"comment": "Add a work sample"},
    )
    assert response.status_code == 302
    conference.refresh_from_db()
    assert (conference.status, conference.review_comment) == ("preparing", "Add a work sample")
    page = _page(client, world.student, reverse("my-conference")).content.decode()
    assert "Your advisor sent it back" in page and "Add a work sample" in page


@pytest.mark.parametrize("anchor", ["y" * 100_000, "#x", "a b", "x" * 65])
def test_a_hostile_anchor_is_dropped_not_a_400_after_the_write(world, client, anchor):
    conference = in_state(world, "submitted")
    client.force_login(world.teacher)
    url = reverse("conference-action", args=[conference.pk, "approve"])
    response = client.post(url, {"comment": "Well prepared", "anchor": anchor})
    assert response.status_code == 302
    assert response["Location"] == reverse("conference-review", args=[conference.pk])
    conference.refresh_from_db()
    assert conference.status == "ready"


def test_a_page_anchor_is_kept(world, client):
    conference = in_state(world, "ready")
    client.force_login(world.teacher)
    url = reverse("conference-action", args=[conference.pk, "notes"])
    response = client.post(url, {"notes": "Ask about the trip", "anchor": "notes"})
    assert response["Location"] == reverse("conference-review", args=[conference.pk]) + "#notes"


def test_other_teachers_cannot_open_or_run_a_conference(world, client):
    conference = in_state(world, "submitted")
    client.force_login(world.other_teacher)
    assert client.get(reverse("conference-review", args=[conference.pk])).status_code == 404
    response = client.post(reverse("conference-action", args=[conference.pk, "approve"]))
    assert response.status_code == 404
    conference.refresh_from_db()
    assert conference.status == "submitted"


def test_the_family_answers_and_sees_the_agenda_once_approved(world, client):
    conference = in_state(world, "submitted")
    page = _page(client, world.guardian, reverse("family-conferences")).content.decode()
    assert "is preparing the agenda" in page
    response = client.post(
        reverse("conference-action", args=[conference.pk, "rsvp"]),
        {"response": "another_time", "note": "After 5 please"},
    )
    assert response.status_code == 302
    row = Attendee.objects.get(conference=conference, user=world.guardian)
    assert (row.rsvp, row.rsvp_note) == ("another_time", "After 5 please")
    response = client.post(
        reverse("conference-action", args=[conference.pk, "rsvp"]), {"response": "maybe"}
    )
    assert response.status_code == 400
    svc.conference_approve(actor=world.teacher, conference=conference)
    page = client.get(reverse("family-conferences")).content.decode()
    assert "Read the agenda ahead of time" in page


def test_families_book_all_their_children_on_one_form(world, client):
    setup = conference_setup(world, mode="booking")
    client.force_login(world.guardian)
    page = client.get(reverse("family-conferences")).content.decode()
    assert "Book a time for each child" in page
    response = client.post(
        reverse("family-book"),
        {
            "window": setup.window.pk,
            f"slot_{world.student.pk}": setup.slots[2].pk,
            "interpreter_language": "Arabic",
        },
    )
    assert response.status_code == 302
    conference = Conference.objects.get(pk=setup.conference.pk)
    assert (conference.slot_id, conference.interpreter_language) == (setup.slots[2].pk, "Arabic")
    teacher_page = _page(client, world.teacher, reverse("conference-schedule")).content.decode()
    assert "Interpreter: Arabic" in teacher_page


def test_family_pages_never_show_classmates(world, client):
    setup = conference_setup(world)
    classmate = f.student(world.school, email="cl@example.org", given_name="Quinn")
    f.enroll(world.advisory, classmate)
    svc.conferences_create_for_window(actor=world.admin, window=setup.window)
    svc.conference_schedule(actor=world.teacher, conference=setup.conference, slot=setup.slots[0])
    for url in (
        reverse("family-conferences"),
        reverse("conference-agenda", args=[setup.conference.pk]),
    ):
        assert "Quinn" not in _page(client, world.guardian, url).content.decode()
    assert "Quinn" in _page(client, world.teacher, reverse("conference-schedule")).content.decode()


def test_the_advisors_notes_stay_with_staff(world, client):
    conference = in_state(world, "held")
    svc.conference_notes_save(actor=world.teacher, conference=conference, notes="Shy at first")
    summary = reverse("conference-summary", args=[conference.pk])
    assert "Shy at first" in _page(client, world.teacher, summary).content.decode()
    for person in (world.student, world.guardian):
        assert "Shy at first" not in _page(client, person, summary).content.decode()


def test_lead_mode_shows_every_section_with_the_students_words(world, client):
    in_state(world, "ready")
    page = _page(client, world.student, reverse("conference-lead")).content.decode()
    assert page.count('class="slide"') == 8
    assert "Hello everyone, thank you for coming." in page
    assert "conferences/lead" in page and "<script>" not in page


def test_next_term_goals_become_drafts_from_the_review_page(world, client):
    conference = in_state(world, "preparing")
    svc.next_goal_add(actor=world.student, conference=conference, title="Learn to juggle")
    conference = in_state(world, "held")
    client.force_login(world.teacher)
    response = client.post(reverse("conference-action", args=[conference.pk, "drafts"]))
    assert response.status_code == 302
    goal = Goal.objects.get(title="Learn to juggle")
    assert (goal.student_id, goal.status) == (world.student.pk, "draft")


def test_the_student_answers_the_invitation_too(world, client):
    setup = scheduled(world)
    page = _page(client, world.student, reverse("my-conference")).content.decode()
    assert "Does the time work for me?" in page
    response = client.post(
        reverse("conference-action", args=[setup.conference.pk, "rsvp"]), {"response": "accepted"}
    )
    assert response.status_code == 302
    row = Attendee.objects.get(conference=setup.conference, user=world.student)
    assert row.rsvp == "accepted"


def test_the_review_page_offers_slots_in_the_schools_time_and_says_which_are_full(world, client):
    """The slot picker showed the stored UTC time ("20:00" for a 3:00 PM slot) and offered
    full slots."""
    world.school.time_zone = "America/Chicago"
    world.school.save(update_fields=["time_zone"])
    classmate = f.student(world.school, given_name="Cai", family_name="Lin")
    f.enroll(world.advisory, classmate)
    setup = scheduled(world)
    svc.conferences_create_for_window(actor=world.admin, window=setup.window)
    theirs = Conference.objects.get(window=setup.window, student=classmate)
    svc.conference_schedule(actor=world.teacher, conference=theirs, slot=setup.slots[1])
    page = _page(
        client, world.teacher, reverse("conference-review", args=[setup.conference.pk])
    ).content.decode()
    first, second = setup.slots[:2]
    assert f'<option value="{first.pk}" selected>' in page  # its own slot, never "full"
    assert "3:00 PM · Room 12</option>" in page
    assert f'<option value="{second.pk}" disabled>' in page
    assert "3:30 PM · Room 12 (full)</option>" in page


def test_the_create_button_counts_advisees_without_a_conference_and_goes_when_none_are_left(
    world, client
):
    # Given Sam has a conference and classmate Quinn (same advisory) has none
    conference_setup(world)
    quinn = f.student(world.school, email="quinn@example.org", given_name="Quinn")
    f.enroll(world.advisory, quinn)
    page = _page(client, world.teacher, reverse("conference-schedule")).content.decode()
    assert "Create conferences for my 1 advisee without one" in page
    assert "have a conference in this window" not in page
    # When Quinn's is created too, the page says so and offers no button
    svc.conferences_create_for_window(actor=world.admin, window=Conference.objects.get().window)
    page = _page(client, world.teacher, reverse("conference-schedule")).content.decode()
    assert "All 2 of your advisees have a conference in this window." in page
    assert "Create conferences for my" not in page
    assert 'name="action" value="create"' not in page
