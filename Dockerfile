# LearnHub's production image: gunicorn serving learnhub.wsgi, static files by WhiteNoise.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=learnhub.settings.production

WORKDIR /app

# The application runs as an unprivileged user; the code stays owned by root (read-only to it).
RUN groupadd --system --gid 10001 learnhub \
    && useradd --system --uid 10001 --gid learnhub --home-dir /app --no-create-home learnhub

# Dependencies first, so code changes do not invalidate this layer.
# (All wheels are prebuilt for manylinux, so no compiler is needed.)
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected at build time, with placeholder settings that exist only during
# this step: the production settings insist on a real-looking key and host list, and
# collectstatic never uses them or the database.
RUN SECRET_KEY="collectstatic-at-build-time-placeholder-never-used-at-run-time-000000" \
    ALLOWED_HOSTS="build.invalid" \
    LEARNHUB_SITE_URL="https://build.invalid" \
    DATABASE_URL="postgres://build.invalid/unused" \
    python manage.py collectstatic --noinput

USER learnhub
EXPOSE 8000

CMD ["gunicorn", "learnhub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
