"""Reminders: a weekly nudge to students whose active goal has no recent check-in, a weekly
summary for advisors; both idempotent per ISO week, both a fixed number of SELECTs."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from smtplib import SMTPException

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals import reminders
from goals.models import CheckIn, Goal, GoalSettings, ReminderSent
from goals.reminders import (
    AdvisorSummary,
    advisor_summaries,
    advisor_summaries_send,
    checkin_nudges_send,
    goals_needing_checkin,
    iso_week,
)
from goals.services import (
    checkin_record,
    goal_accept_suggestion,
    goal_approve,
    goal_close,
    goal_create,
)
from goals.tasks import advisor_summaries_task, checkin_nudges_task
from profiles.models import Section
from tests import factories as f

# Wednesday 18 November 2026, noon in New York: ISO week 2026-W47.
NOW = dt.datetime(2026, 11, 18, 17, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _active(world, student=None, title="Read 4 novels this term", *, approved=NOW - 8 * DAY):
    """An active goal of ``student`` (default: world.student) approved at ``approved``."""
    student = student or world.student
    goal = goal_create(actor=student, student=student, title=title, propose=True)
    goal_approve(actor=world.teacher, goal=goal)
    Goal.objects.filter(pk=goal.pk).update(created_at=approved - 3 * DAY, approved_at=approved)
    return Goal.objects.get(pk=goal.pk)


def _check_in(goal: Goal, at: dt.datetime) -> CheckIn:
    checkin = checkin_record(actor=goal.student, goal=goal, confidence=3, progress=30)
    CheckIn.objects.filter(pk=checkin.pk).update(created_at=at)
    return checkin


def _advisees(world, n: int, prefix: str = "kid") -> list:
    kids = [f.student(world.school, email=f"{prefix}{i}@example.org") for i in range(n)]
    f.enroll(world.advisory, *kids)
    return kids


# --- the check-in nudge ------------------------------------------------------------------------


def test_iso_week_names_the_year_and_week():
    assert iso_week(dt.date(2026, 11, 18)) == "2026-W47"
    assert iso_week(dt.date(2027, 1, 1)) == "2026-W53"
    assert iso_week(dt.date(2027, 1, 4)) == "2027-W01"


def test_a_student_whose_active_goal_had_no_checkin_for_7_days_gets_one_email(world, mailoutbox):
    goal = _active(world, approved=NOW - 7 * DAY)

    sent = checkin_nudges_send(now=NOW)

    assert sent == 1
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["sam@example.org"]
    assert email.subject == "Time to check in on your goals"
    assert email.body == (
        "Hi Sam,\n\nIt's been a while since you checked in on:\n"
        "  • Read 4 novels this term\n\n"
        f"A check-in takes two clicks: http://testserver{reverse('my-goals')}\n\nLearnHub"
    )
    assert list(ReminderSent.objects.values_list("kind", "user", "week", "goal_count")) == [
        ("checkin_nudge", world.student.pk, "2026-W47", 1)
    ]
    assert goals_needing_checkin(now=NOW) == {world.student.pk: [goal]}


@pytest.mark.parametrize(
    ("untouched_for", "nudged"),
    [
        (6 * DAY + dt.timedelta(hours=23), False),
        (7 * DAY, True),
        (30 * DAY, True),
    ],
)
def test_the_nudge_comes_after_7_days_without_a_checkin(world, mailoutbox, untouched_for, nudged):
    _active(world, approved=NOW - untouched_for)

    assert checkin_nudges_send(now=NOW) == int(nudged)
    assert len(mailoutbox) == int(nudged)


def test_a_recent_checkin_means_no_nudge(world, mailoutbox):
    goal = _active(world, approved=NOW - 30 * DAY)
    _check_in(goal, NOW - 2 * DAY)

    assert checkin_nudges_send(now=NOW) == 0
    assert mailoutbox == []
    assert ReminderSent.objects.count() == 0


def test_an_old_checkin_still_means_a_nudge(world, mailoutbox):
    goal = _active(world, approved=NOW - 30 * DAY)
    _check_in(goal, NOW - 20 * DAY)
    _check_in(goal, NOW - 9 * DAY)

    assert checkin_nudges_send(now=NOW) == 1


def test_a_goal_approved_recently_is_not_due_even_if_written_long_ago(world, mailoutbox):
    goal = _active(world, approved=NOW - 2 * DAY)
    Goal.objects.filter(pk=goal.pk).update(created_at=NOW - 60 * DAY)

    assert checkin_nudges_send(now=NOW) == 0


def test_a_student_with_two_stale_goals_gets_one_email_naming_both(world, mailoutbox):
    _active(world, title="Read 4 novels this term", approved=NOW - 10 * DAY)
    _active(world, title="Run 5 km without stopping", approved=NOW - 9 * DAY)

    assert checkin_nudges_send(now=NOW) == 1

    assert len(mailoutbox) == 1
    assert "  • Read 4 novels this term\n  • Run 5 km without stopping\n" in mailoutbox[0].body
    assert ReminderSent.objects.get().goal_count == 2


def test_only_active_goals_are_nudged(world, mailoutbox):
    old = NOW - 30 * DAY
    draft = goal_create(actor=world.student, student=world.student, title="A private draft")
    proposed = goal_create(
        actor=world.student, student=world.student, title="Waiting for you", propose=True
    )
    suggested = goal_create(actor=world.teacher, student=world.student, title="Try this one")
    achieved = goal_close(
        actor=world.student,
        goal=_active(world, title="Done and dusted"),
        outcome="achieved",
        reflection="Worked hard",
    )
    Goal.objects.filter(pk__in=[draft.pk, proposed.pk, suggested.pk, achieved.pk]).update(
        created_at=old
    )
    Goal.objects.filter(pk=achieved.pk).update(approved_at=old, closed_at=old)

    assert checkin_nudges_send(now=NOW) == 0
    assert mailoutbox == []


def test_an_accepted_suggestion_is_nudged_like_any_active_goal(world, mailoutbox):
    goal = goal_accept_suggestion(
        actor=world.student,
        goal=goal_create(actor=world.teacher, student=world.student, title="Try this one"),
    )
    Goal.objects.filter(pk=goal.pk).update(created_at=NOW - 20 * DAY, approved_at=NOW - 10 * DAY)

    assert checkin_nudges_send(now=NOW) == 1


def test_a_student_who_left_is_not_nudged(world, mailoutbox):
    _active(world, approved=NOW - 10 * DAY)
    type(world.student).objects.filter(pk=world.student.pk).update(is_active=False)

    assert checkin_nudges_send(now=NOW) == 0


@pytest.mark.parametrize(
    ("nudge_days", "untouched_for", "nudged"),
    [
        (3, 3 * DAY, True),
        (3, 2 * DAY, False),
        (14, 8 * DAY, False),
        (14, 14 * DAY, True),
    ],
)
def test_the_school_sets_how_many_days_before_a_nudge(
    world, mailoutbox, nudge_days, untouched_for, nudged
):
    GoalSettings.objects.create(school=world.school, checkin_nudge_days=nudge_days)
    _active(world, approved=NOW - untouched_for)

    assert checkin_nudges_send(now=NOW) == int(nudged)


def test_another_schools_setting_does_not_apply(world, mailoutbox):
    GoalSettings.objects.create(school=world.other_school, checkin_nudge_days=3)
    _active(world, approved=NOW - 4 * DAY)

    assert checkin_nudges_send(now=NOW) == 0


def test_a_nudge_is_sent_once_a_week_however_often_the_task_runs(world, mailoutbox):
    _active(world, approved=NOW - 10 * DAY)

    first = checkin_nudges_send(now=NOW)
    again = checkin_nudges_send(now=NOW)
    later_that_week = checkin_nudges_send(now=NOW + 2 * DAY)  # Friday, still 2026-W47

    assert (first, again, later_that_week) == (1, 0, 0)
    assert len(mailoutbox) == 1
    assert ReminderSent.objects.count() == 1


def test_the_next_week_the_student_is_nudged_again(world, mailoutbox):
    _active(world, approved=NOW - 10 * DAY)
    checkin_nudges_send(now=NOW)

    assert checkin_nudges_send(now=NOW + 7 * DAY) == 1

    assert len(mailoutbox) == 2
    assert list(ReminderSent.objects.order_by("week").values_list("week", flat=True)) == [
        "2026-W47",
        "2026-W48",
    ]


def test_each_stale_student_gets_their_own_nudge(world, mailoutbox):
    kids = _advisees(world, 2)
    _active(world, approved=NOW - 10 * DAY)
    for kid in kids:
        _active(world, kid, approved=NOW - 10 * DAY)
    _check_in(_active(world, world.student, "Fresh goal", approved=NOW - 10 * DAY), NOW)

    assert checkin_nudges_send(now=NOW) == 3

    assert sorted(m.to[0] for m in mailoutbox) == [
        "kid0@example.org",
        "kid1@example.org",
        "sam@example.org",
    ]


def test_a_nudge_that_failed_to_send_is_sent_on_the_next_run(world, mailoutbox, monkeypatch):
    _active(world, approved=NOW - 10 * DAY)
    real_send_mail = reminders.send_mail
    calls = []

    def flaky_send_mail(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 1:
            raise SMTPException("mail server down")
        return real_send_mail(*args, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", flaky_send_mail)
    with contextlib.suppress(SMTPException):
        checkin_nudges_send(now=NOW)

    assert checkin_nudges_send(now=NOW + DAY) == 1
    assert [m.to for m in mailoutbox] == [["sam@example.org"]]
    assert ReminderSent.objects.count() == 1


def _statements(n: int, world) -> Counter:
    for kid in _advisees(world, n, prefix=f"batch{n}-"):
        _active(world, kid, approved=NOW - 10 * DAY)
    with CaptureQueriesContext(connection) as ctx:
        sent = checkin_nudges_send(now=NOW)
    assert sent == n
    return Counter(q["sql"].split()[0].upper() for q in ctx.captured_queries)


def test_nudging_more_students_adds_only_one_claim_per_student_and_no_selects(world, mailoutbox):
    three = _statements(3, world)
    ReminderSent.objects.all().delete()
    Goal.objects.all().delete()
    twelve = _statements(12, world)

    # two reads, and the recipients' school time zones in one query (profiles.zones)
    assert three["SELECT"] == twelve["SELECT"] == 3
    assert (three["INSERT"], twelve["INSERT"]) == (3, 12)
    assert {k: v for k, v in twelve.items() if k not in {"SELECT", "INSERT"}} == {
        k: 4 * v for k, v in three.items() if k not in {"SELECT", "INSERT"}
    }
    assert set(twelve) <= {"SELECT", "INSERT", "SAVEPOINT", "RELEASE"}


# --- the advisor's weekly summary ----------------------------------------------------------------


def _advisory_week(world) -> None:
    """world.student's goals: 1 waiting, 2 active (1 stale), 1 achieved this week, 1 last month."""
    goal_create(actor=world.student, student=world.student, title="Waiting for you", propose=True)
    goal_create(actor=world.student, student=world.student, title="A private draft")
    goal_create(actor=world.teacher, student=world.student, title="A suggestion")
    _active(world, title="Stale goal", approved=NOW - 10 * DAY)
    _active(world, title="Fresh goal", approved=NOW - 1 * DAY)
    for title, closed in (
        ("Achieved lately", NOW - 2 * DAY),
        ("Achieved long ago", NOW - 30 * DAY),
    ):
        goal = goal_close(
            actor=world.student,
            goal=_active(world, title=title, approved=closed - 20 * DAY),
            outcome="achieved",
            reflection="Did it",
        )
        Goal.objects.filter(pk=goal.pk).update(closed_at=closed)


