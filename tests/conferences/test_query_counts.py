"""Every conference page and API list takes the same number of queries for a small and a large
advisory: set-based reads, never a query per student, slot or attendee."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conferences import services as svc
from conferences.models import Conference
from tests import factories as f
from tests.conferences.support import at, conference_setup

pytestmark = pytest.mark.django_db


def _grow(world, setup, n: int) -> None:
    """n more advisees of world.teacher, each with a guardian, a slot and a conference in it,
    an RSVP, a commitment; and one guardian with all of them as children."""
    day = setup.window.starts_on
    parent = f.guardian(world.school, email="big-family@example.org")
    for i in range(n):
        kid = f.student(world.school, email=f"kid{i}@example.org", given_name=f"Kid{i}")
        f.guardian(world.school, kid, email=f"parent{i}@example.org")
        from profiles.models import GuardianLink

        GuardianLink.objects.create(guardian=parent, student=kid)
        f.enroll(world.advisory, kid)
        start = at(world, day, 8) + dt.timedelta(minutes=30 * i)
        svc.slot_create(
            actor=world.teacher,
            window=setup.window,
            advisor=world.teacher,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            room=f"Room {i}",
        )
    svc.conferences_create_for_window(actor=world.admin, window=setup.window)
    slots = list(setup.window.slots.filter(room__startswith="Room ").exclude(room="Room 12"))
    for conference, slot in zip(
        Conference.objects.filter(window=setup.window).exclude(student=world.student),
        sorted(slots, key=lambda s: s.starts_at),
        strict=False,
    ):
        svc.conference_schedule(actor=world.teacher, conference=conference, slot=slot)
        svc.interpreter_request(actor=world.admin, conference=conference, language="Somali")


def _count(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _urls(world, setup):
    conference = setup.conference.pk
    return [
        ("teacher", reverse("conference-schedule")),
        ("teacher", reverse("conference-review", args=[conference])),
        ("student", reverse("my-conference")),
        ("student", reverse("conference-lead")),
        ("guardian", reverse("family-conferences")),
        ("guardian", reverse("conference-agenda", args=[conference])),
        ("big", reverse("family-conferences")),
        ("teacher", reverse("api:conference-list")),
        ("teacher", reverse("api:conference-slot-list")),
        ("teacher", reverse("api:conference-window-list")),
        ("teacher", reverse("api:conference-template-list")),
        ("teacher", reverse("api:work-sample-list")),
        ("teacher", reverse("api:commitment-list")),
        ("teacher", reverse("api:conference-agenda", args=[conference])),
    ]


def _who(world, name):
    if name == "big":
        from profiles.models import User

        return User.objects.filter(email="big-family@example.org").first() or world.guardian
    return getattr(world, name)


def test_conference_pages_and_api_cost_the_same_at_two_sizes(world, client):
    setup = conference_setup(world, mode="booking", slots=2)
    svc.conference_schedule(actor=world.teacher, conference=setup.conference, slot=setup.slots[0])
    _grow(world, setup, 2)
    small = {(who, url): _count(client, _who(world, who), url) for who, url in _urls(world, setup)}
    _grow_more(world, setup)
    large = {(who, url): _count(client, _who(world, who), url) for who, url in _urls(world, setup)}
    print(small)  # the figures, with pytest -s
    assert large == small
    assert max(small.values()) <= 30, small


def _grow_more(world, setup) -> None:
    """Ten more advisees, with slots and conferences, on top of the first ones."""
    day = setup.window.starts_on + dt.timedelta(days=1)
    from profiles.models import GuardianLink, User

    parent = User.objects.get(email="big-family@example.org")
    for i in range(10):
        kid = f.student(world.school, email=f"more{i}@example.org", given_name=f"More{i}")
        f.guardian(world.school, kid, email=f"moreparent{i}@example.org")
        GuardianLink.objects.create(guardian=parent, student=kid)
        f.enroll(world.advisory, kid)
        start = at(world, day, 8) + dt.timedelta(minutes=30 * i)
        svc.slot_create(
            actor=world.teacher,
            window=setup.window,
            advisor=world.teacher,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            room=f"More {i}",
        )
    made = svc.conferences_create_for_window(actor=world.admin, window=setup.window)
    slots = sorted(setup.window.slots.filter(room__startswith="More "), key=lambda s: s.starts_at)
    for conference, slot in zip(made, slots, strict=True):
        svc.conference_schedule(actor=world.teacher, conference=conference, slot=slot)
        svc.rsvp_respond(
            actor=conference.attendees.filter(role="guardian").first().user,
            conference=conference,
            response="accepted",
        )
