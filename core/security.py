"""Login hardening that applies to every way of signing in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

# The lockout tables keep usernames in 255-character columns; an email is at most 254.
USERNAME_LIMIT = 254


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username django-axes records and locks on (``AXES_USERNAME_CALLABLE``): the one the
    person typed, cut to what an email address can be, so an oversized username is just a failed
    login (and a locked one after five), never a database error."""
    value: Any = None
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("username") if hasattr(data, "get") else None
    return str(value or "")[:USERNAME_LIMIT]
