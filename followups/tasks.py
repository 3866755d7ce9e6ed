"""The scan's Celery tasks: thin, idempotent wrappers that take ids and re-read state.

At-least-once delivery is safe: a scan is one transaction under the school's lock and its
upserts write nothing when nothing changed (:mod:`followups.scan`). Each task is acknowledged
late and re-queued if its worker dies; its time limits stay below the broker's visibility
timeout so Redis never hands a running scan to a second worker.

- ``followups.school_scan``: one school as of a date;
- ``followups.nightly_dispatch`` (hourly, from beat): queues the school scans whose
  ``RiskPolicy.scan_hour`` is the school's local hour now, each at most once per school and day
  (a Redis ``SET NX`` key, and a nightly :class:`ScanRun` for the date already there → skip);
- ``followups.section_scan``: a teacher's "scan this section now";
- ``followups.student_scan``: one student after a change, debounced by
  :func:`student_changed`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any

import redis
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.tasks import broker_failed, broker_resting, enqueue_after_commit
from profiles.models import Membership, Role, School, Section

from .models import RiskPolicy, ScanRun
from .scan import school_scan

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 30


def time_limits(visibility_timeout: int) -> tuple[int, int]:
    """(soft, hard) time limits below the broker's visibility timeout: 45 and 50 minutes for the
    default hour, and still positive when a drill lowers it to half a minute."""
    hard = visibility_timeout - min(10 * 60, visibility_timeout // 6)
    return hard - min(5 * 60, hard // 10), hard


SOFT_TIME_LIMIT, HARD_TIME_LIMIT = time_limits(settings.CELERY_BROKER_VISIBILITY_TIMEOUT)

TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "time_limit": HARD_TIME_LIMIT,
    "ignore_result": True,
}


def _redis() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, retry_on_timeout=False
    )


def _claim(key: str, seconds: int) -> bool:
    """True when this caller is the first to ask for ``key`` in ``seconds``; True as well when
    Redis cannot be reached (the work is idempotent: doing it twice is better than never)."""
    if broker_resting():  # it failed moments ago: do not wait for it to fail again
        return True
    try:
        return bool(_redis().set(key, "1", nx=True, ex=seconds))
    except redis.RedisError as exc:
        logger.warning("followups: no Redis for %s (%s); going ahead", key, type(exc).__name__)
        broker_failed(exc)
        return True


def _release(key: str) -> None:
    with contextlib.suppress(redis.RedisError):
        _redis().delete(key)


@shared_task(name="followups.school_scan", **TASK_OPTIONS)
def school_scan_task(
    school_id: int, as_of: str | None = None, trigger: str = ScanRun.Trigger.NIGHTLY
) -> int | None:
    """Scan one school as of ``as_of`` (ISO date; the school's today by default); returns the
    ScanRun id, or None when the school is gone or inactive."""
    school = School.objects.filter(pk=school_id, is_active=True).first()
    if school is None:
        return None
    day = dt.date.fromisoformat(as_of) if as_of else None
    return school_scan(school=school, as_of=day, trigger=trigger).pk


@shared_task(name="followups.section_scan", **TASK_OPTIONS)
def section_scan(section_id: int) -> int | None:
    """Scan one section's students now (a teacher asked)."""
    section = Section.objects.select_related("school").filter(pk=section_id).first()
    if section is None or not section.school.is_active:
        return None
    return school_scan(school=section.school, section=section, trigger=ScanRun.Trigger.SECTION).pk


def _student_key(student_id: int) -> str:
    return f"followups:student-changed:{student_id}"


@shared_task(name="followups.student_scan", **TASK_OPTIONS)
def student_scan(student_id: int) -> int:
    """Rescan one student at each school where they are an active student; returns how many
    schools were scanned. Changes made from now on queue a new rescan."""
    _release(_student_key(student_id))
    school_ids = Membership.objects.filter(
        user_id=student_id, role=Role.STUDENT, is_active=True, school__is_active=True
    ).values_list("school_id", flat=True)
    scanned = 0
    for school in School.objects.filter(pk__in=list(school_ids)).order_by("pk"):
        school_scan(school=school, student_ids=[student_id], trigger=ScanRun.Trigger.STUDENT)
        scanned += 1
    return scanned


def student_changed(student_id: int) -> None:
    """A student's evidence, goals, check-ins or attendance changed (``core.hooks``, after
    commit): queue one rescan in ``DEBOUNCE_SECONDS``; further changes in that window ride on
    it. Never raises for Redis: without it the rescan is kept in the outbox
    (``core.tasks.enqueue_after_commit``) and the nightly scan catches up anyway."""
    if not _claim(_student_key(student_id), DEBOUNCE_SECONDS):
        return
    enqueue_after_commit(student_scan, student_id, countdown=DEBOUNCE_SECONDS)


def _due_schools(now: dt.datetime) -> list[tuple[School, dt.date]]:
    due = []
    for policy in RiskPolicy.objects.select_related("school").filter(school__is_active=True):
        local = timezone.localtime(now, policy.school.tzinfo)
        if local.hour == policy.scan_hour:
            due.append((policy.school, local.date()))
    return due


@shared_task(name="followups.nightly_dispatch", **TASK_OPTIONS)
def nightly_dispatch() -> list[int]:
    """Queue the nightly scan of each school whose scan hour it is now, where the school is.
    Run hourly by beat; a second beat (or a rerun) in the same hour queues nothing twice."""
    queued: list[int] = []
    for school, today in _due_schools(timezone.now()):
        if ScanRun.objects.filter(
            school=school, as_of=today, trigger=ScanRun.Trigger.NIGHTLY
        ).exists():
            continue
        if not _claim(f"followups:nightly:{school.pk}:{today.isoformat()}", 24 * 60 * 60):
            continue
        enqueue_after_commit(school_scan_task, school.pk, today.isoformat())
        queued.append(school.pk)
    return queued
