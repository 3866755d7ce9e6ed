from .base import *  # noqa: F403
from .base import env, site_url_checked

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# Email links point at bin/run's server (Procfile: runserver 127.0.0.1:$LEARNHUB_PORT), which
# the worker that sends them knows too; set LEARNHUB_SITE_URL to open it at another address.
LEARNHUB_SITE_URL = site_url_checked(
    env("LEARNHUB_SITE_URL", default="")
    or f"http://127.0.0.1:{env.int('LEARNHUB_PORT', default=8000)}"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# runserver answers each request in a new thread, and a thread's persistent connection is never
# reused nor closed when the thread ends: with CONN_MAX_AGE > 0 every sign-in left an idle
# PostgreSQL connection behind (8 after 9 sign-ins; ~21 under bin/run). In development a
# connection lives for one request; production (gunicorn's long-lived workers) keeps base.py's.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)  # noqa: F405
