"""The API's write matrix (QUALITY.md, issue 11): every writable foreign key of every serializer
of every LearnHub API refuses a row the caller may not touch.

Generated from the ``<app>.api.serializers`` modules, so a new serializer cannot be forgotten:
each writable related field, for a second school's admin, neither offers nor accepts a row of the
first school, and a plain unscoped ``PrimaryKeyRelatedField`` fails here.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from django.apps import apps
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.request import Request

from profiles.admin_base import school_scoped_queryset
from tests.conftest import World
from tests.school_population import VICTIM_TAG, populate_school

LEARNHUB_APPS = ("profiles", "mastery", "goals", "conferences", "followups")


def _serializer_classes() -> list[type[serializers.Serializer]]:
    found: dict[str, type[serializers.Serializer]] = {}
    for label in LEARNHUB_APPS:
        if not apps.is_installed(label):
            continue
        try:
            module = importlib.import_module(f"{label}.api.serializers")
        except ModuleNotFoundError:
            continue
        for name, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, serializers.BaseSerializer)
                and value.__module__ == module.__name__
            ):
                found[f"{label}.{name}"] = value
    return [found[k] for k in sorted(found)]


SERIALIZERS = _serializer_classes()


def _related_fields(serializer: serializers.BaseSerializer) -> dict[str, Any]:
    fields = getattr(serializer, "fields", {})
    out: dict[str, Any] = {}
    for name, field in fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ManyRelatedField):
            out[name] = field.child_relation
        elif isinstance(field, serializers.RelatedField):
            out[name] = field
    return out


def _request_as(user: Any) -> Request:
    django_request = RequestFactory().post("/api/v1/")
    django_request.user = user
    request = Request(django_request)
    request.user = user
    return request


def test_the_api_has_serializers_to_check() -> None:
    assert len(SERIALIZERS) > 20


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: c.__name__)
def test_no_writable_foreign_key_accepts_another_schools_row(
    serializer_class: type[serializers.BaseSerializer], world: World
) -> None:
    populate_school(world.school, VICTIM_TAG)
    request = _request_as(world.other_admin)
    try:
        serializer = serializer_class(context={"request": request, "view": None})
    except TypeError:
        pytest.skip("needs constructor arguments: not a request body")
    problems = []
    admin_request = RequestFactory().get("/")
    admin_request.user = world.admin
    for name, field in _related_fields(serializer).items():
        queryset = field.get_queryset()
        model = queryset.model
        victim = school_scoped_queryset(model, admin_request).order_by("pk").first()
        assert victim is not None, f"populate_school makes no {model.__name__}"
        if queryset.filter(pk=victim.pk).exists():
            problems.append(f"{name} offers {victim!r}")
            continue
        try:
            field.to_internal_value(victim.pk)
        except serializers.ValidationError:
            continue
        problems.append(f"{name} accepts {victim!r}")
    assert problems == []
