"""/healthz answers 200 when PostgreSQL and Redis answer, 503 naming what failed."""

from __future__ import annotations

from django.db import OperationalError


def test_healthy(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"postgresql": "ok", "redis": "ok"}}


def test_redis_down_is_named(db, client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]
    assert response.json()["checks"]["postgresql"] == "ok"


def test_database_down_is_named(db, client, monkeypatch):
    from core import health

    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["postgresql"]


def test_database_errors_on_pages_are_a_clear_503(world, client, monkeypatch):
    from profiles import views

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "teacher_home_for", broken)
    client.force_login(world.teacher)
    response = client.get("/teach/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"back in a moment" in response.content


def test_pages_answer_and_writes_succeed_while_redis_is_down(world, client, settings):
    """Password-reset mail is queued after commit; with no broker it is sent inline."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from learnhub.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        client.force_login(world.student)
        response = client.post(
            f"/students/{world.student.pk}/about/edit/", {"interests": "Chess", "version": 1}
        )
        assert response.status_code == 302
    finally:
        app.conf.broker_url = None
