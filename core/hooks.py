"""Tell the apps that care that something about a student changed, after the write commits.

Apps that record facts about students (evidence, goals, check-ins, attendance) call
:func:`student_changed`; apps that watch students (the follow-ups scan) list a callable in
``settings.LEARNHUB_STUDENT_CHANGED``. The dependency points one way: mastery and goals never
import followups.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


def student_changed(student_id: int) -> None:
    """Call each ``LEARNHUB_STUDENT_CHANGED`` path with the student's id once the surrounding
    transaction commits (at once outside a transaction; never if it rolls back). A failing
    listener is logged and never breaks the write that has already committed."""
    for path in getattr(settings, "LEARNHUB_STUDENT_CHANGED", []):
        listener: Callable[[int], object] = import_string(path)
        transaction.on_commit(functools.partial(listener, student_id), robust=True)


def students_changed(student_ids: Iterable[int]) -> None:
    """:func:`student_changed` for each id (a class's scores recorded at once)."""
    for student_id in sorted(set(student_ids)):
        student_changed(student_id)
