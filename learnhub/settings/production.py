"""Production: refuses to start without a real secret key, allowed hosts and the site's address."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, site_url_checked

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-", "test-", "django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts LearnHub answers on.")

# Every email's links are built on it; ALLOWED_HOSTS cannot stand in (it may hold several
# hosts, or ".example.org", and never says http or https): docs/decisions/0031.
LEARNHUB_SITE_URL = env("LEARNHUB_SITE_URL", default="")
if not LEARNHUB_SITE_URL:
    raise ImproperlyConfigured(
        "LEARNHUB_SITE_URL must be the address people open LearnHub at, e.g. "
        "https://learnhub.example.org: the links in emails are built on it."
    )
LEARNHUB_SITE_URL = site_url_checked(LEARNHUB_SITE_URL)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
if SECURE_SSL_REDIRECT and not LEARNHUB_SITE_URL.startswith("https://"):
    # A password-reset link over plain http would carry its token in the clear.
    raise ImproperlyConfigured(
        "LEARNHUB_SITE_URL must start with https:// (or set SECURE_SSL_REDIRECT=false)."
    )
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.org:587
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