def test_the_advisor_summary_counts_waiting_stale_achieved_and_active_goals(world):
    _advisory_week(world)

    assert advisor_summaries(now=NOW) == [
        AdvisorSummary(advisor=world.teacher, waiting=1, stale=1, achieved=1, active=2)
    ]


def test_a_class_teacher_who_is_nobodys_advisor_gets_no_summary(world):
    f.enroll(world.other_section, world.student)
    _advisory_week(world)

    assert [s.advisor for s in advisor_summaries(now=NOW)] == [world.teacher]


def test_an_advisor_whose_advisees_have_no_goals_gets_no_summary(world):
    goal_create(actor=world.student, student=world.student, title="A private draft")

    assert advisor_summaries(now=NOW) == []


def test_the_advisor_gets_the_summary_once_a_week(world, mailoutbox):
    _advisory_week(world)

    first = advisor_summaries_send(now=NOW)
    again = advisor_summaries_send(now=NOW + dt.timedelta(hours=3))

    assert (first, again) == (1, 0)
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["tess@example.org"]
    assert email.subject == "Your advisees' goals this week (2026-W47)"
    assert email.body == (
        "Hi Tess,\n\n"
        "  • 1 goal(s) waiting for your approval\n"
        "  • 1 active goal(s) with no recent check-in\n"
        "  • 1 goal(s) achieved this week\n"
        "  • 2 active goal(s) in all\n\n"
        f"See them: http://testserver{reverse('advisory-goals')}\n\nLearnHub"
    )
    assert list(ReminderSent.objects.values_list("kind", "user", "week", "goal_count")) == [
        ("advisor_summary", world.teacher.pk, "2026-W47", 2)
    ]


