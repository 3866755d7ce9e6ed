"""Thin Celery wrappers: take plain values, do one thing, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(
    name="profiles.email_send", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def email_send(subject: str, body: str, to_email: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to_email])
