"""Schemathesis against the OpenAPI schema, authenticated as a teacher and as a student:
no 5xx, and every response matches the schema it documents."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

RAW_SCHEMA = json.loads(
    OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
)
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
APP = get_wsgi_application()
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_transactions_connection():
    """Calling the WSGI app directly fires request_started/finished, which would close the
    connection holding the test's transaction; Django's own test client disconnects them too."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["teacher", "student", "admin"])
def token(request, world) -> str:
    return Token.objects.create(user=getattr(world, request.param)).key


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, token, world):
    if "{student}" in case.path and case.path_parameters:
        case.path_parameters.setdefault("student", world.student.pk)
    case.call_and_validate(
        app=APP,
        headers={
            "Authorization": f"Token {token}",
            # The WSGI transport does not decompress; pages are gzipped for browsers that ask.
            "Accept-Encoding": "identity",
        },
        checks=CHECKS,
    )
