"""The demo school's follow-ups: a term of attendance through the importer, a scan, flags in
every state with follow-ups, the login teacher's queue not empty; idempotent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conferences.demo import demo_conferences_seed
from followups.demo import demo_followups_seed
from followups.models import Attendance, Flag, FollowUp, Rule, ScanRun
from followups.selectors import flags_list_for_teacher
from goals.demo import demo_goals_seed
from mastery.demo import demo_mastery_seed
from profiles.demo import demo_logins, demo_school_seed
from profiles.models import User

TODAY = date(2025, 11, 24)  # a Monday in Fall 2025


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    with django_db_blocker.unblock(), transaction.atomic():
        demo_school_seed(today=TODAY)
        demo_mastery_seed(today=TODAY)
        demo_goals_seed(today=TODAY)
        demo_conferences_seed(today=TODAY)
        summary = demo_followups_seed(today=TODAY)
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded: Any, db: None) -> Any:
    return seeded


def test_attendance_scan_and_flags_in_every_state(demo):
    assert demo.created
    assert Attendance.objects.filter(source="import").count() == demo.counts["attendance"] > 1000
    run = ScanRun.objects.get(trigger="demo")
    assert run.as_of == TODAY
    # The nightly scans of the last school days before today's: flags raised on many days.
    nights = ScanRun.objects.filter(trigger="nightly").order_by("as_of")
    assert nights.count() == demo.counts["nights"] - 1 == 14
    assert nights.last().as_of < TODAY
    opened = sum(r.flags_opened for r in ScanRun.objects.all())
    assert opened == demo.counts["flags"] == Flag.objects.count() > 0
    assert len(set(Flag.objects.values_list("first_detected_on", flat=True))) >= 5
    assert Flag.objects.filter(status="cleared").count() == demo.counts["cleared"] > 0
    statuses = set(Flag.objects.values_list("status", flat=True))
    assert {"open", "acknowledged", "snoozed", "resolved"} <= statuses
    assert Flag.objects.filter(rule="chronic_absence").exists()
    assert FollowUp.objects.count() == demo.counts["followups"] > 0
    assert Flag.objects.exclude(feedback="").exists()
    assert "scans over 15 school days that raised" in demo.described()


def test_login_teacher_has_a_real_queue(demo):
    teacher = User.objects.get(email=next(x.email for x in demo_logins() if x.role == "teacher"))
    queue = list(flags_list_for_teacher(viewer=teacher))
    assert queue
    assert any(f.rule == "chronic_absence" for f in queue)


def test_each_rule_flags_a_few_students(demo):
    """The queue shows every kind of flag, and not the whole school."""
    students = User.objects.filter(memberships__role="student").count()
    per_rule = Counter(Flag.objects.values_list("rule", flat=True))
    assert set(per_rule) == set(Rule), per_rule
    assert all(1 <= n <= students // 2 for n in per_rule.values()), per_rule
    flagged = Flag.objects.values("student").distinct().count()
    assert flagged <= students * 2 // 3, (flagged, students)


def test_seeding_again_writes_nothing(demo):
    with CaptureQueriesContext(connection) as ctx:
        again = demo_followups_seed(today=TODAY)
    assert not again.created
    assert len(ctx.captured_queries) == 1
