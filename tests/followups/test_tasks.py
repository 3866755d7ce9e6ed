"""The scan's tasks: options that make at-least-once safe, the nightly dispatch, the section
scan, and the debounced rescan of one student after a change (with and without Redis)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from core.errors import ValidationFailed
from core.models import PendingTask
from followups import tasks
from followups.models import Attendance, Flag, RiskPolicy, Rule, ScanRun
from goals.models import Goal
from goals.services import checkin_record, goal_update
from mastery.services import evidence_record
from tests.mastery.conftest import build_maths

from . import scan_world as w

pytestmark = pytest.mark.django_db

CALLS: list[int] = []


def record_call(student_id: int) -> None:
    CALLS.append(student_id)


@pytest.fixture(autouse=True)
def clean_redis():
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter("followups:*"):
        client.delete(key)
    CALLS.clear()
    yield
    for key in client.scan_iter("followups:*"):
        client.delete(key)


@pytest.mark.parametrize(
    "task",
    [tasks.school_scan_task, tasks.section_scan, tasks.student_scan, tasks.nightly_dispatch],
)
def test_tasks_are_safe_to_deliver_twice(task) -> None:
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert task.soft_time_limit < task.time_limit < settings.CELERY_BROKER_VISIBILITY_TIMEOUT


@pytest.mark.parametrize(
    ("visibility", "limits"), [(3600, (2700, 3000)), (30, (23, 25)), (60, (45, 50))]
)
def test_time_limits_stay_below_a_lowered_visibility_timeout(visibility, limits) -> None:
    soft, hard = tasks.time_limits(visibility)
    assert (soft, hard) == limits
    assert 0 < soft < hard < visibility


def _absent_student(world):
    w.term(world.school)
    build_maths(world)
    days = w.school_days(w.AS_OF, 20)
    w.attendance(world.school, world.student, days[-5:], Attendance.Status.ABSENT)
    w.first_days_absent(world.school, world.student)
    RiskPolicy.objects.filter(school=world.school).update(
        no_evidence_enabled=False, behind_pace_enabled=False
    )


def test_school_scan_task(world) -> None:
    _absent_student(world)
    run_id = tasks.school_scan_task.run(world.school.pk, w.AS_OF.isoformat())
    run = ScanRun.objects.get(pk=run_id)
    assert (run.trigger, run.as_of, run.flags_opened) == ("nightly", w.AS_OF, 1)
    # Delivered again (a worker died before the ack): the same flags.
    tasks.school_scan_task.run(world.school.pk, w.AS_OF.isoformat())
    assert Flag.objects.filter(rule=Rule.CHRONIC_ABSENCE).count() == 1
    world.other_school.is_active = False
    world.other_school.save()
    assert tasks.school_scan_task.run(world.other_school.pk) is None
    assert tasks.school_scan_task.run(999_999) is None


def test_section_scan(world) -> None:
    _absent_student(world)
    run = ScanRun.objects.get(pk=tasks.section_scan.run(world.math.pk))
    assert (run.trigger, run.section, run.students_scanned) == ("section", world.math, 1)
    assert run.as_of == world.school.today()
    assert tasks.section_scan.run(999_999) is None


def test_student_scan_scans_each_school_of_the_student(world) -> None:
    _absent_student(world)
    assert tasks.student_scan.run(world.student.pk) == 1
    run = ScanRun.objects.get()
    assert (run.trigger, run.students_scanned) == ("student", 1)


def test_student_changed_is_debounced(world, django_capture_on_commit_callbacks) -> None:
    with mock.patch.object(tasks.student_scan, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.student_changed(world.student.pk)
            tasks.student_changed(world.student.pk)
            tasks.student_changed(world.other_student.pk)
        assert sorted(c.kwargs["args"] for c in send.call_args_list) == sorted(
            [(world.student.pk,), (world.other_student.pk,)]
        )
        assert {c.kwargs["countdown"] for c in send.call_args_list} == {tasks.DEBOUNCE_SECONDS}
        # The rescan starts: later changes queue a new one.
        tasks.student_scan.run(world.student.pk)
        with django_capture_on_commit_callbacks(execute=True):
            tasks.student_changed(world.student.pk)
        assert send.call_count == 3


def test_student_changed_without_redis_keeps_the_rescan(
    world, settings, django_capture_on_commit_callbacks
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    down = mock.patch.object(
        tasks.student_scan, "apply_async", side_effect=redis.ConnectionError("refused")
    )
    with down, django_capture_on_commit_callbacks(execute=True):
        tasks.student_changed(world.student.pk)
    kept = PendingTask.objects.get()
    assert (kept.task_name, kept.args) == ("followups.student_scan", [world.student.pk])


def test_without_redis_the_next_changes_do_not_wait_for_it(
    world, settings, django_capture_on_commit_callbacks
) -> None:
    """One failed try rests Redis for a while (core.tasks.BROKER_RETRY_AFTER_S): the changes
    right after it neither claim in Redis nor try the broker; their rescans are kept."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    with (
        mock.patch.object(tasks, "_redis", wraps=tasks._redis) as client,
        mock.patch.object(
            tasks.student_scan, "apply_async", side_effect=redis.ConnectionError("refused")
        ) as send,
    ):
        for student in (world.student, world.other_student):
            with django_capture_on_commit_callbacks(execute=True):
                tasks.student_changed(student.pk)
    assert (client.call_count, send.call_count) == (1, 0)
    kept = PendingTask.objects.order_by("id").values_list("args", flat=True)
    assert list(kept) == [[world.student.pk], [world.other_student.pk]]


