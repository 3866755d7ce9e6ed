"""The admin's write matrix (QUALITY.md, issue 11): school walls hold in the Django admin.

Generated from the admin registry, so a new admin, inline or foreign key cannot be forgotten:
for every registered ModelAdmin a second school's admin can use, every foreign-key and
many-to-many field of its add and change forms and of their inlines refuses a row of the first
school, with a readable error; every list filter lists only the admin's own school; and the
attacks found by hand (a membership, a guardian link, an enrollment and a goal pointing at the
first school's people, another school's admin's password) are refused over HTTP with nothing
written.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.test import RequestFactory
from django.urls import reverse

from goals.models import Goal
from profiles.admin_base import SchoolScopedAdmin, school_scoped_queryset
from profiles.models import Enrollment, GuardianLink, Membership, Role, User
from tests.conftest import World
from tests.school_population import VICTIM_TAG, populate_school, victim_names

LEARNHUB_APPS = {"profiles", "mastery", "goals", "conferences", "followups"}
ADMINS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in LEARNHUB_APPS),
    key=lambda m: m._meta.label,
)


def _request(user: User | AnonymousUser, method: str = "get") -> Any:
    request = getattr(RequestFactory(), method)("/admin/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.fixture
def walls(world: World) -> World:
    populate_school(world.school, VICTIM_TAG)
    populate_school(world.other_school, "Riverwall")
    return world


def _victim_row(model: type[Model], world: World) -> Model:
    """A row of ``model`` at the first school (the one being attacked)."""
    row = school_scoped_queryset(model, _request(world.admin)).order_by("pk").first()
    assert row is not None, f"populate_school makes no {model.__name__}: add one"
    return row


def _own_row(model: type[Model], world: World) -> Model:
    row = school_scoped_queryset(model, _request(world.other_admin)).order_by("pk").first()
    assert row is not None, f"populate_school makes no {model.__name__}: add one"
    return row


def _choice_fields(form_class: type[forms.BaseForm]) -> dict[str, forms.ModelChoiceField]:
    return {
        name: field
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.ModelChoiceField)
    }


def _forms_of(model_admin: Any, request: Any, obj: Model | None) -> list[tuple[str, Any]]:
    """The admin's form and each inline's form, as the admin would build them for ``obj``."""
    built: list[tuple[str, Any]] = [
        ("form", model_admin.get_form(request, obj, change=obj is not None))
    ]
    for formset, inline in model_admin.get_formsets_with_inlines(request, obj):
        built.append((f"inline {type(inline).__name__}", formset.form))
    return built


def _refuses(field: forms.ModelChoiceField, row: Model) -> str | None:
    """None when the field refuses ``row`` with a readable message; else what went wrong."""
    if field.queryset.filter(pk=row.pk).exists():
        return "offers it"
    value: Any = [row.pk] if isinstance(field, forms.ModelMultipleChoiceField) else row.pk
    try:
        field.clean(value)
    except ValidationError as error:
        text = " ".join(error.messages)
        return None if "not one of your school's" in text or "valid choice" in text else text
    return "accepts it"


@pytest.mark.parametrize("model", ADMINS, ids=lambda m: m._meta.label)
def test_no_admin_form_accepts_another_schools_row(model: type[Model], walls: World) -> None:
    """Add and change forms and their inlines, for the second school's admin."""
    model_admin = admin.site._registry[model]
    request = _request(walls.other_admin)
    if not model_admin.has_module_permission(request):
        pytest.skip(f"{model.__name__}'s admin is for operators only")
    targets: list[Model | None] = []
    if model_admin.has_add_permission(request):
        targets.append(None)
    own = model_admin.get_queryset(request).order_by("pk").first()
    if own is not None:
        targets.append(own)
    elif isinstance(model_admin, SchoolScopedAdmin):
        pytest.fail(f"populate_school makes no {model.__name__} at the second school: add one")
    problems = []
    checked = 0
    for obj in targets:
        for where, form_class in _forms_of(model_admin, request, obj):
            for name, field in _choice_fields(form_class).items():
                victim = _victim_row(field.queryset.model, walls)
                problem = _refuses(field, victim)
                checked += 1
                if problem:
                    state = "change" if obj else "add"
                    problems.append(f"{state} {where}.{name} {problem}: {victim!r}")
    assert problems == []
    if model_admin.has_add_permission(request) and _has_relations(model):
        assert checked, f"no foreign keys were checked on {model.__name__}'s forms"


def _has_relations(model: type[Model]) -> bool:
    return any(
        f.concrete and (f.many_to_one or f.many_to_many) and f.editable
        for f in model._meta.get_fields()
    )


@pytest.mark.parametrize("model", ADMINS, ids=lambda m: m._meta.label)
def test_changelist_filters_name_only_the_admins_school(
    model: type[Model], walls: World, client: Any
) -> None:
    client.force_login(walls.other_admin)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    if response.status_code == 403:
        pytest.skip("operators only")
    page = response.content.decode()
    assert response.status_code == 200
    leaked = [name for name in victim_names() if name in page]
    assert leaked == []


# --- the attacks found by hand, over HTTP, with the database unchanged ------------------------


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data)


