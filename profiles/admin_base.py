"""The school walls of the Django admin, built once for every model (CONVENTIONS 15).

A superuser (an operator) sees and changes everything. A school admin (staff with an active
admin membership) sees only the rows whose ``school_path`` leads to a school they run, and every
foreign key they can pick — on add and change forms, inlines, list filters and action forms — is
limited the same way: a posted id from another school is refused with a readable error, however
it was posted (the autocomplete widgets only *offer* the school's rows; the form's queryset is
what decides).

How a model reaches its school is declared once: by the ``school_path`` of its registered
``SchoolScopedAdmin``, or, for models without an admin of their own, by
:func:`register_school_path`. A foreign key to a model with no known path cannot be shown to a
school admin (``ImproperlyConfigured``), so a new form cannot forget its wall; the write matrix
in tests/test_admin_write_matrix.py walks every registered admin to prove it.

A person belongs to a school through a :class:`~profiles.models.Membership`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from .admin_history import history_page, is_tracked
from .models import Membership, Role, School, User

#: The admin's own log entries shown under an object's recorded history (newest first).
LOG_ROWS = 20

_EXTRA_SCHOOL_PATHS: dict[type[Model], str] = {
    School: "pk",
    User: "memberships__school",
}


def register_school_path(model: type[Model], path: str) -> None:
    """Declare how rows of ``model`` (one without a SchoolScopedAdmin) reach their school."""
    _EXTRA_SCHOOL_PATHS[model] = path


def school_path_for(model: type[Model]) -> str | None:
    if model in _EXTRA_SCHOOL_PATHS:
        return _EXTRA_SCHOOL_PATHS[model]
    model_admin = admin.site._registry.get(model)
    if isinstance(model_admin, SchoolScopedAdmin):
        return model_admin.school_path
    return None


def administered_schools(request: HttpRequest) -> list[int]:
    """The ids of the schools the signed-in person runs (cached on the request)."""
    cached: list[int] | None = getattr(request, "_administered_schools", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(
                user_id=request.user.pk or 0, role=Role.ADMIN, is_active=True
            ).values_list("school_id", flat=True)
        )
        request._administered_schools = cached  # type: ignore[attr-defined]
    return cached


def is_school_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and administered_schools(request))


def school_scoped_queryset(
    model: type[Model], request: HttpRequest, queryset: QuerySet[Any] | None = None
) -> QuerySet[Any]:
    """``queryset`` (default: all rows of ``model``) limited to the schools the person runs;
    unchanged for a superuser. Each row once, whatever joins its school path takes."""
    qs = queryset if queryset is not None else model._default_manager.all()
    if request.user.is_superuser:
        return qs
    path = school_path_for(model)
    if path is None:
        raise ImproperlyConfigured(
            f"{model.__name__} has no school path: give its admin a school_path or call "
            "profiles.admin_base.register_school_path, so school admins only pick their "
            "school's rows."
        )
    in_school = model._default_manager.filter(Q(**{f"{path}__in": administered_schools(request)}))
    return qs.filter(pk__in=in_school.values("pk"))


class SchoolScopedRelatedFilter(RelatedFieldListFilter):
    """A sidebar filter on a relation that lists only the admin's school's rows."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        ordering = self.field_admin_ordering(field, request, model_admin) or ()
        rows = school_scoped_queryset(field.related_model, request)
        if ordering:
            rows = rows.order_by(*ordering)
        return [(row.pk, str(row)) for row in rows]


class _SchoolScopedFormFields:
    """Foreign-key and many-to-many form fields limited to the admin's school."""

    def _scope_kwargs(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
        if request.user.is_superuser:
            return
        related = db_field.related_model
        base = kwargs.get("queryset")
        if base is None:
            base = related._default_manager.all()
        kwargs["queryset"] = school_scoped_queryset(related, request, base)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_kwargs(db_field, request, kwargs)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        return _readable_choice_error(field)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_kwargs(db_field, request, kwargs)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        return _readable_choice_error(field)


def _readable_choice_error(field: Any) -> Any:
    if field is not None and hasattr(field, "error_messages"):
        noun = str(getattr(field, "label", "") or "choice").lower()
        message = (
            f"That {noun} is not one of your school's. Pick one from the list; "
            "rows of other schools can't be used here."
        )
        field.error_messages["invalid_choice"] = message
        field.error_messages["invalid_pk_value"] = message
    return field


class SchoolScopedAdmin(_SchoolScopedFormFields, admin.ModelAdmin):
    """A superuser sees everything; a school admin sees the rows whose ``school_path`` leads to
    a school they run, may change them, and picks related rows only from that school."""

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
        return is_school_admin(request)

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

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """For a model pghistory tracks, every recorded change of the object (who, when, each
        field's old and new value; profiles.admin_history), with the admin's own log below.
        An object outside the admin's school is not found (404), as one that does not exist.
        Other models keep Django's page."""
        if not is_tracked(self.model):
            return super().history_view(request, object_id, extra_context)
        from django.contrib.admin.models import LogEntry
        from django.contrib.admin.utils import unquote
        from django.contrib.admin.views.main import PAGE_VAR
        from django.contrib.contenttypes.models import ContentType
        from django.template.response import TemplateResponse
        from django.utils.text import capfirst

        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404("No such record.")
        fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        page, rows = history_page(obj=obj, fields=fields, page_number=request.GET.get(PAGE_VAR))
        log = list(
            LogEntry.objects.filter(
                object_id=str(obj.pk), content_type=ContentType.objects.get_for_model(obj)
            )
            .select_related("user")
            .order_by("-action_time")[:LOG_ROWS]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "rows": rows,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "log": log,
            "log_rows": LOG_ROWS,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/learnhub_object_history.html", context)

    def get_list_filter(self, request: HttpRequest) -> Any:
        """Filters on a relation list the admin's school's rows only (names of other schools,
        their terms or sections never appear in the sidebar)."""
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [self._scoped_filter(spec) for spec in filters]

    def _scoped_filter(self, spec: Any) -> Any:
        if not isinstance(spec, str):
            return spec
        from django.contrib.admin.utils import get_fields_from_path

        try:
            field = get_fields_from_path(self.model, spec)[-1]
        except Exception:
            return spec
        if getattr(field, "is_relation", False) and field.related_model is not None:
            return (spec, SchoolScopedRelatedFilter)
        return spec


class SchoolScopedInlineMixin(_SchoolScopedFormFields):
    """Inline rows limited to the admin's school (their own ``school_path``), with the same
    walls on their foreign keys; permissions follow the parent admin's school-admin rule."""

    school_path: str = "school"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return qs
        in_school = qs.model._default_manager.filter(
            Q(**{f"{self.school_path}__in": administered_schools(request)})
        )
        return qs.filter(pk__in=in_school.values("pk"))

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or is_school_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)


class SchoolScopedInline(SchoolScopedInlineMixin, admin.TabularInline):
    """A tabular inline inside the school walls."""


class SchoolScopedStackedInline(SchoolScopedInlineMixin, admin.StackedInline):
    """A stacked inline inside the school walls."""
