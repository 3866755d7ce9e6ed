"""When a service fails (issue 11): PostgreSQL down is a clear 503 whichever middleware meets
it first; Redis down keeps writes working and the work they queue is sent when it is back."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core import checks
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

from core.models import PendingTask
from core.tasks import BROKER_RETRY_AFTER_S, enqueue_after_commit, pending_tasks_send


class _DatabaseGone:
    """Stands for a middleware reading ``request.user`` (a session query) when PostgreSQL is
    unreachable: pghistory's, axes', or any other."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


GONE = "tests.core.test_faults._DatabaseGone"


def _with_failing_middleware_at(position: int) -> list[str]:
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(position, GONE)
    return middleware


@pytest.mark.parametrize("position", [1, 5, 9, len(settings.MIDDLEWARE)])
@pytest.mark.parametrize("debug", [False, True])
def test_a_database_outage_met_by_any_middleware_is_a_503_page(
    position: int, debug: bool, world: Any, client: Any
) -> None:
    client.force_login(world.teacher)  # a session cookie, as every signed-in request has
    with override_settings(MIDDLEWARE=_with_failing_middleware_at(position), DEBUG=debug):
        client.raise_request_exception = False
        response = client.get(reverse("teacher-home"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "database is not answering" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_a_database_outage_under_the_api_is_a_json_503(world: Any, client: Any) -> None:
    client.force_login(world.teacher)
    with override_settings(MIDDLEWARE=_with_failing_middleware_at(6)):
        client.raise_request_exception = False
        response = client.get("/api/v1/students/")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


def test_a_database_outage_in_a_view_is_a_503(world: Any, client: Any) -> None:
    client.force_login(world.teacher)
    with mock.patch(
        "profiles.views.teacher_home_for", side_effect=OperationalError("server closed")
    ):
        response = client.get(reverse("teacher-home"))
    assert response.status_code == 503


def test_the_outage_middleware_must_come_first() -> None:
    from core.apps import check_database_middleware_first

    assert check_database_middleware_first() == []
    with override_settings(MIDDLEWARE=list(reversed(settings.MIDDLEWARE))):
        errors = check_database_middleware_first()
    assert [e.id for e in errors] == ["core.E001"]
    assert all(isinstance(e, checks.Error) for e in errors)


# --- Redis ---------------------------------------------------------------------------------------


def test_a_worker_waits_for_its_broker_instead_of_exiting() -> None:
    """Celery reads None as "retry forever" (0 made the worker exit at the first lost
    connection)."""
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None
    assert settings.CELERY_BROKER_CONNECTION_RETRY is True


class _Task:
    name = "tests.example"

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.sent: list[tuple[Any, ...]] = []
        self.ran: list[tuple[Any, ...]] = []

    def apply_async(self, args: tuple[Any, ...], countdown: Any = None, retry: bool = True) -> None:
        if self.fail:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append(args)

    def run(self, *args: Any) -> None:
        self.ran.append(args)


def test_work_that_cannot_be_queued_is_kept_once(
    db: None, django_capture_on_commit_callbacks
) -> None:
    task = _Task(fail=True)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(task, 7)
        enqueue_after_commit(task, 7)
        enqueue_after_commit(task, 8, countdown=30)
    rows = list(PendingTask.objects.values_list("task_name", "args", "countdown", "last_error"))
    assert rows == [
        ("tests.example", [7], None, "ConnectionError"),
        ("tests.example", [8], 30, "ConnectionError"),
    ]


def test_after_a_failed_send_the_broker_is_left_alone_for_a_while(
    db: None, django_capture_on_commit_callbacks
) -> None:
    """Each try against a Redis that is down waits for the connection to fail; the writes right
    after one failure keep their work without trying, and the first after the pause tries."""
    task, clock = _Task(fail=True), [1000.0]
    tries: list[tuple[Any, ...]] = []

    def apply_async(args: tuple[Any, ...], countdown: Any = None, retry: bool = True) -> None:
        tries.append(args)
        _Task.apply_async(task, args, countdown, retry)

    def enqueue(*args: Any, **kwargs: Any) -> None:
        with django_capture_on_commit_callbacks(execute=True):  # each write its own commit
            enqueue_after_commit(task, *args, **kwargs)

    with (
        mock.patch("core.tasks.time.monotonic", lambda: clock[0]),
        mock.patch.object(task, "apply_async", apply_async),
    ):
        enqueue(1)
        clock[0] += BROKER_RETRY_AFTER_S - 1
        enqueue(2)
        enqueue("mail", fallback_inline=True)
        clock[0] += 1
        task.fail = False
        enqueue(3)
    assert tries == [(1,), (3,)]
    assert task.sent == [(3,)] and task.ran == [("mail",)]
    kept = PendingTask.objects.order_by("id").values_list("args", "last_error")
    assert list(kept) == [([1], "ConnectionError"), ([2], "ConnectionError")]


def test_small_work_a_person_waits_for_is_done_inline(
    db: None, django_capture_on_commit_callbacks
) -> None:
    task = _Task(fail=True)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(task, "mail", fallback_inline=True)
    assert task.ran == [("mail",)]
    assert PendingTask.objects.count() == 0


def test_with_redis_up_nothing_is_kept(db: None, django_capture_on_commit_callbacks) -> None:
    task = _Task(fail=False)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(task, 7)
    assert task.sent == [(7,)]
    assert PendingTask.objects.count() == 0


def test_kept_work_is_queued_when_redis_is_back(db: None) -> None:
    PendingTask.objects.create(task_name="mastery.rebuild", args=[3], args_key="[3]")
    PendingTask.objects.create(task_name="mastery.rebuild", args=[4], args_key="[4]", countdown=5)
    with mock.patch("core.tasks.current_app.send_task") as send:
        assert pending_tasks_send() == 2
    assert [c.args for c in send.call_args_list] == [("mastery.rebuild",), ("mastery.rebuild",)]
    assert [c.kwargs["args"] for c in send.call_args_list] == [[3], [4]]
    assert PendingTask.objects.count() == 0


def test_while_redis_is_still_down_the_work_stays(db: None) -> None:
    PendingTask.objects.create(task_name="mastery.rebuild", args=[3], args_key="[3]")
    with mock.patch("core.tasks.current_app.send_task", side_effect=ConnectionError("refused")):
        assert pending_tasks_send() == 0
    row = PendingTask.objects.get()
    assert (row.attempts, row.last_error) == (1, "ConnectionError")


def test_a_framework_rebuild_asked_for_while_redis_is_down_is_kept(
    world: Any, django_capture_on_commit_callbacks
) -> None:
    """The hole the drill found: the rebuild was logged as "broker unavailable" and dropped."""
    from mastery.services import mastery_rebuild_enqueue
    from mastery.tasks import mastery_rebuild_task

    with (
        mock.patch.object(mastery_rebuild_task, "apply_async", side_effect=ConnectionError("x")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        mastery_rebuild_enqueue(framework_ids=[42])
    assert list(PendingTask.objects.values_list("task_name", "args")) == [
        (mastery_rebuild_task.name, [42])
    ]
