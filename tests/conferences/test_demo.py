"""The demo school's conferences: a past window with held conferences (notes, commitments,
summaries) and an upcoming one with conferences in preparation, Sofia's among them, her mother
having booked Sofia and Mateo side by side; through the real services, idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conferences.demo import demo_conferences_seed
from conferences.models import Attendee, Commitment, Conference, ConferenceWindow
from conferences.selectors import agenda_assemble
from goals.demo import demo_goals_seed
from mastery.demo import demo_mastery_seed
from profiles.demo import demo_school_seed
from profiles.models import User

TODAY = date(2025, 11, 24)  # a Monday in Fall 2025


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    with django_db_blocker.unblock(), transaction.atomic():
        demo_school_seed(today=TODAY)
        demo_mastery_seed(today=TODAY)
        demo_goals_seed(today=TODAY)
        summary = demo_conferences_seed(today=TODAY)
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded: Any, db: None) -> Any:
    return seeded


def _user(local: str) -> User:
    return User.objects.get(email=f"{local}@demo.learnhub.school")


def test_the_demo_has_a_past_and_an_upcoming_window(demo):
    assert demo.created
    past, upcoming = ConferenceWindow.objects.order_by("starts_on")
    assert past.starts_on < TODAY < upcoming.starts_on
    assert (past.mode, upcoming.mode) == ("assigned", "booking")
    assert "27 held conferences" in demo.described()


def test_past_conferences_are_held_with_notes_commitments_and_summaries(demo):
    held = Conference.objects.filter(window__name="Fall progress conferences")
    assert held.count() == 27
    assert set(held.values_list("status", flat=True)) == {"held"}
    assert not held.filter(notes="").exists()
    assert not held.filter(summary="").exists()
    assert Commitment.objects.filter(conference__in=held).count() == 27 * 3
    assert all(c.held_at.date() < TODAY for c in held)


def test_sofia_prepares_her_upcoming_conference_with_last_times_commitments(demo):
    sofia = _user("sofia.martinez")
    conference = Conference.objects.get(student=sofia, window__name="End-of-semester conferences")
    assert conference.status == "preparing"
    assert conference.advisor == _user("ms.rivera")
    agenda = agenda_assemble(viewer=sofia, conference=conference)
    assert agenda.prepared_count == 5
    assert len(agenda.samples) == 2 and agenda.samples[0].proud_of
    assert agenda.previous is not None and agenda.previous.status == "held"
    assert {c.outcome for c in agenda.previous_commitments} <= {"kept", "not_kept"}
    assert agenda.goal_groups, "her goals from the goals demo are on the agenda"


def test_carmen_booked_both_children_side_by_side_with_an_interpreter(demo):
    carmen = _user("carmen.martinez")
    rows = list(
        Attendee.objects.filter(
            user=carmen, conference__window__name="End-of-semester conferences"
        ).order_by("starts_at")
    )
    assert len(rows) == 2
    assert rows[0].ends_at <= rows[1].starts_at  # side by side, never overlapping
    assert {r.conference.interpreter_language for r in rows} == {"Spanish"}


def test_the_upcoming_window_has_every_preparation_status_and_rsvps(demo):
    statuses = set(
        Conference.objects.filter(
            window__name="End-of-semester conferences", advisor=_user("ms.rivera")
        ).values_list("status", flat=True)
    )
    assert statuses == {"scheduled", "preparing", "submitted", "ready"}
    assert Attendee.objects.filter(rsvp="another_time").exists()


def test_seeding_again_writes_nothing(demo):
    with CaptureQueriesContext(connection) as ctx:
        again = demo_conferences_seed(today=TODAY)
    assert not again.created
    assert len(ctx.captured_queries) == 1
