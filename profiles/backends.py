"""The sign-in backend: Django's ``ModelBackend``, whose per-request read of the signed-in user
also brings the roles they hold (``roles_of``) and their school's time zone
(``profiles.zones``), so no page spends a query of its own on them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

from .models import Membership, User
from .zones import school_time_zone_subquery


class RolesModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        roles = Membership.objects.filter(user=OuterRef("pk"), is_active=True).values("role")
        user = (
            User._default_manager.annotate(
                active_roles=ArraySubquery(roles), school_zone=school_time_zone_subquery()
            )
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user._learnhub_roles = frozenset(user.active_roles)  # type: ignore[attr-defined]
        user._learnhub_time_zone = user.school_zone or ""  # type: ignore[attr-defined]
        return user
