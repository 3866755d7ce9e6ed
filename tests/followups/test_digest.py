"""The daily digest: one email per teacher with new flags, at most once a day, never empty,
and a rerun sends nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from followups.digest import flag_digests_send, flag_digests_task
from followups.models import DigestSent, Flag, Rule
from tests.followups.support import make_flag

pytestmark = pytest.mark.django_db


def test_teacher_gets_one_digest_with_the_numbers(world):
    make_flag(world.student, Rule.BEHIND_PACE, assigned_to=world.teacher)
    make_flag(world.student, Rule.CHRONIC_ABSENCE, severity="high", assigned_to=world.teacher)
    assert flag_digests_send() == 1
    (email,) = mail.outbox
    assert email.to == ["tess@example.org"]
    assert email.subject == "2 new follow-up flags"
    assert "Sam Rivera — Chronic absence: Attended 85 % of the last 20 school days" in email.body
    assert "3 targets behind the pacing plan: expected 9 by today, mastered 6" in email.body
    assert email.body.index("Chronic absence") < email.body.index("Behind pace")  # high first
    assert email.body.endswith("Your follow-ups: http://testserver/teach/follow-ups/\n\nLearnHub")
    assert list(DigestSent.objects.values_list("user", "flag_count")) == [(world.teacher.pk, 2)]


def test_rerun_the_same_day_sends_nothing_twice(world):
    make_flag(world.student, assigned_to=world.teacher)
    assert flag_digests_task() == 1
    make_flag(world.student, Rule.SLIPPING, assigned_to=world.teacher)  # newer than the digest
    assert flag_digests_task() == 0
    assert len(mail.outbox) == 1 and DigestSent.objects.count() == 1


def test_no_new_flags_no_email(world):
    assert flag_digests_send() == 0
    make_flag(world.student, assigned_to=None)  # nobody to tell
    make_flag(world.student, Rule.SLIPPING, status="cleared", assigned_to=world.teacher)
    assert flag_digests_send() == 0
    assert mail.outbox == [] and DigestSent.objects.count() == 0


def test_next_day_only_flags_opened_since_the_last_digest(world):
    old = make_flag(world.student, assigned_to=world.teacher)
    flag_digests_send()
    yesterday = timezone.now() - dt.timedelta(days=1)
    DigestSent.objects.update(date=timezone.localdate() - dt.timedelta(days=1), sent_at=yesterday)
    Flag.objects.filter(pk=old.pk).update(created_at=yesterday - dt.timedelta(hours=1))
    make_flag(world.student, Rule.SLIPPING, assigned_to=world.teacher)
    assert flag_digests_send() == 1
    assert mail.outbox[-1].subject == "1 new follow-up flag"
    assert "Slipping" in mail.outbox[-1].body and "Behind pace" not in mail.outbox[-1].body


def test_a_failed_send_is_tried_again(world, monkeypatch):
    make_flag(world.student, assigned_to=world.teacher)

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr("followups.digest.send_mail", broken)
    assert flag_digests_send() == 0
    assert DigestSent.objects.count() == 0
    monkeypatch.undo()
    assert flag_digests_send() == 1


def test_the_beat_entry_names_the_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["follow-ups daily digest"]
    assert entry["task"] == flag_digests_task.name == "followups.flag_digests"
