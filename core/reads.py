"""Reads run beside a transaction, on a second connection that sees exactly its snapshot.

A school's scan is one transaction; its reads are independent queries, each a single process
in the database except where the planner chooses a parallel plan. :func:`read_beside` starts
some of them on a second connection in a thread, which imports the transaction's snapshot
(``pg_export_snapshot`` / ``SET TRANSACTION SNAPSHOT``, as ``pg_dump --jobs`` does), so both
connections read the same rows as of the same moment while the machine's second core works.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction

T = TypeVar("T")

# One thread per process, kept: its connection stays open between a district's schools (within
# CONN_MAX_AGE, like a request's), so a scan does not pay for a new backend and its cold caches.
# A forked process (a Celery worker's pool) starts its own.
_executor: tuple[int, ThreadPoolExecutor] | None = None
_executor_lock = threading.Lock()


def _the_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None or _executor[0] != os.getpid():
            _executor = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="read-beside"))
        return _executor[1]


def read_beside(fn: Callable[[], T], *, enabled: bool = True) -> Callable[[], T]:
    """Start ``fn`` (reads only) on a second connection with this transaction's snapshot and
    return a function that waits for its result (and raises its error).

    It runs in the caller's connection instead, when the result is asked for, unless
    ``enabled``, the caller is in a transaction, and that transaction has written nothing yet
    (no transaction id assigned): another connection never sees a transaction's own writes, so
    only then does it see what the caller sees at the call (under READ COMMITTED each of the
    caller's later statements takes a newer snapshot, as any two of its statements always did).
    A test's transaction, which holds its fixtures, reads inline."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not enabled or not connection.in_atomic_block:
        return fn
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL "
            "THEN pg_export_snapshot() END"
        )
        (snapshot,) = cursor.fetchone()
    if snapshot is None:
        return fn

    def run() -> T:
        beside = connections[DEFAULT_DB_ALIAS]  # the thread's own connection
        beside.close_if_unusable_or_obsolete()
        try:
            with transaction.atomic():
                with beside.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                return fn()
        finally:
            beside.close_if_unusable_or_obsolete()  # as at the end of a request

    return _the_executor().submit(run).result


def read_beside_stop() -> None:
    """Close the thread's connection and stop the thread (the test suite calls this before it
    drops its database, which an open connection would hold)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            return
        pid, executor = _executor
        _executor = None
    if pid == os.getpid():
        executor.submit(lambda: connections[DEFAULT_DB_ALIAS].close()).result()
        executor.shutdown(wait=True)
