"""Thin Celery wrappers around the conference emails; safe to run twice (one per event)."""

from __future__ import annotations

from celery import shared_task

from .reminders import reminder_send_for, reminders_send


@shared_task(name="conferences.send_reminders")
def conference_reminders_task() -> int:
    return reminders_send()


@shared_task(name="conferences.send_reminder")
def conference_reminder_task(conference_id: int, event: str) -> bool:
    return reminder_send_for(conference_id, event)
