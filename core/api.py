"""The API's shared pieces: pagination and error mapping."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain errors become ``{"code", "detail", "field"}`` with their status; DRF's own errors
    keep DRF's shape plus a ``code``."""
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"code": exc.code, "detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "code" not in response.data:
        codes = getattr(exc, "get_codes", lambda: None)()
        if isinstance(codes, str):
            response.data["code"] = codes
        elif response.status_code == status.HTTP_400_BAD_REQUEST:
            response.data["code"] = "invalid"
    return response
