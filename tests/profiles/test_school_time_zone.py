"""Dates on pages and in emails are the school's (docs/decisions/0027): a moment near midnight
UTC shows the school's local date, not the project's TIME_ZONE (America/New_York) or UTC."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followups.digest import flag_digests_send
from followups.models import DigestSent, Rule
from goals.models import CheckIn, ReminderSent
from goals.reminders import checkin_nudges_send
from goals.services import checkin_record, goal_approve, goal_create
from mastery.models import Evidence
from mastery.services import evidence_submit
from profiles.models import School
from profiles.zones import time_zone_for, time_zones_for
from tests.followups.support import make_flag
from tests.mastery.conftest import build_maths

# 05:00 UTC on 2 December: still 1 December in Honolulu (19:00) and in New York (00:00 is
# the 2nd there, so 00:30 on the 2nd in New York is 05:30 UTC): the zones pull apart.
LATE = dt.datetime(2026, 12, 2, 5, 0, tzinfo=dt.UTC)  # Honolulu: Tue Dec 1, 19:00
EARLY = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)  # Tokyo: Wed Dec 2, 05:00; NY: Dec 1


def _zone(world, name):
    School.objects.filter(pk=world.school.pk).update(time_zone=name)


def _checked_in(world, at):
    goal = goal_create(actor=world.student, student=world.student, title="Rates", propose=True)
    goal_approve(actor=world.teacher, goal=goal)
    checkin = checkin_record(actor=world.student, goal=goal, confidence=3, progress=30)
    CheckIn.objects.filter(pk=checkin.pk).update(created_at=at)
    return goal


def _checkin_line(client, user, goal):
    client.force_login(user)
    page = client.get(reverse("goal-detail", args=[goal.pk])).content.decode()
    return page.split("confidence 3/5 · ")[1][:6]


def test_a_checkin_just_after_midnight_utc_shows_the_schools_date(world, client):
    _zone(world, "Pacific/Honolulu")
    goal = _checked_in(world, LATE)
    for user in (world.student, world.guardian, world.teacher):
        assert _checkin_line(client, user, goal).startswith("Dec 1")


def test_a_school_east_of_utc_shows_the_next_day(world, client):
    _zone(world, "Asia/Tokyo")
    goal = _checked_in(world, EARLY)
    assert _checkin_line(client, world.student, goal).startswith("Dec 2")
    _zone(world, "America/New_York")
    assert _checkin_line(client, world.student, goal).startswith("Dec 1")


def test_evidence_waiting_for_review_shows_when_it_came_in_school_time(world, client):
    _zone(world, "Asia/Tokyo")
    maths = build_maths(world)
    evidence = evidence_submit(actor=world.student, competency=maths.t1, note="My worksheet")
    Evidence.objects.filter(pk=evidence.pk).update(created_at=EARLY)
    client.force_login(world.teacher)
    page = client.get(reverse("evidence-review")).content.decode()
    assert "Dec 2" in page and "Dec 1" not in page


def test_the_zone_comes_with_the_signed_in_user_and_activates_per_request(world, client):
    _zone(world, "Asia/Tokyo")
    client.force_login(world.teacher)
    response = client.get(reverse("teacher-home"))
    assert response.wsgi_request.user._learnhub_time_zone == "Asia/Tokyo"
    assert timezone.get_current_timezone_name() != "Asia/Tokyo"  # deactivated after


def test_someone_without_a_school_keeps_the_project_zone(world, django_user_model):
    operator = django_user_model.objects.create_superuser(email="op@example.org", password="x")
    assert str(time_zone_for(user=operator)) == "America/New_York"
    _zone(world, "Europe/Berlin")
    zones = time_zones_for(user_ids=[operator.pk, world.teacher.pk])
    assert {pk: str(z) for pk, z in zones.items()} == {
        operator.pk: "America/New_York",
        world.teacher.pk: "Europe/Berlin",
    }


@pytest.mark.parametrize(
    ("zone", "day"), [("Pacific/Honolulu", dt.date(2026, 12, 1)), ("UTC", dt.date(2026, 12, 2))]
)
def test_the_digest_day_is_the_teachers_school_day(world, zone, day):
    _zone(world, zone)
    flag = make_flag(world.student, Rule.BEHIND_PACE, assigned_to=world.teacher)
    type(flag).objects.filter(pk=flag.pk).update(created_at=LATE - dt.timedelta(hours=1))
    assert flag_digests_send(now=LATE) == 1
    assert DigestSent.objects.get().date == day
    assert len(mail.outbox) == 1
    assert flag_digests_send(now=LATE + dt.timedelta(hours=2)) == 0  # same school day


@pytest.mark.parametrize(("zone", "week"), [("Pacific/Honolulu", "2026-W49"), ("UTC", "2026-W50")])
def test_the_weekly_nudge_counts_the_schools_week(world, mailoutbox, zone, week):
    # Monday 7 December 05:00 UTC is still Sunday 6 December (ISO week 49) in Honolulu.
    now = dt.datetime(2026, 12, 7, 5, 0, tzinfo=dt.UTC)
    _zone(world, zone)
    goal = goal_create(actor=world.student, student=world.student, title="Rates", propose=True)
    goal_approve(actor=world.teacher, goal=goal)
    old = now - dt.timedelta(days=20)
    type(goal).objects.filter(pk=goal.pk).update(created_at=old, approved_at=old)
    assert checkin_nudges_send(now=now) == 1
    assert ReminderSent.objects.get().week == week
