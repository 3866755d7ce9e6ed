"""Thin Celery wrappers around the reminders; safe to run twice (one reminder a week each)."""

from __future__ import annotations

from celery import shared_task

from .reminders import advisor_summaries_send, checkin_nudges_send


@shared_task(name="goals.checkin_nudges")
def checkin_nudges_task() -> int:
    return checkin_nudges_send()


@shared_task(name="goals.advisor_summaries")
def advisor_summaries_task() -> int:
    return advisor_summaries_send()
