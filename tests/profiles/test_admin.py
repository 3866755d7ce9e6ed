"""The Django admin: every model registered; school admins see and change only their school."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from profiles.models import LearnerProfile, User

LEARNHUB_APPS = {"profiles", "mastery", "goals", "conferences", "followups"}


# Kept by database triggers from other rows, never edited and not worth a page: the running
# tally of scores is the evidence summed (decision 0032); the evidence has its pages.
DERIVED_BY_TRIGGERS = {"ScoreTally"}


def test_every_learnhub_model_is_in_the_admin():
    """Registered, or edited inline on its parent (levels on scales, steps on goals…)."""
    inline = {i.model for a in admin.site._registry.values() for i in a.inlines}
    missing = [
        m.__name__
        for m in apps.get_models()
        if m._meta.app_label in LEARNHUB_APPS
        and not m.__name__.endswith("Event")
        and m.__name__ not in DERIVED_BY_TRIGGERS
        and m not in admin.site._registry
        and m not in inline
    ]
    assert missing == []


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label in LEARNHUB_APPS]
)
def test_school_admin_can_open_every_learnhub_changelist(world, client, model):
    client.force_login(world.admin)
    assert client.get(_changelist(model)).status_code == 200


def test_school_admin_sees_only_their_schools_people(world, client):
    client.force_login(world.other_admin)
    page = client.get(_changelist(User)).content.decode()
    assert "sam@example.org" not in page
    assert "otto@example.org" in page
    client.force_login(world.admin)
    page = client.get(_changelist(User)).content.decode()
    assert "sam@example.org" in page and "otto@example.org" not in page


def test_another_schools_admin_cannot_open_a_profile(world, client):
    client.force_login(world.other_admin)
    url = reverse("admin:profiles_learnerprofile_change", args=[world.student.learner_profile.pk])
    response = client.get(url)
    assert response.status_code == 302  # Django admin redirects away from objects it can't find


def test_teachers_and_families_cannot_use_the_admin(world, client):
    for person in (world.teacher, world.guardian, world.student):
        client.force_login(person)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302


def test_admin_edits_go_through_the_service_and_are_recorded(world, client):
    client.force_login(world.admin)
    profile = world.student.learner_profile
    url = reverse("admin:profiles_learnerprofile_change", args=[profile.pk])
    data = {
        "strengths": "Persistent",
        "needs": "",
        "interests": "",
        "learning_preferences": "",
        "aspirations": "",
        "support_notes": "Quiet room for tests",
        "accommodations": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.strengths, profile.support_notes, profile.version) == (
        "Persistent",
        "Quiet room for tests",
        2,
    )
    assert profile.updated_by == world.admin
    page = client.get(url).content.decode()
    assert "Ada Park" in page  # the history line names who changed it
    assert LearnerProfile.pgh_event_model.objects.filter(pgh_obj_id=profile.pk).count() == 2


def test_a_school_admin_cannot_rebind_their_schools_sourced_id(world, client):
    world.school.sourced_id = "org-maple"
    world.school.save()
    client.force_login(world.admin)
    url = reverse("admin:profiles_school_change", args=[world.school.pk])
    response = client.post(
        url,
        {
            "name": "Maple Grove",
            "identifier": "",
            "time_zone": "America/New_York",
            "sourced_id": "org-stolen",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    world.school.refresh_from_db()
    assert world.school.sourced_id == "org-maple"
    assert world.school.name == "Maple Grove"
