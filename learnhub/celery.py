"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnhub.settings.dev")

app = Celery("learnhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _send_what_redis_missed(**kwargs: object) -> None:
    """A worker that (re)starts queues the work kept while Redis was down."""
    from core.tasks import pending_tasks_send

    pending_tasks_send.delay()
