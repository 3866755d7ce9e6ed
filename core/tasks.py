"""Queue background work after commit without letting a Redis outage break a write, and send
later what could not be queued then."""

from __future__ import annotations

import json
import logging
from typing import Any

from celery import current_app, shared_task
from django.db import transaction

logger = logging.getLogger(__name__)

BATCH = 500


def enqueue_after_commit(
    task: Any, *args: Any, fallback_inline: bool = False, countdown: int | None = None
) -> None:
    """Send ``task`` (with JSON-able ``args``) once the surrounding transaction commits.

    If the broker cannot be reached the write still succeeds: small work a person is waiting for
    (``fallback_inline``, an email) is done right away; anything else is kept as a
    :class:`~core.models.PendingTask` and queued by :func:`pending_tasks_send` once Redis is
    back — nothing is dropped.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, countdown=countdown, retry=False)
        except Exception as exc:
            logger.warning("broker unavailable for %s: %s", task.name, type(exc).__name__)
            if fallback_inline:
                task.run(*args)
            else:
                _keep(task.name, list(args), countdown, type(exc).__name__)

    transaction.on_commit(send)


def _keep(task_name: str, args: list[Any], countdown: int | None, error: str) -> None:
    from .models import PendingTask

    try:
        PendingTask.objects.get_or_create(
            task_name=task_name,
            args_key=json.dumps(args, sort_keys=True)[:500],
            defaults={"args": args, "countdown": countdown, "last_error": error[:255]},
        )
    except Exception as exc:  # the database is down too: nothing more can be done here
        logger.error("could not keep %s for later: %s", task_name, type(exc).__name__)


@shared_task(name="core.pending_tasks_send", ignore_result=True)
def pending_tasks_send() -> int:
    """Queue the tasks kept while Redis was down, oldest first; stop at the first failure (Redis
    is still away) and leave the rest for the next run. Safe to run twice at once (rows are
    claimed with SKIP LOCKED) and the tasks themselves are idempotent."""
    from .models import PendingTask

    sent = 0
    with transaction.atomic():
        rows = list(PendingTask.objects.select_for_update(skip_locked=True).order_by("id")[:BATCH])
        for row in rows:
            try:
                current_app.send_task(
                    row.task_name, args=row.args, countdown=row.countdown, retry=False
                )
            except Exception as exc:
                PendingTask.objects.filter(pk=row.pk).update(
                    attempts=row.attempts + 1, last_error=type(exc).__name__[:255]
                )
                break
            row.delete()
            sent += 1
    if sent:
        logger.info("queued %d task(s) kept while Redis was down", sent)
    return sent
