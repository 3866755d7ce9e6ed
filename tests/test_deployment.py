"""Deployment: the docker-compose stack is valid, and the production settings are safe.

These run Django / docker-compose in subprocesses (the production settings must be imported
fresh, with their own environment); none of them needs the test database.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = "learnhub.settings.production"
COMPOSE_ENV = {
    "SECRET_KEY": "compose-test-" + secrets.token_hex(32),
    "ALLOWED_HOSTS": "learnhub.example.org",
    "POSTGRES_PASSWORD": "compose-test-password",
}


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def _docker_compose() -> str:
    executable = shutil.which("docker-compose")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("docker-compose is not installed (CI must validate docker-compose.yml)")
        pytest.skip("docker-compose is not installed")
    return executable


def _production_env(**settings: str) -> dict[str, str]:
    """The current environment (DATABASE_URL included) with production settings.

    SECRET_KEY and ALLOWED_HOSTS default to empty rather than absent: an empty value in the
    environment also keeps a developer's .env file from filling them in. The test harness's
    DJANGO_ALLOW_ASYNC_UNSAFE (set in conftest.py for Playwright) is no part of a deployment.
    """
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "SECRET_KEY": "",
        "ALLOWED_HOSTS": "",
    }
    env.update(settings)
    return env


def test_docker_compose_config_is_valid() -> None:
    compose = _docker_compose()
    env = {**os.environ, **COMPOSE_ENV}

    result = _run([compose, "-f", "docker-compose.yml", "config", "-q"], env)
    assert result.returncode == 0, result.stderr

    rendered = _run([compose, "-f", "docker-compose.yml", "config"], env)
    assert rendered.returncode == 0, rendered.stderr
    services = yaml.safe_load(rendered.stdout)["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == PRODUCTION
        assert environment["SECRET_KEY"] == COMPOSE_ENV["SECRET_KEY"]
        assert environment["DATABASE_URL"].endswith("@postgres:5432/learnhub")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert services["web"]["command"][:2] == ["gunicorn", "learnhub.wsgi:application"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["command"][3] == "worker"
    assert services["beat"]["command"][3] == "beat"
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    # Migrations run before the app starts.
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]


def test_docker_compose_requires_the_secret_key() -> None:
    compose = _docker_compose()
    env = {k: v for k, v in {**os.environ, **COMPOSE_ENV}.items() if k != "SECRET_KEY"}

    result = _run([compose, "-f", "docker-compose.yml", "config", "-q"], env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_check_deploy_with_production_settings_has_no_warnings() -> None:
    env = _production_env(SECRET_KEY=secrets.token_hex(32), ALLOWED_HOSTS="learnhub.example.org")
    assert len(env["SECRET_KEY"]) == 64

    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


SETUP = [sys.executable, "-c", "import django; django.setup()"]


def test_production_settings_start_with_a_secret_key_and_allowed_hosts() -> None:
    # The control for the refusals below: with both set, the settings load.
    env = _production_env(SECRET_KEY=secrets.token_hex(32), ALLOWED_HOSTS="learnhub.example.org")

    result = _run(SETUP, env)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"ALLOWED_HOSTS": "learnhub.example.org"}, "SECRET_KEY"),
        (
            {"SECRET_KEY": "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"},
            "SECRET_KEY",
        ),
        ({"SECRET_KEY": secrets.token_hex(32)}, "ALLOWED_HOSTS"),
    ],
    ids=["no-secret-key", "dev-secret-key", "no-allowed-hosts"],
)
def test_production_settings_refuse_to_start_without(settings: dict[str, str], named: str) -> None:
    env = _production_env(**settings)

    result = _run(SETUP, env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
