"""The conferences API: scoped like the pages, writes through the services, errors as values
(400 with ``invalid_transition``, 403 with who may, 404 for what one can't see, 409 for
conflicts)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from conferences.models import Conference
from goals.models import Goal
from tests.conferences.support import conference_setup, in_state, scheduled

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def test_a_student_prepares_and_submits_through_the_api(world, api):
    setup = scheduled(world)
    _as(api, world.student)
    agenda = api.get(reverse("api:conference-agenda", args=[setup.conference.pk])).json()
    assert [s["kind"] for s in agenda["sections"]][:2] == ["welcome", "about_me"]
    first = agenda["sections"][0]
    saved = api.post(
        reverse("api:conference-agenda", args=[setup.conference.pk]),
        {"section": first["id"], "response": "Welcome, everyone!"},
        format="json",
    )
    assert saved.status_code == 200
    section = saved.json()["sections"][0]
    assert (section["response"], section["version"]) == ("Welcome, everyone!", 1)
    stale = api.post(
        reverse("api:conference-agenda", args=[setup.conference.pk]),
        {"section": first["id"], "response": "Again", "version": 1},
        format="json",
    )
    assert stale.status_code == 200  # version 1 was current
    conflict = api.post(
        reverse("api:conference-agenda", args=[setup.conference.pk]),
        {"section": first["id"], "response": "Stale", "version": 1},
        format="json",
    )
    assert conflict.status_code == 409
    submitted = api.post(reverse("api:conference-submit", args=[setup.conference.pk]))
    assert submitted.json()["status"] == "submitted"
    again = api.post(reverse("api:conference-submit", args=[setup.conference.pk]))
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_transition"


def test_the_advisor_returns_and_approves_and_families_cannot(world, api):
    conference = in_state(world, "submitted")
    refused = _as(api, world.guardian).post(
        reverse("api:conference-approve", args=[conference.pk]), {}, format="json"
    )
    assert refused.status_code == 403
    hidden = _as(api, world.other_teacher).post(
        reverse("api:conference-approve", args=[conference.pk]), {}, format="json"
    )
    assert hidden.status_code == 404
    _as(api, world.teacher)
    missing = api.post(reverse("api:conference-return", args=[conference.pk]), {}, format="json")
    assert missing.status_code == 400
    returned = api.post(
        reverse("api:conference-return", args=[conference.pk]),
        {"comment": "Add a sample"},
        format="json",
    )
    assert (returned.json()["status"], returned.json()["review_comment"]) == (
        "preparing",
        "Add a sample",
    )


def test_conference_lists_are_scoped_and_notes_are_for_staff(world, api):
    conference = in_state(world, "ready")
    from conferences import services as svc

    svc.conference_notes_save(actor=world.teacher, conference=conference, notes="Staff note")
    for person, sees in [
        (world.student, True),
        (world.guardian, True),
        (world.teacher, True),
        (world.other_guardian, False),
        (world.other_teacher, False),
        (world.other_admin, False),
    ]:
        rows = _as(api, person).get(reverse("api:conference-list")).json()["results"]
        assert (conference.pk in [r["id"] for r in rows]) == sees
        for row in rows:
            expected = "Staff note" if person == world.teacher else ""
            assert row["notes"] == expected


def test_families_book_siblings_through_the_api_and_overlaps_are_refused(world, api):
    setup = conference_setup(world, mode="booking")
    _as(api, world.guardian)
    url = reverse("api:conference-window-book", args=[setup.window.pk])
    booked = api.post(
        url,
        {
            "bookings": [{"student": world.student.pk, "slot": setup.slots[1].pk}],
            "interpreter_language": "Farsi",
        },
        format="json",
    )
    assert booked.status_code == 200
    assert booked.json()[0]["slot"]["id"] == setup.slots[1].pk
    assert Conference.objects.get(pk=setup.conference.pk).interpreter_language == "Farsi"
    bad = api.post(
        url, {"bookings": [{"student": world.student.pk, "slot": 999999}]}, format="json"
    )
    assert bad.status_code == 400


def test_slots_the_advisor_adds_never_overlap(world, api):
    setup = conference_setup(world)
    first = setup.slots[0]
    _as(api, world.teacher)
    clash = api.post(
        reverse("api:conference-slot-list"),
        {
            "window": setup.window.pk,
            "starts_at": first.starts_at.isoformat(),
            "ends_at": first.ends_at.isoformat(),
        },
        format="json",
    )
    assert clash.status_code == 409
    other_school = _as(api, world.other_admin).post(
        reverse("api:conference-slot-list"),
        {
            "window": setup.window.pk,
            "starts_at": first.starts_at.isoformat(),
            "ends_at": first.ends_at.isoformat(),
        },
        format="json",
    )
    assert other_school.status_code == 400  # no such window, or not one you can see


def test_work_samples_commitments_and_drafts_through_the_api(world, api, maths):
    from mastery.services import evidence_record

    conference = in_state(world, "preparing")
    evidence = evidence_record(
        actor=world.teacher, student=world.student, competency=maths.t1, score=3
    )
    _as(api, world.student)
    sample = api.post(
        reverse("api:work-sample-list"),
        {"conference": conference.pk, "evidence": evidence.pk, "proud_of": "Steps"},
        format="json",
    )
    assert sample.status_code == 201
    patched = api.patch(
        reverse("api:work-sample-detail", args=[sample.json()["id"]]),
        {"proud_of": "My steps", "do_differently": "Check units"},
        format="json",
    )
    assert patched.json()["do_differently"] == "Check units"
    goal = api.post(
        reverse("api:conference-next-goals", args=[conference.pk]),
        {"title": "Write a short story"},
        format="json",
    )
    assert goal.status_code == 201
    conference = in_state(world, "held")
    _as(api, world.teacher)
    commitment = api.post(
        reverse("api:commitment-list"),
        {"conference": conference.pk, "who": "advisor", "text": "Friday check-ins"},
        format="json",
    )
    assert commitment.status_code == 201
    kept = api.patch(
        reverse("api:commitment-detail", args=[commitment.json()["id"]]),
        {"outcome": "kept"},
        format="json",
    )
    assert kept.json()["outcome"] == "kept"
    drafts = api.post(reverse("api:conference-drafts", args=[conference.pk]))
    assert [g["title"] for g in drafts.json()] == ["Write a short story"]
    assert Goal.objects.get(title="Write a short story").status == "draft"
    refused = _as(api, world.guardian).post(
        reverse("api:commitment-list"),
        {"conference": conference.pk, "who": "family", "text": "x"},
        format="json",
    )
    assert refused.status_code == 400  # not one of the guardian's conferences to write


def test_hostile_input_gets_a_4xx(world, api):
    setup = scheduled(world)
    _as(api, world.student)
    url = reverse("api:conference-agenda", args=[setup.conference.pk])
    section = setup.window.template.sections.first().pk
    for body in (
        {"section": section, "response": "a\x00b"},
        {"section": section, "response": "x" * 5000},
        {"section": -1, "response": "hi"},
        {"section": "ten", "response": "hi"},
    ):
        assert api.post(url, body, format="json").status_code == 400
    assert (
        api.post(
            reverse("api:conference-rsvp", args=[setup.conference.pk]),
            {"response": "yes"},
            format="json",
        ).status_code
        == 400
    )
