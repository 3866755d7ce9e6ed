"""Conference emails: the invitation, the day before (in the school's time zone), the summary
afterwards, to the student and their guardians; never twice for one conference and event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from conferences import services as svc
from conferences.models import ConferenceReminder
from conferences.reminders import reminders_send
from conferences.tasks import conference_reminder_task, conference_reminders_task
from tests.conferences.support import in_state, scheduled

pytestmark = pytest.mark.django_db


def _events(conference):
    return sorted(conference.reminders.values_list("event", flat=True))


def test_an_invitation_goes_once_to_the_student_and_guardians(world):
    setup = scheduled(world)
    assert reminders_send() == 1
    assert reminders_send() == 0
    assert conference_reminders_task() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["gina@example.org", "sam@example.org"]
    assert "Sam's conference" in message.subject
    assert _events(setup.conference) == ["invitation"]


def test_the_day_before_is_the_schools_day_before(world):
    setup = scheduled(world)
    reminders_send()
    starts = setup.conference.slot.starts_at
    local_day = world.school.local(starts).date()
    two_days_before = dt.datetime.combine(
        local_day - dt.timedelta(days=2), dt.time(20, 0), tzinfo=world.school.tzinfo
    )
    day_before = dt.datetime.combine(
        local_day - dt.timedelta(days=1), dt.time(8, 0), tzinfo=world.school.tzinfo
    )
    from unittest import mock

    with mock.patch("profiles.models.School.today", return_value=two_days_before.date()):
        assert reminders_send(now=two_days_before) == 0
    with mock.patch("profiles.models.School.today", return_value=day_before.date()):
        assert reminders_send(now=day_before) == 1
        assert reminders_send(now=day_before) == 0
    assert _events(setup.conference) == ["day_before", "invitation"]
    assert mail.outbox[-1].subject.startswith("Tomorrow:")


def test_the_summary_goes_once_after_the_conference(world):
    conference = in_state(world, "held")
    svc.conference_summary_save(actor=world.teacher, conference=conference, summary="We agreed.")
    assert conference_reminder_task(conference.pk, "summary") is True
    assert conference_reminder_task(conference.pk, "summary") is False
    assert reminders_send() == 0
    summary = [m for m in mail.outbox if "summary" in m.subject]
    assert len(summary) == 1 and "We agreed." in summary[0].body


def test_the_database_refuses_a_second_reminder_for_one_event(world):
    conference = scheduled(world).conference
    ConferenceReminder.objects.create(conference=conference, event="invitation")
    with pytest.raises(IntegrityError), transaction.atomic():
        ConferenceReminder.objects.create(conference=conference, event="invitation")


def test_a_failed_send_is_retried_next_time(world, monkeypatch):
    scheduled(world)

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr("conferences.reminders.send_mail", broken)
    assert reminders_send() == 0
    assert not ConferenceReminder.objects.exists()
    monkeypatch.undo()
    assert reminders_send() == 1


def test_cancelled_conferences_get_nothing(world):
    conference = scheduled(world).conference
    svc.conference_cancel(actor=world.teacher, conference=conference)
    assert reminders_send() == 0
