"""The admin's History page of a tracked model lists its pghistory events: who, when, what,
and each changed field's old and new value; inside the school walls; constant queries."""

from __future__ import annotations

import re

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followups.models import RiskPolicy
from goals.models import GoalCategory
from profiles.services import learner_profile_update


def _history(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


def _text(response) -> str:
    """The page's words, without tags and with runs of white space made one space."""
    html = response.content.decode()
    main = html[html.index('id="content-main"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_a_profile_edited_through_the_service_shows_who_and_old_to_new(world, client):
    profile = world.student.learner_profile
    learner_profile_update(
        actor=world.teacher,
        student=world.student,
        expected_version=profile.version,
        changes={"strengths": "Patient with hard problems", "support_notes": "Extra time"},
    )
    learner_profile_update(
        actor=world.student,
        student=world.student,
        expected_version=profile.version + 1,
        changes={"strengths": "Patient and curious"},
    )
    client.force_login(world.admin)

    response = client.get(_history(profile))

    assert response.status_code == 200
    text = _text(response)
    html = response.content.decode()
    table = html[html.index('id="change-history"') : html.index("changes recorded")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows]
    assert len(cells) == 3  # the two edits and the creation, newest first
    assert "Sam Rivera (sam@example.org)" in cells[0]
    assert "via learner profile update" in cells[0]
    assert "Changed" in cells[0]
    assert "Strengths: Patient with hard problems → Patient and curious" in cells[0]
    assert "Support notes" not in cells[0]
    assert "Tess Nguyen (tess@example.org)" in cells[1]
    assert "Strengths: (empty) → Patient with hard problems" in cells[1]
    assert "Support notes: (empty) → Extra time" in cells[1]
    assert "Version" not in text and "Updated at" not in text and "Updated by" not in text
    assert "Created" in cells[2]
    assert "3 changes recorded" in text
    assert "doesn’t have a change history" not in text


def test_the_risk_policy_shows_the_threshold_old_to_new_and_the_admin_who_changed_it(world, client):
    policy = RiskPolicy.objects.get(school=world.school)
    client.force_login(world.admin)
    change = reverse("admin:followups_riskpolicy_change", args=[policy.pk])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("on" if v is True else "" if v in (False, None) else v) for k, v in data.items()}
    data = {k: v for k, v in data.items() if v != ""}
    data["no_evidence_school_days"] = 15
    assert client.post(change, data).status_code == 302

    text = _text(client.get(_history(policy)))

    assert "No evidence for (school days): 10 → 15" in text
    assert "Ada Park (ada@example.org)" in text
    # Django's own log of the same edit is listed too.
    assert "Changed No evidence for (school days)" in text


def test_a_choice_shows_its_label_and_long_text_is_cut(world, client):
    from goals.models import Goal

    category = GoalCategory.objects.filter(school=world.school).first()
    with pghistory.context(service="test"):
        goal = Goal.objects.create(student=world.student, category=category, title="Read more")
        Goal.objects.filter(pk=goal.pk).update(status=Goal.Status.PROPOSED, why="x" * 500)
    client.force_login(world.admin)

    text = _text(client.get(_history(goal)))

    assert f"Status: {Goal.Status.DRAFT.label} → {Goal.Status.PROPOSED.label}" in text
    assert "x" * 119 + "…" in text and "x" * 121 not in text


def test_another_schools_admin_gets_not_found(world, client):
    client.force_login(world.other_admin)
    for obj in (world.student.learner_profile, RiskPolicy.objects.get(school=world.school)):
        assert client.get(_history(obj)).status_code == 404


def test_a_model_without_tracked_history_keeps_djangos_page(world, client):
    category = GoalCategory.objects.filter(school=world.school).first()
    client.force_login(world.admin)

    response = client.get(_history(category))

    assert response.status_code == 200
    assert "doesn’t have a change history" in response.content.decode()


def test_query_count_is_equal_at_two_sizes(world, client):
    """The same page with 3 and 40 events (more than a page of 50 is paginated below)."""
    profile = world.student.learner_profile
    client.force_login(world.admin)
    sizes = []
    done = 0
    for total in (3, 40):
        while done < total:
            learner_profile_update(
                actor=[world.teacher, world.admin][done % 2],
                student=world.student,
                expected_version=profile.version + done,
                changes={"strengths": f"edit {done}"},
            )
            done += 1
        client.get(_history(profile))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_history(profile)).status_code == 200
        sizes.append(len(queries))
    assert sizes[0] == sizes[1]


def test_many_events_are_paginated_newest_first(world, client):
    profile = world.student.learner_profile
    for i in range(55):
        learner_profile_update(
            actor=world.teacher,
            student=world.student,
            expected_version=profile.version + i,
            changes={"strengths": f"edit {i}"},
        )
    client.force_login(world.admin)

    first = _text(client.get(_history(profile)))
    second = _text(client.get(_history(profile) + "?p=2"))

    assert "Strengths: edit 53 → edit 54" in first
    assert "56 changes recorded" in first
    # The oldest update on page 2 is still diffed against the event before it (on no page).
    assert "Strengths: edit 3 → edit 4" in second
    assert "Strengths: (empty) → edit 0" in second
    assert "edit 53 → edit 54" not in second


def test_a_field_the_change_form_does_not_show_is_not_in_the_history(world, client, monkeypatch):
    """Staff-only fields follow the change form: a form without them shows no change to them."""
    from django.contrib import admin

    from profiles.models import LearnerProfile

    profile = world.student.learner_profile
    learner_profile_update(
        actor=world.teacher,
        student=world.student,
        expected_version=profile.version,
        changes={"strengths": "Curious", "support_notes": "Extra time"},
    )
    model_admin = admin.site._registry[LearnerProfile]
    without_staff_only = [fs for fs in model_admin.fieldsets or () if fs[0] != "Staff only"]
    monkeypatch.setattr(model_admin, "get_fieldsets", lambda request, obj=None: without_staff_only)
    client.force_login(world.admin)

    text = _text(client.get(_history(profile)))

    assert "Strengths: (empty) → Curious" in text
    assert "Support notes" not in text and "Extra time" not in text


@pytest.mark.parametrize(
    ("metadata", "who", "via"),
    [
        ({"service": "flags_scan", "trigger": "nightly"}, "nightly scan", ""),
        ({"user": 1, "source": "oneroster", "roster_import": 3}, "Ada Park", "roster import"),
        ({"user": 1, "source": "seed_demo", "service": "learner_profile_update"}, "seed_demo", ""),
        (
            {"user": 1, "url": "/admin/x/", "service": "learner_profile_update"},
            "Ada Park",
            "learner profile update",
        ),
        ({"user": 1, "url": "/admin/followups/riskpolicy/1/change/"}, "Ada Park", "the admin"),
        ({"user": 2}, "person #2 (deleted)", ""),
        ({}, "not recorded (a direct database change)", ""),
    ],
)
def test_who_names_the_person_or_else_the_work(metadata, who, via):
    from profiles.admin_history import describe_context

    assert describe_context(metadata, {1: "Ada Park"}) == (who, via)