def test_the_next_week_the_advisor_gets_a_new_summary(world, mailoutbox):
    _advisory_week(world)
    advisor_summaries_send(now=NOW)

    assert advisor_summaries_send(now=NOW + 7 * DAY) == 1
    assert ReminderSent.objects.filter(kind="advisor_summary").count() == 2


def test_an_inactive_advisory_sends_no_summary(world, mailoutbox):
    _advisory_week(world)
    Section.objects.filter(pk=world.advisory.pk).update(is_active=False)

    assert advisor_summaries_send(now=NOW) == 0


@pytest.mark.parametrize("n", [3, 12])
def test_advisor_summaries_take_five_queries_whatever_the_number_of_advisees(world, n):
    for kid in _advisees(world, n):
        _active(world, kid, approved=NOW - 10 * DAY)

    with CaptureQueriesContext(connection) as ctx:
        summaries = advisor_summaries(now=NOW)

    assert summaries == [AdvisorSummary(world.teacher, waiting=0, stale=n, achieved=0, active=n)]
    assert len(ctx.captured_queries) == 5


# --- the Celery tasks ----------------------------------------------------------------------------


def test_the_nudge_task_returns_how_many_it_sent(world, mailoutbox):
    _active(world, approved=timezone.now() - 10 * DAY)

    assert checkin_nudges_task.run() == 1
    assert checkin_nudges_task.run() == 0
    assert len(mailoutbox) == 1


def test_the_summary_task_returns_how_many_it_sent(world, mailoutbox):
    _active(world, approved=timezone.now() - 10 * DAY)

    assert advisor_summaries_task.run() == 1
    assert advisor_summaries_task.run() == 0
    assert mailoutbox[0].to == ["tess@example.org"]
