"""Error answers that never touch the database: JSON under /api/, a plain page elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

DATABASE_DOWN = "LearnHub's database is not answering right now. Please try again in a moment."


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_response(
    request: HttpRequest, status: int, message: str, *, code: str = "invalid"
) -> HttpResponse:
    """A readable error with ``status``, rendered without the database (no user, no session):
    safe to answer when the database is down or the input is hostile."""
    if wants_json(request):
        return JsonResponse({"code": code, "detail": message}, status=status)
    page = render_to_string("error.html", {"status": status, "message": message})
    return HttpResponse(page, status=status)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"code": "service_unavailable", "detail": DATABASE_DOWN}, status=503
        )
    else:
        response = HttpResponse(
            render_to_string("503.html", {"message": DATABASE_DOWN}), status=503
        )
    response["Retry-After"] = "5"
    return response
