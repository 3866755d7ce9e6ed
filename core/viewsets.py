"""A base viewset that refuses to list anything it has not scoped to the caller."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from rest_framework.viewsets import GenericViewSet


class ScopedViewSetMixin(GenericViewSet):
    """Every queryset must come from ``get_scoped_queryset(user)``: a viewset that forgets to
    scope cannot be written, because the unscoped ``queryset`` attribute is refused."""

    def get_scoped_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "queryset", None) is not None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} sets an unscoped queryset; implement get_scoped_queryset."
            )
        if getattr(self, "swagger_fake_view", False):
            return self.get_scoped_queryset().none()
        return self.get_scoped_queryset()
