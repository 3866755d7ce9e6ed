"""Middleware at the edge of the app: refuse hostile input before it reaches a query, and fail
fast and clearly when the database is unreachable, recovering by itself; a page that meets a
domain's not-found or not-allowed error answers 404 or 403."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse

from .errors import NotAllowed, NotFound
from .responses import database_unavailable_response, error_response

logger = logging.getLogger(__name__)

NUL = "\x00"
NUL_MESSAGE = "Text can't contain NUL characters (\\0). Remove them and try again."


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    # JSON bodies are checked by the API's parser (core.parsers.SafeJSONParser), value by value:
    # a NUL in a key the API ignores anyway is harmless. Uploaded files (a roster zip) may hold
    # NUL bytes; only the text fields of a form are checked.
    form = ("application/x-www-form-urlencoded", "multipart/form-data")
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and content_type.startswith(form):
        return any(NUL in value for values in request.POST.lists() for value in values[1])
    return False


class RejectHostileInputMiddleware:
    """A NUL byte is never valid text here (PostgreSQL cannot even store one), so a request
    carrying one in its path, query string or form fields is refused with a 400 and a sentence,
    before any view, form or query sees it — whatever the parameter. (JSON bodies: the API's
    parser refuses a NUL in any string value the same way.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return error_response(request, 400, NUL_MESSAGE, code="nul_character")
        return self.get_response(request)


DATABASE_DOWN_FLAG = "_learnhub_database_down"


def mark_database_down(
    sender: object, request: HttpRequest | None = None, **kwargs: object
) -> None:
    """``got_request_exception`` receiver: Django sends it for every uncaught exception, whichever
    middleware or view raised it. A database that is unreachable marks the request, so the
    outermost middleware can answer 503 instead of the 500 (or, with DEBUG, the traceback)."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OperationalError | InterfaceError):
        setattr(request, DATABASE_DOWN_FLAG, True)


class DatabaseUnavailableMiddleware:
    """Turn "database unreachable" into a 503 with Retry-After instead of a 500, wherever it was
    raised: in a view (``process_exception``) or in any other middleware (the session, history or
    lockout middleware reading the user) — Django turns those into a 500 response inside the
    stack, after telling :func:`mark_database_down`, and this middleware, first in
    ``MIDDLEWARE`` (a system check holds it there), replaces that response on the way out.

    The broken connection is closed so the next request opens a fresh one: when PostgreSQL comes
    back, requests succeed again without a restart.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, DATABASE_DOWN_FLAG, False):
            close_broken_connections()
            return database_unavailable_response(request)
        return response

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


class DomainErrorPagesMiddleware:
    """An access helper (``section_get_for_teacher``) raises the domain's ``NotFound`` or
    ``NotAllowed``; a page answers them as Django's 404 or 403, so views need no try/except
    around every fetch. The API maps the same errors in its exception handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(exception.message))
        if isinstance(exception, NotAllowed):
            return response_for_exception(request, PermissionDenied(exception.message))
        return None
