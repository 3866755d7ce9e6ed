"""The one table the shared base keeps: background work that could not be queued."""

from __future__ import annotations

from django.db import models


class PendingTask(models.Model):
    """A Celery task whose sending failed (Redis was down): kept here, in PostgreSQL, until
    ``core.pending_tasks_send`` (every minute, and when a worker starts) queues it. One row per
    task and arguments, however often it was asked for while Redis was away."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    args_key = models.CharField(max_length=500, help_text="The arguments as JSON, for the dedupe.")
    countdown = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task_name", "args_key"], name="pending_task_once"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
