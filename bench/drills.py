"""Fault drills with real servers (issue 11): PostgreSQL stopped, Redis stopped.

    .venv/bin/python bench/drills.py            # writes bench/results/drills.json

It makes its own PostgreSQL cluster (Debian's pg_createcluster, port 5439, removed afterwards)
and its own Redis (port 6390), so the machine's servers are never touched; runs gunicorn with
DEBUG off, a Celery worker and Celery beat against them; signs in as a teacher (a session
cookie, as every page has) and then:

1. PostgreSQL stopped: pages answer a clear 503 with Retry-After (not a 500), the API a JSON 503,
   /healthz names postgresql; started again, the same requests succeed with no restart.
2. Redis stopped: the worker keeps running (waits for its broker), pages and writes still work,
   a framework rebuild asked for meanwhile is kept in PostgreSQL; started again, the worker
   reconnects and the kept rebuild is queued (by beat's minute task) and runs.

Each step's observation goes into the JSON; docs/drills.md shows a run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
PG_VERSION = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else ""
PG_CLUSTER = "learnhubdrill"
PG_PORT = 5439
REDIS_PORT = 6390
WEB_PORT = 8390
TEACHER = "drill.teacher@example.org"
PASSWORD = "drill-pass-5318"

results: dict[str, Any] = {}


def log(message: str) -> None:
    print(f"[drills] {message}", flush=True)


def sh(*argv: str, check: bool = True, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr or done.stdout}")
    return done.stdout


def pg(action: str) -> None:
    sh("pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_CLUSTER, action)


def wait_for(predicate: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(Exception):
            if predicate():
                return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")


class Stack:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "learnhub.settings.dev",
            "DEBUG": "False",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/learnhub",
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
        }

    def start_postgres(self) -> None:
        with contextlib.suppress(RuntimeError):
            sh("pg_dropcluster", "--stop", PG_VERSION, PG_CLUSTER)
        sh(
            "pg_createcluster",
            PG_VERSION,
            PG_CLUSTER,
            "-p",
            str(PG_PORT),
            "--",
            "--auth=trust",
        )
        pg("start")
        sh("createdb", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "learnhub")

    def start_redis(self) -> None:
        self.processes["redis"] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.work),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: sh("redis-cli", "-p", str(REDIS_PORT), "ping").strip() == "PONG", 10, "Redis"
        )

    def stop_redis(self) -> None:
        sh("redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave", check=False)
        self.processes.pop("redis").wait(timeout=10)

    def manage(self, *args: str) -> str:
        return sh(PY, str(REPO / "manage.py"), *args, env=self.env)

    def spawn(self, name: str, argv: list[str]) -> None:
        out = open(self.work / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            argv,
            cwd=REPO,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_of(self, name: str) -> str:
        return (self.work / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for name, process in list(self.processes.items()):
            with contextlib.suppress(ProcessLookupError):
                if name == "redis":
                    process.terminate()
                else:
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)


def signed_in_session() -> requests.Session:
    session = requests.Session()
    base = f"http://127.0.0.1:{WEB_PORT}"
    page = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": TEACHER, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login failed: {response.status_code}"
    return session


def drill_postgres(stack: Stack, session: requests.Session, token: str) -> None:
    base = f"http://127.0.0.1:{WEB_PORT}"
    api = {"Authorization": f"Token {token}"}
    before = session.get(f"{base}/teach/", timeout=10)
    log("PostgreSQL: stopping the cluster")
    pg("stop")
    page = session.get(f"{base}/teach/", timeout=15)
    form = session.get(f"{base}/me/", timeout=15)
    api_response = requests.get(f"{base}/api/v1/students/", headers=api, timeout=15)
    health = requests.get(f"{base}/healthz", timeout=15)
    log(f"  page {page.status_code}, API {api_response.status_code}, healthz {health.status_code}")
    log("PostgreSQL: starting it again")
    pg("start")
    recovered_in = wait_for(
        lambda: session.get(f"{base}/teach/", timeout=10).status_code == 200, 60, "recovery"
    )
    results["postgres_stopped"] = {
        "before": before.status_code,
        "page_with_session": page.status_code,
        "page_retry_after": page.headers.get("Retry-After"),
        "page_says": "database is not answering" in page.text,
        "page_has_traceback": "Traceback" in page.text,
        "another_page": form.status_code,
        "api": api_response.status_code,
        "api_code": _json(api_response).get("code"),
        "healthz": health.status_code,
        "healthz_failed": _json(health).get("failed"),
        "recovered_without_restart_s": round(recovered_in, 1),
    }


def drill_redis(stack: Stack, session: requests.Session, token: str) -> None:
    base = f"http://127.0.0.1:{WEB_PORT}"
    api = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    log("Redis: stopping it")
    stack.stop_redis()
    time.sleep(15)
    worker_alive = stack.processes["worker"].poll() is None
    beat_alive = stack.processes["beat"].poll() is None
    page = session.get(f"{base}/teach/", timeout=15)
    ids = json.loads(stack.manage("shell", "-c", DRILL_IDS).strip().splitlines()[-1])
    write = requests.post(
        f"{base}/api/v1/evidence/",
        headers=api,
        data=json.dumps(
            {
                "student": ids["student"],
                "competency": ids["competency"],
                "score": "3",
                "kind": "assessment",
                "note": "Recorded while Redis was down",
            }
        ),
        timeout=15,
    )
    kept = stack.manage("shell", "-c", KEEP_A_REBUILD).strip().splitlines()[-1]
    log(
        f"  worker alive {worker_alive}, page {page.status_code}, write {write.status_code}, "
        f"kept {kept}"
    )
    log("Redis: starting it again")
    stack.start_redis()
    reconnected = wait_for(
        lambda: "Connected to redis" in stack.log_of("worker").split("Cannot connect")[-1],
        90,
        "the worker to reconnect",
    )
    drained = wait_for(
        lambda: stack.manage("shell", "-c", PENDING_COUNT).split()[-1] == "0", 150, "the kept task"
    )
    ran = wait_for(
        lambda: (
            "mastery.rebuild_framework" in stack.log_of("worker")
            and "succeeded" in stack.log_of("worker").split("mastery.rebuild_framework")[-1]
        ),
        60,
        "the rebuild to run",
    )
    results["redis_stopped"] = {
        "worker_alive_after_15s": worker_alive,
        "beat_alive_after_15s": beat_alive,
        "page": page.status_code,
        "evidence_write": write.status_code,
        "kept_while_down": kept,
        "worker_reconnected_after_s": round(reconnected, 1),
        "kept_work_queued_after_s": round(drained, 1),
        "rebuild_ran_after_s": round(ran, 1),
    }


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


SETUP = f"""
import datetime as dt
from rest_framework.authtoken.models import Token
from mastery.models import Competency, Framework
from mastery.services import framework_link_sections
from profiles.models import Enrollment, LearnerProfile, Membership, Role, School, Section, User
from profiles.services import school_setup
school = School.objects.create(name="Drill School")
school_setup(school=school)
teacher = User.objects.create_user("{TEACHER}", "{PASSWORD}", given_name="Dee", family_name="Rill")
Membership.objects.create(user=teacher, school=school, role=Role.TEACHER)
student = User.objects.create_user("drill.student@example.org", None, given_name="Stu",
                                   family_name="Dent")
