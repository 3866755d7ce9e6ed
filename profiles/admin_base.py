"""Admin pieces shared by every app: school admins see and change only their own school."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from .models import Membership, Role


def administered_schools(request: HttpRequest) -> list[int]:
    cached: list[int] | None = getattr(request, "_administered_schools", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(
                user_id=request.user.pk or 0, role=Role.ADMIN, is_active=True
            ).values_list("school_id", flat=True)
        )
        request._administered_schools = cached  # type: ignore[attr-defined]
    return cached


class SchoolScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A superuser sees everything; a school admin (staff with the admin role) sees the rows
    whose ``school_path`` leads to a school they run, and may change them."""

    school_path: str = "school"

    def scope_q(self, request: HttpRequest) -> Q:
        return Q(**{f"{self.school_path}__in": administered_schools(request)})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        # A row can reach a school through several joins: keep each row once.
        return qs.filter(
            pk__in=qs.model._default_manager.filter(self.scope_q(request)).values("pk")
        )

    def _is_school_admin(self, request: HttpRequest) -> bool:
        return bool(
            request.user.is_active and request.user.is_staff and administered_schools(request)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or self._is_school_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser or self._is_school_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser or self._is_school_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or self._is_school_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser or self._is_school_admin(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """A school admin can only pick their own school (and that school's rows)."""
        if not request.user.is_superuser and db_field.related_model.__name__ == "School":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                pk__in=administered_schools(request)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
