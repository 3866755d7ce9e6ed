"""Settings shared by every environment; everything that differs comes from the environment."""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def site_url_checked(value: str) -> str:
    """The site's public address as a scheme and a host (a port allowed), without a trailing
    slash; anything else is refused, so a typo stops the start rather than every email link."""
    parts = urlsplit(value.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise ImproperlyConfigured(
            "LEARNHUB_SITE_URL must be the address people open LearnHub at, a scheme and a "
            f"host only, e.g. https://learnhub.example.org (got {value!r})."
        )
    return f"{parts.scheme}://{parts.netloc}"


# The address people open LearnHub at: every link in an email is built on it
# (core.links.absolute_url), so an email sent by the Celery worker, which has no request,
# still links to the right host. dev.py defaults it to bin/run's; production.py requires it
# (docs/decisions/0031).
LEARNHUB_SITE_URL = env("LEARNHUB_SITE_URL", default="")
if LEARNHUB_SITE_URL:
    LEARNHUB_SITE_URL = site_url_checked(LEARNHUB_SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_celery_beat",
    # LearnHub
    "core",
    "learnhub",
    "profiles",
    "mastery",
    "goals",
    "conferences",
    "followups",
]

MIDDLEWARE = [
    # First: a database outage met by any middleware below is a 503, not a 500 (core.E001).
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Compresses HTML (Django mitigates BREACH with random padding): the 150-student grid is
    # ~400 KB of markup and ~25 KB on the wire.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RejectHostileInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Dates and "today" in the signed-in person's school time zone (docs/decisions/0027).
    "profiles.zones.SchoolTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.DomainErrorPagesMiddleware",
]

ROOT_URLCONF = "learnhub.urls"
WSGI_APPLICATION = "learnhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "profiles.context_processors.navigation",
                "followups.context_processors.followups",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/learnhub")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
# Fail fast when PostgreSQL is down or restarting: a request gets a clear 503, not a hang.
DATABASES["default"]["OPTIONS"].setdefault(
    "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3)
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "profiles.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "profiles.backends.RolesModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="LearnHub <no-reply@learnhub.example>")

# --- Redis and Celery -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# At-least-once: a task is acknowledged only when it finished, and re-queued when the worker
# running it dies. Tasks are idempotent (unique constraints + upserts), so a rerun is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The time limits stay below the broker's visibility timeout, so Redis never hands a task that
# is still running to a second worker.
# A task whose whole worker was killed (SIGKILL, the machine lost) is handed out again only once
# the visibility timeout has passed, by a worker's sweep of the unacknowledged messages (every
# interval x throttle seconds, kombu's defaults 10 x 10). The fault drills
# (bench/scan_drills.py) lower both through the environment; production keeps one hour.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=60 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": env.int("CELERY_BROKER_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_BROKER_RESTORE_THROTTLE", default=10),
}
CELERY_TASK_SOFT_TIME_LIMIT = min(45 * 60, CELERY_BROKER_VISIBILITY_TIMEOUT * 3 // 4)
CELERY_TASK_TIME_LIMIT = min(50 * 60, CELERY_BROKER_VISIBILITY_TIMEOUT * 5 // 6)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when Redis is down.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A worker that loses Redis waits for it and reconnects, however long it takes (None: forever);
# publishing from a request never waits (enqueue_after_commit sends with retry=False).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False
# Installed into django-celery-beat's tables when beat starts; admins can change times there.
CELERY_BEAT_SCHEDULE = {
    "queue what Redis missed": {
        "task": "core.pending_tasks_send",
        "schedule": 60.0,
    },
    "goal check-in nudges": {
        "task": "goals.checkin_nudges",
        "schedule": crontab(hour=15, minute=30, day_of_week="mon-fri"),
    },
    "advisors' weekly goal summary": {
        "task": "goals.advisor_summaries",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
    # Invitations, the day-before reminder and summaries; each at most once per conference.
    "conference emails": {
        "task": "conferences.send_reminders",
        "schedule": crontab(minute=15),
    },
    # Every hour: queue the scan of each school whose RiskPolicy.scan_hour it is, school time.
    # Each teacher's new flags, once a day at most, only when there are any.
    "follow-ups daily digest": {
        "task": "followups.flag_digests",
        "schedule": crontab(hour=6, minute=45, day_of_week="mon-fri"),
    },
    "follow-ups nightly scans": {
        "task": "followups.nightly_dispatch",
        "schedule": crontab(minute=5),
    },
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["core.api.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    # The API speaks JSON (the token endpoint also takes a form, for curl -d).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.SafeJSONParser"],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LearnHub API",
    "DESCRIPTION": "Students, learner profiles, sections and guardians, scoped to the caller.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "profiles.models.Section.Kind",
        "EvidenceKindEnum": "mastery.models.Evidence.Kind",
        "EvidenceStatusEnum": "mastery.models.Evidence.Status",
        "PathwayStatusEnum": "mastery.api.serializers.PATHWAY_STATUSES",
        "CommitmentOutcomeEnum": "conferences.models.Commitment.Outcome",
        "FlagStatusEnum": "followups.models.Flag.Status",
        "AttendanceStatusEnum": "followups.models.Attendance.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_error_responses",
        "core.schema.describe_input_rules",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
}

# No form or JSON body LearnHub reads comes near this; uploads (rosters, CASE packages) are files
# and are not counted. A bigger body is a 400 before any field is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024

# --- Security -------------------------------------------------------------------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login form posts the email as "username" (Django's AuthenticationForm field name).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "core.security.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline SVG charts carry their own <style>; scripts are never inline.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Axes would log usernames (emails) on every failure: personal data stays out of logs.
        "axes": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}

# Email uniqueness is enforced case-insensitively by the user_email_ci_unique constraint.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# What every school gets when it is created (profiles.services.school_setup): each app's
# defaults, so that no page has to create them on first read.
LEARNHUB_SCHOOL_SETUP: list[str] = [
    "mastery.services.scale_default_create",
    "goals.services.goal_categories_default_create",
    "conferences.services.conference_template_default_create",
    "followups.services.risk_policy_default_create",
]

# Called with a student's id after a write about them commits (core.hooks.student_changed):
# evidence, goals, check-ins, attendance. The follow-ups scan rescans that student, debounced.
LEARNHUB_STUDENT_CHANGED: list[str] = ["followups.tasks.student_changed"]

LEARNHUB_DEMO_PASSWORD = env("LEARNHUB_DEMO_PASSWORD", default="learnhub-demo")

# Roster imports (profiles.oneroster): an import that would deactivate more than this share
# of a school's people needs a confirmation in words (the command line: --yes); an admin
# upload's preview can be confirmed for this many seconds.
LEARNHUB_ROSTER_CONFIRM_SHARE = env.float("LEARNHUB_ROSTER_CONFIRM_SHARE", default=0.10)
LEARNHUB_ROSTER_PREVIEW_MAX_AGE = env.int("LEARNHUB_ROSTER_PREVIEW_MAX_AGE", default=3600)
