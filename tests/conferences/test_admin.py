"""Conferences in the school admin: saves go through the services, whose refusals are form
errors (never a 500); actions create and cancel conferences."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from conferences.models import Conference, ConferenceSlot, ConferenceTemplate, ConferenceWindow
from tests.conferences.support import conference_setup, term_for

pytestmark = pytest.mark.django_db


def _dt(moment):
    local = timezone.localtime(moment)
    return {"_0": local.strftime("%Y-%m-%d"), "_1": local.strftime("%H:%M:%S")}


def test_an_overlapping_slot_is_a_form_error_in_the_admin(world, client):
    setup = conference_setup(world)
    first = setup.slots[0]
    client.force_login(world.admin)
    data = {
        "window": setup.window.pk,
        "advisor": world.teacher.pk,
        "room": "Hall",
        "capacity": 1,
    }
    for name, moment in (("starts_at", first.starts_at), ("ends_at", first.ends_at)):
        for suffix, value in _dt(moment).items():
            data[name + suffix] = value
    response = client.post(reverse("admin:conferences_conferenceslot_add"), data)
    assert response.status_code == 200
    assert "two places at once" in response.content.decode(), response.context[
        "adminform"
    ].form.errors
    assert ConferenceSlot.objects.filter(advisor=world.teacher).count() == len(setup.slots)


def test_a_window_on_another_schools_term_is_refused(world, client):
    from tests import factories as f

    template = ConferenceTemplate.objects.get(school=world.school)
    foreign = f.TermFactory(school=world.other_school)
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:conferences_conferencewindow_add"),
        {
            "school": world.school.pk,
            "term": foreign.pk,
            "name": "Spring",
            "template": template.pk,
            "starts_on": "2026-12-14",
            "ends_on": "2026-12-15",
            "mode": "assigned",
        },
    )
    assert response.status_code == 200
    assert not ConferenceWindow.objects.filter(name="Spring").exists()
    term = term_for(world)
    response = client.post(
        reverse("admin:conferences_conferencewindow_add"),
        {
            "school": world.school.pk,
            "term": term.pk,
            "name": "Spring",
            "template": template.pk,
            "starts_on": "2026-12-14",
            "ends_on": "2026-12-15",
            "mode": "assigned",
        },
    )
    assert response.status_code == 302
    window = ConferenceWindow.objects.get(name="Spring")
    response = client.post(
        reverse("admin:conferences_conferencewindow_changelist"),
        {"action": "create_conferences", "_selected_action": [window.pk]},
    )
    assert response.status_code == 302
    assert list(window.conferences.values_list("student", flat=True)) == [world.student.pk]


def test_school_admins_cancel_conferences_with_an_action(world, client):
    setup = conference_setup(world)
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:conferences_conference_changelist"),
        {"action": "cancel", "_selected_action": [setup.conference.pk]},
    )
    assert response.status_code == 302
    assert Conference.objects.get(pk=setup.conference.pk).status == "cancelled"


def test_template_sections_are_edited_inline_with_prompts_checked(world, client):
    template = ConferenceTemplate.objects.get(school=world.school)
    sections = list(template.sections.order_by("order"))
    client.force_login(world.admin)
    url = reverse("admin:conferences_conferencetemplate_change", args=[template.pk])
    data = {
        "school": world.school.pk,
        "name": template.name,
        "description": template.description,
        "checklist": '["I practised"]',
        "is_default": "on",
        "is_active": "on",
        "sections-TOTAL_FORMS": len(sections),
        "sections-INITIAL_FORMS": len(sections),
        "sections-MIN_NUM_FORMS": 0,
        "sections-MAX_NUM_FORMS": 1000,
    }
    for i, s in enumerate(sections):
        data.update(
            {
                f"sections-{i}-id": s.pk,
                f"sections-{i}-template": template.pk,
                f"sections-{i}-order": s.order,
                f"sections-{i}-kind": s.kind,
                f"sections-{i}-title": s.title,
                f"sections-{i}-minutes": s.minutes,
                f"sections-{i}-prompts": '["One question?"]' if i == 0 else '[""]',
            }
        )
    refused = client.post(url, data)
    assert refused.status_code == 200  # an empty prompt is refused
    data["sections-1-prompts"] = '["Who am I?"]'
    for i in range(2, len(sections)):
        data[f"sections-{i}-prompts"] = '["Why?"]'
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.checklist == ["I practised"]
    assert template.sections.order_by("order").first().prompts == ["One question?"]
