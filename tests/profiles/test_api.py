"""The REST API under /api/v1/: scoped like the pages, readable errors, token auth."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD


@pytest.fixture
def api():
    return APIClient()


def test_teacher_lists_their_students_with_sections_and_grade(world, api):
    api.force_authenticate(world.teacher)
    body = api.get(reverse("api:student-list")).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["display_name"] == "Sam Rivera"
    assert row["grade_level"] == "7"
    assert row["school"] == "Maple Grove Learning Community"
    assert sorted(row["sections"]) == sorted([world.advisory.pk, world.math.pk])


def test_students_filter_by_section_and_search(world, api):
    api.force_authenticate(world.admin)
    by_section = api.get(reverse("api:student-list"), {"section": world.other_section.pk}).json()
    assert [r["display_name"] for r in by_section["results"]] == ["Olive Chen"]
    by_search = api.get(reverse("api:student-list"), {"search": "rive"}).json()
    assert [r["display_name"] for r in by_search["results"]] == ["Sam Rivera"]


def test_profile_for_staff_carries_support_notes(world, api):
    profile = world.student.learner_profile
    profile.support_notes = "Check in privately"
    profile.save()
    api.force_authenticate(world.teacher)
    body = api.get(reverse("api:profile-detail", kwargs={"student": world.student.pk})).json()
    assert body["support_notes"] == "Check in privately"
    assert body["version"] == 1


def test_student_patches_their_profile_with_the_version_they_read(world, api):
    api.force_authenticate(world.student)
    url = reverse("api:profile-detail", kwargs={"student": world.student.pk})
    response = api.patch(url, {"interests": "Robots", "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["interests"] == "Robots"
    assert response.json()["version"] == 2
    assert "support_notes" not in response.json()


def test_stale_version_is_a_409_and_nothing_is_overwritten(world, api):
    api.force_authenticate(world.student)
    url = reverse("api:profile-detail", kwargs={"student": world.student.pk})
    api.patch(url, {"interests": "Robots", "version": 1}, format="json")
    api.force_authenticate(world.teacher)
    response = api.patch(url, {"interests": "Drawing", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    world.student.learner_profile.refresh_from_db()
    assert world.student.learner_profile.interests == "Robots"


def test_patch_without_version_is_a_400_with_a_message(world, api):
    api.force_authenticate(world.student)
    url = reverse("api:profile-detail", kwargs={"student": world.student.pk})
    response = api.patch(url, {"interests": "Robots"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Send the profile's current version with your change.",
        "field": "version",
    }


def test_student_cannot_patch_their_support_notes(world, api):
    api.force_authenticate(world.student)
    url = reverse("api:profile-detail", kwargs={"student": world.student.pk})
    response = api.patch(url, {"support_notes": "x", "version": 1}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


def test_guardian_cannot_patch_their_childs_profile(world, api):
    api.force_authenticate(world.guardian)
    url = reverse("api:profile-detail", kwargs={"student": world.student.pk})
    response = api.patch(url, {"interests": "x", "version": 1}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "params",
    [{"section": "abc"}, {"section": "-1"}, {"page": "zz"}, {"page_size": "x"}],
)
def test_bad_query_parameters_never_cause_a_500(world, api, params):
    api.force_authenticate(world.admin)
    response = api.get(reverse("api:student-list"), params)
    assert response.status_code in (200, 400, 404)


def test_bad_json_is_a_400(world, api):
    api.force_authenticate(world.student)
    url = reverse("api:profile-detail", kwargs={"student": world.student.pk})
    response = api.patch(url, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_token_auth(world, api):
    response = api.post(
        reverse("api:token"), {"username": "tess@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == world.teacher
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api:student-list")).json()["count"] == 1


def test_sections_list_names_teachers_and_counts(world, api):
    api.force_authenticate(world.teacher)
    rows = api.get(reverse("api:section-list")).json()["results"]
    math = next(r for r in rows if r["name"] == "Math 7")
    assert math["student_count"] == 1
    assert [t["display_name"] for t in math["teachers"]] == ["Tess Nguyen"]
    assert api.get(reverse("api:section-list"), {"kind": "advisory"}).json()["count"] == 1


def test_guardian_links_for_a_teacher(world, api):
    api.force_authenticate(world.teacher)
    rows = api.get(reverse("api:guardian-link-list")).json()["results"]
    assert [(r["guardian"]["display_name"], r["student"]) for r in rows] == [
        ("Gina Rivera", world.student.pk)
    ]


def test_openapi_schema_describes_the_endpoints(world, api):
    api.force_authenticate(world.teacher)
    response = api.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/students/",
        "/api/v1/profiles/{student}/",
        "/api/v1/sections/",
        "/api/v1/guardians/",
    ):
        assert path in paths
