"""What every app's pages and API share about the person asking: who they are, the students they
may see, and pages that belong to one role. Above profiles, below every other app."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from .models import Role, User
from .permissions import roles_of, visible_students_q

ViewFunc = Callable[..., HttpResponse]


class AuthenticatedHttpRequest(HttpRequest):
    """The type of a page request behind ``login_required`` or ``role_required``: its ``user`` is
    a ``User`` (never anonymous), and ``htmx`` is what django-htmx's middleware set. For typing
    only: Django still builds a plain ``HttpRequest``. The Django admin's and DRF's methods keep
    their base signatures and read the person with ``request_user``."""

    user: User
    htmx: HtmxDetails


def request_user(request: Any) -> User:
    """The signed-in person of a page or API request (behind ``login_required`` or
    ``IsAuthenticated``); anyone else is refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def visible_students(user: Any) -> QuerySet[User]:
    """The students ``user`` may see: the scope of a student id in a request body."""
    return User.objects.filter(visible_students_q(user))


def role_required(role: str) -> Callable[[ViewFunc], ViewFunc]:
    """The page belongs to one role: others get a 403 that says so."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if role not in roles_of(request.user):
                raise PermissionDenied(f"This page is for {Role(role).label.lower()}s.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
