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
    "LEARNHUB_SITE_URL": "https://learnhub.example.org",
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


_SITE = "https://learnhub.example.org"
_STARTS = {"ALLOWED_HOSTS": "learnhub.example.org", "LEARNHUB_SITE_URL": _SITE}


def _production_env(**settings: str) -> dict[str, str]:
    """The current environment (DATABASE_URL included) with production settings.

    SECRET_KEY, ALLOWED_HOSTS and LEARNHUB_SITE_URL default to empty rather than absent: an
    empty value in the environment also keeps a developer's .env file from filling them in.
    The test harness's DJANGO_ALLOW_ASYNC_UNSAFE (set in conftest.py for Playwright) is no part
    of a deployment.
    """
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "SECRET_KEY": "",
        "ALLOWED_HOSTS": "",
        "LEARNHUB_SITE_URL": "",
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
        assert environment["LEARNHUB_SITE_URL"] == COMPOSE_ENV["LEARNHUB_SITE_URL"]
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


def test_docker_compose_requires_the_site_url() -> None:
    compose = _docker_compose()
    env = {k: v for k, v in {**os.environ, **COMPOSE_ENV}.items() if k != "LEARNHUB_SITE_URL"}

    result = _run([compose, "-f", "docker-compose.yml", "config", "-q"], env)

    assert result.returncode != 0
    assert "LEARNHUB_SITE_URL" in result.stderr


def _site_url(settings_module: str, **environment: str) -> str:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("LEARNHUB_")}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.LEARNHUB_SITE_URL)"
    env = {**inherited, "DJANGO_SETTINGS_MODULE": settings_module, **environment}
    result = _run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_development_links_point_at_bin_runs_server() -> None:
    # bin/run gives the Procfile's processes (the worker that sends emails too) LEARNHUB_PORT.
    assert _site_url("learnhub.settings.dev") == "http://127.0.0.1:8000"
    assert _site_url("learnhub.settings.dev", LEARNHUB_PORT="8101") == "http://127.0.0.1:8101"
    assert (
        _site_url("learnhub.settings.dev", LEARNHUB_SITE_URL="http://laptop.local:9000/")
        == "http://laptop.local:9000"
    )


def test_check_deploy_with_production_settings_has_no_warnings() -> None:
    env = _production_env(SECRET_KEY=secrets.token_hex(32), **_STARTS)
    assert len(env["SECRET_KEY"]) == 64

    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


SETUP = [sys.executable, "-c", "import django; django.setup()"]


def test_production_settings_start_with_a_secret_key_allowed_hosts_and_site_url() -> None:
    # The control for the refusals below: with all three set, the settings load.
    env = _production_env(SECRET_KEY=secrets.token_hex(32), **_STARTS)

    result = _run(SETUP, env)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (_STARTS, "SECRET_KEY"),
        (
            {**_STARTS, "SECRET_KEY": "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"},
            "SECRET_KEY",
        ),
        ({"SECRET_KEY": secrets.token_hex(32), "LEARNHUB_SITE_URL": _SITE}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": secrets.token_hex(32), **_STARTS, "LEARNHUB_SITE_URL": ""}, "SITE_URL"),
        (
            {**_STARTS, "SECRET_KEY": secrets.token_hex(32), "LEARNHUB_SITE_URL": "learnhub.org"},
            "SITE_URL",
        ),
        (
            {**_STARTS, "SECRET_KEY": secrets.token_hex(32), "LEARNHUB_SITE_URL": f"{_SITE}/app/"},
            "SITE_URL",
        ),
        (
            {**_STARTS, "SECRET_KEY": secrets.token_hex(32), "LEARNHUB_SITE_URL": "http://x.org"},
            "https://",
        ),
    ],
    ids=[
        "no-secret-key",
        "dev-secret-key",
        "no-allowed-hosts",
        "no-site-url",
        "site-url-without-scheme",
        "site-url-with-a-path",
        "plain-http-site-url-with-the-https-redirect",
    ],
)
def test_production_settings_refuse_to_start_without(settings: dict[str, str], named: str) -> None:
    env = _production_env(**settings)

    result = _run(SETUP, env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
