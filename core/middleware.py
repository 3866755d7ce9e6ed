"""Fail fast and clearly when the database is unreachable, and recover by itself."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Turn "database unreachable" into a 503 with Retry-After instead of a 500.

    The broken connection is closed so the next request opens a fresh one: when PostgreSQL
    comes back, requests succeed again without a restart.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s", type(exception).__name__)
        for conn in connections.all(initialized_only=True):
            with contextlib.suppress(Exception):  # the connection is already broken
                conn.close()
        message = "LearnHub's database is not answering right now. Please try again in a moment."
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "service_unavailable", "detail": message}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = "5"
        return response