Membership.objects.create(user=student, school=school, role=Role.STUDENT)
LearnerProfile.objects.create(student=student)
section = Section.objects.create(school=school, name="Drill class")
Enrollment.objects.create(section=section, user=teacher, role="teacher")
Enrollment.objects.create(section=section, user=student, role="student")
framework = Framework.objects.create(school=school, title="Drill", identifier="drill")
Competency.objects.create(framework=framework, identifier="t1", code="T1", statement="Target")
framework_link_sections(framework=framework, sections=[section])
print(Token.objects.create(user=teacher).key)
"""
DRILL_IDS = """
import json
from mastery.models import Competency
from profiles.models import User
print(json.dumps({"student": User.objects.get(email="drill.student@example.org").pk,
                  "competency": Competency.objects.get(identifier="t1").pk}))
"""
KEEP_A_REBUILD = """
from django.db import transaction
from core.models import PendingTask
from mastery.models import Framework
from mastery.services import mastery_rebuild_enqueue
with transaction.atomic():
    mastery_rebuild_enqueue(framework_ids=[Framework.objects.get(identifier="drill").pk])
print(list(PendingTask.objects.values_list("task_name", flat=True)))
"""
PENDING_COUNT = """
from core.models import PendingTask
print(PendingTask.objects.count())
"""


def main() -> int:
    if not PG_VERSION or shutil.which("pg_createcluster") is None:
        print("drills need Debian's PostgreSQL tools (pg_createcluster)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="learnhub-drills-"))
    stack = Stack(work)
    try:
        stack.start_postgres()
        stack.start_redis()
        log("migrating and creating a drill school")
        stack.manage("migrate", "--noinput")
        token = stack.manage("shell", "-c", SETUP).strip().splitlines()[-1]
        stack.spawn(
            "web",
            [
                PY,
                "-m",
                "gunicorn",
                "learnhub.wsgi:application",
                "--bind",
                f"127.0.0.1:{WEB_PORT}",
                "--workers",
                "2",
                "--timeout",
                "30",
            ],
        )
        stack.spawn(
            "worker",
            [PY, "-m", "celery", "-A", "learnhub", "worker", "-l", "info", "--concurrency", "1"],
        )
        stack.spawn(
            "beat",
            [
                PY,
                "-m",
                "celery",
                "-A",
                "learnhub",
                "beat",
                "-l",
                "info",
                "-S",
                "django_celery_beat.schedulers:DatabaseScheduler",
                "-s",
                str(work / "beat-schedule"),
                "--pidfile=",
            ],
        )
        wait_for(
            lambda: requests.get(f"http://127.0.0.1:{WEB_PORT}/healthz", timeout=2).ok, 60, "web"
        )
        session = signed_in_session()
        drill_postgres(stack, session, token)
        drill_redis(stack, session, token)
    finally:
        stack.stop_all()
        with contextlib.suppress(Exception):
            sh("pg_dropcluster", "--stop", PG_VERSION, PG_CLUSTER)
        shutil.rmtree(work, ignore_errors=True)
    out = REPO / "bench" / "results" / "drills.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
