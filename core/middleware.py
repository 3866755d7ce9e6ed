"""Middleware at the edge of the app: refuse hostile input before it reaches a query, and fail
fast and clearly when the database is unreachable, recovering by itself."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

from .responses import database_unavailable_response, error_response

logger = logging.getLogger(__name__)

NUL = "\x00"
NUL_MESSAGE = "Text can't contain NUL characters (\\0). Remove them and try again."


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if content_type.startswith("application/json"):
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            # Uploaded files (a roster zip) may hold NUL bytes; only the text fields are checked.
            return any(NUL in value for values in request.POST.lists() for value in values[1])
    return False


class RejectHostileInputMiddleware:
    """A NUL byte is never valid text here (PostgreSQL cannot even store one), so a request
    carrying one in its path, query string, form fields or JSON body is refused with a 400 and
    a sentence, before any view, form or query sees it — whatever the parameter."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return error_response(request, 400, NUL_MESSAGE, code="nul_character")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Turn "database unreachable" raised by a view into a 503 with Retry-After instead of a 500.

    Errors raised by other middleware (the session, history or lockout middleware reading the
    user) are caught by the 500 handler (``core.views.server_error``), which gives the same 503;
    so the answer does not depend on the middleware order. The broken connection is closed so
    the next request opens a fresh one: when PostgreSQL comes back, requests succeed again
    without a restart.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        close_broken_connections()
        return database_unavailable_response(request)


def close_broken_connections() -> None:
    logger.warning("database unavailable")
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):  # the connection is already broken
            conn.close()
