"""Template seams for other apps' pages (profiles' teacher home and student page): they show
flags to staff without importing the followups app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from ..describe import describe, describe_threshold
from ..models import Flag
from ..permissions import is_flag_staff
from ..selectors import flag_history_for_student, flagged_student_ids

register = template.Library()


@register.filter
def flag_words(flag: Flag) -> str:
    """The numbers behind a flag in plain words."""
    return describe(flag.rule, flag.measured, flag.threshold)


@register.filter
def flag_threshold_words(flag: Flag) -> str:
    return describe_threshold(flag.rule, flag.threshold)


@register.simple_tag(takes_context=True)
def flagged_ids(context: Any, students: Iterable[Any]) -> set[int]:
    """Which of ``students`` have an active flag the viewer may see (one query; none for
    students and guardians)."""
    request = context.get("request")
    if request is None or not is_flag_staff(request.user):
        return set()
    return flagged_student_ids(viewer=request.user, student_ids=[s.pk for s in students])


@register.inclusion_tag("followups/_student_flags.html", takes_context=True)
def student_flags(context: Any, student: Any) -> dict[str, Any]:
    """The flag and follow-up history on a student's page, for staff only."""
    request = context.get("request")
    if request is None or not is_flag_staff(request.user):
        return {"show": False}
    return {
        "show": True,
        "student": student,
        "flags": flag_history_for_student(viewer=request.user, student=student),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
