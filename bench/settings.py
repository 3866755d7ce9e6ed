"""Settings for the benchmarks: the test settings, on a scratch database the bench script
creates and drops (``LEARNHUB_BENCH_DATABASE_URL``), with a urlconf that adds the floor views."""

from learnhub.settings.test import *  # noqa: F403
from learnhub.settings.test import env

DATABASES = {"default": env.db("LEARNHUB_BENCH_DATABASE_URL")}
# As in production (learnhub.settings.base): persistent connections with health checks.
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["OPTIONS"] = {"connect_timeout": 3}

ROOT_URLCONF = "bench.urls"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING"},
}
