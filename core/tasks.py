"""Queue background work after commit without letting a Redis outage break a write."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Any, *args: Any, fallback_inline: bool = False) -> None:
    """Send ``task`` once the surrounding transaction commits.

    If the broker cannot be reached the write still succeeds: the work is either done inline
    (``fallback_inline``, for small things a person is waiting for, like an email) or left to
    the next periodic scan, which recomputes from the database.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except Exception as exc:
            logger.warning("broker unavailable for %s: %s", task.name, type(exc).__name__)
            if fallback_inline:
                task.run(*args)

    transaction.on_commit(send)
