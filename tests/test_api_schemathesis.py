"""Schemathesis against the OpenAPI schema, authenticated as a teacher, a student, a guardian
and a school admin, with all of its checks: no 5xx, no status the schema does not document,
every response matches the schema it documents, bad input is refused and good input accepted."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

RAW_SCHEMA = json.loads(
    OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
)
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
APP = get_wsgi_application()
# The checks' own probes (the same request without credentials, an unsupported method…) go to
# the same WSGI app.
schema.app = APP


# positive_data_acceptance expects every schema-valid body to be accepted, but the API checks
# what no schema can state: that an id names something the caller may see, that a goal is in a
# state the transition allows, that a password is right. Those answer 400 with a sentence, as
# documented; the hostile-input and API tests specify them.
EXCLUDED = [positive_data_acceptance]


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


@pytest.fixture(params=["teacher", "student", "guardian", "admin"])
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
    # The credentials belong to the case, so schemathesis knows them and checks that the API
    # refuses the same request without them, and with invalid ones (ignored_auth).
    case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}
    case._has_explicit_auth = True  # what schemathesis's own auth providers set
    if case.cookies:
        case.cookies.pop("sessionid", None)
    case.call_and_validate(
        app=APP,
        # The WSGI transport does not decompress; pages are gzipped for browsers that ask.
        headers={"Accept-Encoding": "identity"},
        excluded_checks=EXCLUDED,
    )
