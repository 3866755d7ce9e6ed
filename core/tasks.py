"""Queue background work after commit without letting a Redis outage break a write, and send
later what could not be queued then."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from celery import current_app, shared_task
from django.db import transaction

logger = logging.getLogger(__name__)

BATCH = 500
# After a failed send, this process keeps work for later without trying the broker again for
# this long: each try against a Redis that is down waits for the connection to fail (~0.6 s),
# which a teacher recording a class's scores would pay once per student.
BROKER_RETRY_AFTER_S = 15.0


class _Broker:
    """This process's memory of the last failed send: until when not to try, and why."""

    down_until = 0.0
    error = ""


def broker_reset() -> None:
    """Forget a failed send (tests; a process starts with none)."""
    _Broker.down_until, _Broker.error = 0.0, ""


def broker_resting() -> bool:
    """True for ``BROKER_RETRY_AFTER_S`` after a failed use of Redis: skip it meanwhile."""
    return time.monotonic() < _Broker.down_until


def broker_failed(exc: BaseException) -> None:
    """Redis (the broker, or a lock kept in it) could not be reached: rest it for a while."""
    _Broker.down_until = time.monotonic() + BROKER_RETRY_AFTER_S
    _Broker.error = type(exc).__name__


def enqueue_after_commit(
    task: Any, *args: Any, fallback_inline: bool = False, countdown: int | None = None
) -> None:
    """Send ``task`` (with JSON-able ``args``) once the surrounding transaction commits.

    If the broker cannot be reached the write still succeeds: small work a person is waiting for
    (``fallback_inline``, an email) is done right away; anything else is kept as a
    :class:`~core.models.PendingTask` and queued by :func:`pending_tasks_send` once Redis is
    back — nothing is dropped. After a failed send the process does not try the broker again
    for ``BROKER_RETRY_AFTER_S`` seconds, so the writes meanwhile do not wait for it.
    """

    def send() -> None:
        if not broker_resting():
            try:
                task.apply_async(args=args, countdown=countdown, retry=False)
                return
            except Exception as exc:
                logger.warning("broker unavailable for %s: %s", task.name, type(exc).__name__)
                broker_failed(exc)
        if fallback_inline:
            task.run(*args)
        else:
            _keep(task.name, list(args), countdown, _Broker.error)

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
