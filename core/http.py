"""How pages answer: a submitted form with errors is a 400 (a 409 for a conflict), re-rendered
with what the person typed and the errors next to the fields; htmx swaps those responses too
(templates/base.html). Never a redirect that hides an invalid submission behind a 302."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def form_status(forms_: Iterable[forms.BaseForm | None], *, conflict: bool = False) -> int:
    if conflict:
        return 409
    return 400 if any(f is not None and f.is_bound and f.errors for f in forms_) else 200


def render_form(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    forms: Iterable[forms.BaseForm | None] = (),
    conflict: bool = False,
    error: str | None = None,
) -> HttpResponse:
    """Render ``template``: 400 when one of ``forms`` was submitted with errors or ``error`` is
    given, 409 for a ``conflict``, else 200."""
    status = 400 if error else form_status(forms, conflict=conflict)
    return render(request, template, context, status=status)