def test_a_membership_for_another_schools_student_is_refused(walls: World, client: Any) -> None:
    client.force_login(walls.other_admin)
    before = Membership.objects.count()
    response = _post(
        client,
        reverse("admin:profiles_membership_add"),
        {
            "user": walls.student.pk,
            "school": walls.other_school.pk,
            "role": Role.GUARDIAN,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "not one of your school" in response.content.decode()
    assert Membership.objects.count() == before
    assert client.get(f"/api/v1/profiles/{walls.student.pk}/").status_code == 404


def test_a_membership_for_ones_own_person_is_accepted(walls: World, client: Any) -> None:
    """The same form works inside the walls, so the refusal above is the wall, not a typo."""
    client.force_login(walls.other_admin)
    own_teacher = User.objects.get(email="teacher-Riverwall@example.org")
    response = _post(
        client,
        reverse("admin:profiles_membership_add"),
        {
            "user": own_teacher.pk,
            "school": walls.other_school.pk,
            "role": Role.GUARDIAN,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=own_teacher, role=Role.GUARDIAN).exists()


def test_another_schools_admin_cannot_be_taken_over(walls: World, client: Any) -> None:
    client.force_login(walls.other_admin)
    before = Membership.objects.count()
    response = _post(
        client,
        reverse("admin:profiles_membership_add"),
        {"user": walls.admin.pk, "school": walls.other_school.pk, "role": Role.GUARDIAN},
    )
    assert response.status_code == 200
    assert Membership.objects.count() == before
    password_url = reverse("admin:auth_user_password_change", args=[walls.admin.pk])
    response = client.post(
        password_url, {"password1": "Takeover-pass-123", "password2": "Takeover-pass-123"}
    )
    assert response.status_code in (302, 403, 404)
    walls.admin.refresh_from_db()
    assert not walls.admin.check_password("Takeover-pass-123")


def test_a_guardian_link_to_another_schools_child_is_refused(walls: World, client: Any) -> None:
    client.force_login(walls.other_admin)
    before = GuardianLink.objects.count()
    response = _post(
        client,
        reverse("admin:profiles_guardianlink_add"),
        {"guardian": walls.other_admin.pk, "student": walls.student.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    assert GuardianLink.objects.count() == before


def test_an_enrollment_of_another_schools_student_is_refused(walls: World, client: Any) -> None:
    client.force_login(walls.other_admin)
    own_section = walls.other_school.sections.get()
    before = Enrollment.objects.count()
    response = _post(
        client,
        reverse("admin:profiles_enrollment_add"),
        {
            "section": own_section.pk,
            "user": walls.student.pk,
            "role": Enrollment.Role.STUDENT,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert Enrollment.objects.count() == before


def test_a_goal_for_another_schools_student_is_refused(walls: World, client: Any) -> None:
    client.force_login(walls.other_admin)
    before = Goal.objects.count()
    response = _post(
        client,
        reverse("admin:goals_goal_add"),
        {
            "student": walls.student.pk,
            "title": "Planted goal",
            "horizon": "term",
            "status": "active",
            "origin": "student",
            "version": 1,
            "steps-TOTAL_FORMS": 0,
            "steps-INITIAL_FORMS": 0,
            "checkins-TOTAL_FORMS": 0,
            "checkins-INITIAL_FORMS": 0,
            "comments-TOTAL_FORMS": 0,
            "comments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert Goal.objects.count() == before


def test_a_person_known_at_two_schools_is_read_only_for_each_schools_admin(
    walls: World, client: Any
) -> None:
    """docs/decisions/0004: their account is an operator's; each school keeps their roles."""
    Membership.objects.create(user=walls.teacher, school=walls.other_school, role=Role.TEACHER)
    client.force_login(walls.other_admin)
    change = reverse("admin:profiles_user_change", args=[walls.teacher.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert "also belongs to another school" in page.content.decode()
    response = client.post(
        reverse("admin:auth_user_password_change", args=[walls.teacher.pk]),
        {"password1": "Takeover-pass-123", "password2": "Takeover-pass-123"},
    )
    assert response.status_code == 403
    walls.teacher.refresh_from_db()
    assert not walls.teacher.check_password("Takeover-pass-123")
    response = client.post(change, {"email": "stolen@example.org", "given_name": "X"})
    assert response.status_code == 403
    walls.teacher.refresh_from_db()
    assert walls.teacher.email == "tess@example.org"


def test_a_school_admin_adds_a_person_to_their_school(walls: World, client: Any) -> None:
    client.force_login(walls.other_admin)
    response = client.post(
        reverse("admin:profiles_user_add"),
        {
            "email": "new.teacher@example.org",
            "given_name": "Nia",
            "family_name": "Okafor",
            "school": walls.other_school.pk,
            "role": Role.TEACHER,
            "usable_password": "false",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email="new.teacher@example.org")
    assert list(person.memberships.values_list("school_id", "role")) == [
        (walls.other_school.pk, Role.TEACHER)
    ]


def test_a_school_admin_cannot_add_a_person_to_another_school(walls: World, client: Any) -> None:
    client.force_login(walls.other_admin)
    response = client.post(
        reverse("admin:profiles_user_add"),
        {
            "email": "planted@example.org",
            "given_name": "P",
            "family_name": "Q",
            "school": walls.school.pk,
            "role": Role.ADMIN,
            "usable_password": "false",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="planted@example.org").exists()
