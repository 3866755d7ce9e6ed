"""The project's error handlers (``handler400`` … ``handler500`` in learnhub/urls.py).

Under ``/api/`` every error is JSON (``{"code", "detail"}``), so an API client never has to read
an HTML page, whatever raised it (an id that doesn't match a route, a view's 404). The 500
handler answers 503 with Retry-After when the cause is the database being unreachable — even
when a middleware hit it before any view ran."""

from __future__ import annotations

import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.views import defaults

from .middleware import close_broken_connections
from .responses import database_unavailable_response, error_response, wants_json


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return error_response(request, 400, "The request could not be read.", code="bad_request")
    return defaults.bad_request(request, exception, template_name="400.html")  # type: ignore[arg-type]


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        detail = str(exception) if exception and str(exception) else "Not allowed."
        return error_response(request, 403, detail, code="not_allowed")
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return error_response(
            request, 404, "No such resource, or not one you can see.", code="not_found"
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        close_broken_connections()
        return database_unavailable_response(request)
    return error_response(
        request,
        500,
        "Something went wrong on our side. It has been logged; please try again.",
        code="server_error",
    )
