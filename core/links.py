"""Links that leave the site, in emails: absolute, on the address people open LearnHub at."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse


def absolute_url(
    viewname: str, *, args: list[Any] | tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
) -> str:
    """``reverse(viewname)`` on ``settings.LEARNHUB_SITE_URL``: "https://host/family/conferences/".

    Emails are mostly sent by the Celery worker, where there is no request to take a host
    from; every email builds its links here (docs/decisions/0031)."""
    site = settings.LEARNHUB_SITE_URL
    if not site:
        raise ImproperlyConfigured("LEARNHUB_SITE_URL is not set: emails cannot link to LearnHub.")
    return site + reverse(viewname, args=args, kwargs=kwargs)
