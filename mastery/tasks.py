"""Thin Celery wrappers: take ids, re-read state, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from .services import mastery_rebuild


@shared_task(name="mastery.rebuild_framework")
def mastery_rebuild_task(framework_id: int) -> int:
    """Recompute every mastery record of a framework (its method or scale changed)."""
    return mastery_rebuild(framework_id=framework_id)