def test_services_tell_the_scan_after_commit(
    world, settings, django_capture_on_commit_callbacks
) -> None:
    settings.LEARNHUB_STUDENT_CHANGED = ["tests.followups.test_tasks.record_call"]
    maths = build_maths(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        evidence_record(actor=world.teacher, student=world.student, competency=maths.t1, score=3)
    assert CALLS == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [world.student.pk] == CALLS
    goal = Goal.objects.create(
        student=world.student, title="Read", status=Goal.Status.ACTIVE, approved_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        checkin_record(actor=world.student, goal=goal, confidence=3, progress=40)
        goal_update(
            actor=world.student,
            goal=goal,
            expected_version=goal.version,
            changes={"target_date": dt.date.today() + dt.timedelta(days=30)},
        )
    assert [world.student.pk] * 3 == CALLS


def test_a_rolled_back_write_tells_no_one(world, settings, django_capture_on_commit_callbacks):
    settings.LEARNHUB_STUDENT_CHANGED = ["tests.followups.test_tasks.record_call"]
    maths = build_maths(world)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        evidence_record(actor=world.teacher, student=world.student, competency=maths.t1, score=99)
    assert CALLS == []


def test_nightly_dispatch_queues_each_school_once_at_its_hour(
    world, django_capture_on_commit_callbacks
) -> None:
    now = timezone.now()
    here = timezone.localtime(now, world.school.tzinfo)
    RiskPolicy.objects.filter(school=world.school).update(scan_hour=here.hour)
    RiskPolicy.objects.filter(school=world.other_school).update(scan_hour=(here.hour + 1) % 24)
    send_patch = mock.patch.object(tasks.school_scan_task, "apply_async")
    with send_patch as send, django_capture_on_commit_callbacks(execute=True):
        assert tasks.nightly_dispatch.run() == [world.school.pk]
        # A second beat, or the same beat again within the day: nothing more.
        assert tasks.nightly_dispatch.run() == []
    send.assert_called_once()
    assert send.call_args.kwargs["args"] == (world.school.pk, here.date().isoformat())


def test_nightly_dispatch_skips_a_school_scanned_tonight(world) -> None:
    here = timezone.localtime(timezone.now(), world.school.tzinfo)
    RiskPolicy.objects.filter(school=world.school).update(scan_hour=here.hour)
    RiskPolicy.objects.filter(school=world.other_school).update(scan_hour=(here.hour + 1) % 24)
    ScanRun.objects.create(
        school=world.school, as_of=here.date(), trigger="nightly", started_at=timezone.now()
    )
    with mock.patch.object(tasks.school_scan_task, "apply_async") as send:
        assert tasks.nightly_dispatch.run() == []
    send.assert_not_called()


def test_beat_runs_the_dispatcher_hourly() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["follow-ups nightly scans"]
    assert entry["task"] == tasks.nightly_dispatch.name
    assert entry["schedule"].hour == set(range(24))


def test_recording_evidence_queues_one_rescan_of_the_student(
    world, django_capture_on_commit_callbacks
) -> None:
    """The real chain: mastery service → core.hooks → followups.tasks.student_changed →
    student_scan queued once, in DEBOUNCE_SECONDS, however many scores were recorded."""
    maths = build_maths(world)
    with mock.patch.object(tasks.student_scan, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            evidence_record(
                actor=world.teacher, student=world.student, competency=maths.t1, score=3
            )
        with django_capture_on_commit_callbacks(execute=True):
            evidence_record(
                actor=world.teacher, student=world.student, competency=maths.t2, score=2
            )
    send.assert_called_once_with(
        args=(world.student.pk,), countdown=tasks.DEBOUNCE_SECONDS, retry=False
    )
