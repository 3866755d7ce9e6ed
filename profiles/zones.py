"""Whose clock a page or an email uses: the school's (docs/decisions/0027).

A person's time zone is their school's (``School.time_zone``): the school of their active
memberships with the lowest id when they belong to several, the project's ``TIME_ZONE`` when
they belong to none (an operator). Read with the signed-in user (``profiles.backends``), so a
page spends no query on it; ``SchoolTimeZoneMiddleware`` activates it for the request, so
templates' ``|date``, ``timezone.localdate()`` and forms all use the school's day.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Collection
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Membership, User


def school_time_zone_subquery(user_ref: str = "pk") -> Subquery:
    """The time zone name of the school a person's clock follows (see the module docstring)."""
    return Subquery(
        Membership.objects.filter(user=OuterRef(user_ref), is_active=True)
        .order_by("school_id")
        .values("school__time_zone")[:1]
    )


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or str(settings.TIME_ZONE))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(str(settings.TIME_ZONE))


def time_zone_for(*, user: User) -> zoneinfo.ZoneInfo:
    """A person's time zone: no query for the signed-in user, one for anyone else."""
    name: str | None = getattr(user, "_learnhub_time_zone", None)
    if name is None:
        name = (
            User.objects.filter(pk=user.pk)
            .annotate(zone=school_time_zone_subquery())
            .values_list("zone", flat=True)
            .first()
        ) or ""
        user._learnhub_time_zone = name  # type: ignore[attr-defined]
    return _zone(name)


def time_zones_for(*, user_ids: Collection[int]) -> dict[int, zoneinfo.ZoneInfo]:
    """Many people's time zones in one query (the recipients of a batch of emails)."""
    rows = (
        User.objects.filter(pk__in=list(user_ids))
        .annotate(zone=school_time_zone_subquery())
        .values_list("pk", "zone")
    )
    return {pk: _zone(name) for pk, name in rows}


class SchoolTimeZoneMiddleware:
    """Activates the signed-in person's school time zone for the request (after
    ``AuthenticationMiddleware``); anonymous requests keep ``TIME_ZONE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        timezone.activate(time_zone_for(user=user))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
