"""The authorization matrix (QUALITY.md): every URL pattern, generated from the URL resolver,
for every kind of person. A new endpoint without a row here fails
``test_every_url_is_in_the_matrix``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import World
from tests.mastery.conftest import build_maths

PERSONAS = (
    "anonymous",
    "student",
    "other_student",
    "guardian",
    "other_guardian",
    "teacher",
    "other_teacher",
    "admin",
    "other_admin",
)
EVERYONE = frozenset(PERSONAS)
SIGNED_IN = EVERYONE - {"anonymous"}


@dataclass(frozen=True)
class Rule:
    """``allowed`` get ``ok_status``; everyone else is refused (login redirect, 401/403/404).
    For ``scoped_list`` rules everyone signed in gets 200 but only ``allowed`` see the target."""

    allowed: frozenset[str]
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    ok_status: int = 200
    method: str = "get"
    scoped_list: bool = False
    target: Callable[[World], int] = lambda w: w.student.pk
    data: dict[str, Any] | Callable[[World], dict[str, Any]] = field(default_factory=dict)
    signed_in_status: int | None = None  # e.g. the login page redirects signed-in people


def _math(world: World):
    build_maths(world)
    return world.math


def _submitted(world: World):
    """A submission from the student, waiting for review (created once per test)."""
    from mastery.models import Evidence
    from mastery.services import evidence_submit

    existing = Evidence.objects.filter(student=world.student, status="submitted").first()
    return existing or evidence_submit(
        actor=world.student, competency=build_maths(world).t3, note="My budget project"
    )


def _goal(world: World, status: str = "active"):
    """A goal of the student with one action step, active (approved) or still proposed
    (created once per test)."""
    from goals.models import Goal
    from goals.services import goal_approve, goal_create

    existing = Goal.objects.filter(student=world.student, status=status).first()
    if existing:
        return existing
    goal = goal_create(
        actor=world.student,
        student=world.student,
        title="Read four novels this term",
        success_criteria="4 books",
        steps=[("Pick the first book", None)],
        propose=True,
    )
    return goal if status == "proposed" else goal_approve(actor=world.teacher, goal=goal)


STUDENT = lambda w: {"pk": w.student.pk}  # noqa: E731
STUDENT_LOOKUP = lambda w: {"student": w.student.pk}  # noqa: E731
ABOUT_EDITORS = frozenset({"student", "teacher", "admin"})
STAFF = frozenset({"teacher", "admin"})
SEES_STUDENT = frozenset({"student", "guardian", "teacher", "admin"})

MATRIX: dict[str, Rule] = {
    # public
    "healthz": Rule(EVERYONE),
    "login": Rule(EVERYONE, signed_in_status=302),
    "password_reset": Rule(EVERYONE),
    "password_reset_done": Rule(EVERYONE),
    "password_reset_complete": Rule(EVERYONE),
    "password_reset_confirm": Rule(
        EVERYONE, kwargs=lambda w: {"uidb64": "MQ", "token": "set-password"}
    ),
    "logout": Rule(EVERYONE, method="post", ok_status=302),
    "api:token": Rule(EVERYONE, method="post", ok_status=400),
    # any signed-in person
    "home": Rule(SIGNED_IN, ok_status=302),
    "password_change": Rule(SIGNED_IN),
    "password_change_done": Rule(SIGNED_IN),
    "api-schema": Rule(SIGNED_IN),
    "api-docs": Rule(SIGNED_IN),
    # role homes
    "teacher-home": Rule(frozenset({"teacher", "other_teacher"})),
    "student-home": Rule(frozenset({"student", "other_student"})),
    "family-home": Rule(frozenset({"guardian", "other_guardian"})),
    # one student's record
    "student-detail": Rule(SEES_STUDENT, kwargs=STUDENT),
    "about-me-edit": Rule(ABOUT_EDITORS, kwargs=STUDENT),
    "support-notes-edit": Rule(STAFF, kwargs=STUDENT),
    "section-detail": Rule(STAFF, kwargs=lambda w: {"pk": w.math.pk}),
    # mastery pages
    "section-grid": Rule(STAFF, kwargs=lambda w: {"pk": _math(w).pk}),
    "section-grid-csv": Rule(STAFF, kwargs=lambda w: {"pk": _math(w).pk}),
    "section-record": Rule(STAFF, kwargs=lambda w: {"pk": _math(w).pk}),
    "grid-cell": Rule(
        STAFF,
        kwargs=lambda w: {
            "pk": _math(w).pk,
            "student_pk": w.student.pk,
            "competency_pk": build_maths(w).t1.pk,
        },
    ),
    "evidence-review": Rule(frozenset({"teacher", "other_teacher"})),
    "evidence-accept": Rule(
        STAFF,
        method="post",
        ok_status=302,
        kwargs=lambda w: {"evidence_pk": _submitted(w).pk},
        data={"score": "3"},
    ),
    "evidence-return": Rule(
        STAFF,
        method="post",
        ok_status=302,
        kwargs=lambda w: {"evidence_pk": _submitted(w).pk},
        data={"comment": "Add a photo of your budget sheet"},
    ),
    "my-mastery": Rule(frozenset({"student", "other_student"})),
    "evidence-submit": Rule(frozenset({"student", "other_student"})),
    "student-progress": Rule(SEES_STUDENT, kwargs=STUDENT),
    # goals pages
    "my-goals": Rule(frozenset({"student", "other_student"})),
    "goal-new": Rule(frozenset({"student", "other_student"})),
    "goal-hints": Rule(frozenset({"student", "other_student"}), method="post"),
    "advisory-goals": Rule(frozenset({"teacher", "other_teacher"})),
    "student-goals": Rule(SEES_STUDENT, kwargs=STUDENT),
    "goal-suggest": Rule(STAFF, kwargs=STUDENT),
    "goal-detail": Rule(SEES_STUDENT, kwargs=lambda w: {"pk": _goal(w).pk}),
    "goal-edit": Rule(ABOUT_EDITORS, kwargs=lambda w: {"pk": _goal(w).pk}),
    "goal-checkin": Rule(
        frozenset({"student"}),
        method="post",
        ok_status=302,
        kwargs=lambda w: {"pk": _goal(w).pk},
        data={"progress": 40, "confidence": 3},
    ),
    "goal-comment": Rule(
        SEES_STUDENT,
        method="post",
        ok_status=302,
        kwargs=lambda w: {"pk": _goal(w).pk},
        data={"body": "Proud of you"},
    ),
    "goal-transition": Rule(
        STAFF,
        method="post",
        ok_status=302,
        kwargs=lambda w: {"pk": _goal(w, status="proposed").pk, "action": "approve"},
        data={"comment": "A strong goal"},
    ),
    "action-step-toggle": Rule(
        ABOUT_EDITORS,
        method="post",
        ok_status=302,
        kwargs=lambda w: {"pk": _goal(w).steps.get().pk},
        data={"done": "1"},
    ),
    # API
    "api:student-list": Rule(SEES_STUDENT, scoped_list=True),
    "api:student-detail": Rule(SEES_STUDENT, kwargs=STUDENT),
    "api:profile-list": Rule(SEES_STUDENT, scoped_list=True, target=lambda w: w.student.pk),
    "api:profile-detail": Rule(SEES_STUDENT, kwargs=STUDENT_LOOKUP),
    "api:section-list": Rule(
        frozenset({"student", "guardian", "teacher", "admin"}),
        scoped_list=True,
        target=lambda w: w.math.pk,
    ),
    "api:section-detail": Rule(
        frozenset({"student", "guardian", "teacher", "admin"}), kwargs=lambda w: {"pk": w.math.pk}
    ),
    "api:guardian-link-list": Rule(SEES_STUDENT, scoped_list=True, target=lambda w: w.student.pk),
    "api:guardian-link-detail": Rule(
        SEES_STUDENT, kwargs=lambda w: {"pk": w.guardian.child_links.get().pk}
    ),
}


from tests.mastery.matrix_rows import API_ROWS as MASTERY_API_ROWS  # noqa: E402

MATRIX.update(MASTERY_API_ROWS)

from tests.goals.matrix_rows import API_ROWS as GOALS_API_ROWS  # noqa: E402

MATRIX.update(GOALS_API_ROWS)

from tests.conferences.matrix_rows import ROWS as CONFERENCE_ROWS  # noqa: E402

MATRIX.update(CONFERENCE_ROWS)

from tests.followups.matrix_rows import ROWS as FOLLOWUP_ROWS  # noqa: E402

MATRIX.update(FOLLOWUP_ROWS)


def _walk(patterns: list[Any], namespace: str | None = None):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            yield from _walk(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name


def url_names() -> set[str]:
    """Every named URL pattern outside the Django admin, namespaced (``api:student-list``)."""
    return set(_walk(get_resolver().url_patterns))


def _url_for(key: str, world: World) -> str:
    url = reverse(key, kwargs=MATRIX[key].kwargs(world))
    if key.startswith("api:"):
        assert url.startswith("/api/v1/"), url
    return url


def test_every_url_is_in_the_matrix() -> None:
    missing = sorted(set(url_names()) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(url_names()))
    assert not missing, f"add these URL names to the authorization matrix: {missing}"
    assert not stale, f"these matrix rows name no URL: {stale}"


CASES = [(key, persona) for key in sorted(MATRIX) for persona in PERSONAS]


@pytest.mark.parametrize(("key", "persona"), CASES)
def test_authorization_matrix(key: str, persona: str, world: World, client: Any) -> None:
    rule = MATRIX[key]
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    url = _url_for(key, world)
    data = rule.data(world) if callable(rule.data) else rule.data
    if url.startswith("/api/") and rule.method != "get":
        # The API speaks JSON.
        response = getattr(client, rule.method)(
            url, json.dumps(data), content_type="application/json"
        )
    else:
        response = getattr(client, rule.method)(url, data)
    if rule.scoped_list:
        if persona == "anonymous":
            assert response.status_code in (401, 403)
            return
        assert response.status_code == 200
        ids = {row.get("student", row.get("id")) for row in response.json()["results"]}
        if key == "api:section-list":
            ids = {row["id"] for row in response.json()["results"]}
        sees = rule.target(world) in ids
        assert sees == (persona in rule.allowed), f"{persona} sees target: {sees}"
        return
    if persona in rule.allowed:
        expected = rule.ok_status
        if persona != "anonymous" and rule.signed_in_status is not None:
            expected = rule.signed_in_status
        assert response.status_code == expected, response.content[:500]
        return
    if persona == "anonymous":
        if url.startswith("/api/") and url != reverse("api-docs"):  # the docs are a page
            assert response.status_code in (401, 403)
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        return
    assert response.status_code in (403, 404), f"{persona} got {response.status_code}"


@pytest.mark.parametrize("persona", ["student", "guardian", "other_teacher", "other_admin"])
def test_staff_only_fields_never_reach_non_staff(persona: str, world: World, client: Any) -> None:
    profile = world.student.learner_profile
    profile.support_notes = "Reads best with a ruler guide"
    profile.accommodations = "Extended time"
    profile.save()
    client.force_login(getattr(world, persona))
    page = client.get(reverse("student-detail", args=[world.student.pk])).content.decode()
    assert "Reads best with a ruler guide" not in page
    assert "Extended time" not in page
    rows = client.get(reverse("api:profile-list")).json()["results"]
    detail = client.get(reverse("api:profile-detail", kwargs={"student": world.student.pk}))
    if detail.status_code == 200:
        rows.append(detail.json())
    for row in rows:
        if row["student"] == world.student.pk:
            assert "support_notes" not in row
            assert "accommodations" not in row
