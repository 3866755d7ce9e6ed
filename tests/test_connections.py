"""bin/run's web server (runserver: a thread per request) must not leave a PostgreSQL
connection behind per request; gunicorn in production keeps persistent connections."""

from __future__ import annotations

import os
import subprocess
import sys


def _conn_max_age(settings_module: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "CONN_MAX_AGE"}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="example.org",
        LEARNHUB_SITE_URL="https://example.org",
    )
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "d = settings.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_development_closes_each_requests_connection():
    assert _conn_max_age("learnhub.settings.dev") == "0 True"


def test_production_keeps_persistent_connections_with_health_checks():
    assert _conn_max_age("learnhub.settings.production") == "60 True"
