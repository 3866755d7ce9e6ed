"""Conference set-ups for tests, built through the services, idempotent within a test (the
authorization matrix calls them from URL kwargs more than once)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from conferences import services as svc
from conferences.models import Conference, ConferenceSlot, ConferenceWindow
from profiles.models import Term
from tests.conftest import World

WINDOW = "Spring conferences"


@dataclass
class Setup:
    window: ConferenceWindow
    slots: list[ConferenceSlot]
    conference: Conference


def term_for(world: World) -> Term:
    today = world.school.today()
    term, _ = Term.objects.get_or_create(
        school=world.school,
        title="This term",
        defaults={
            "start_date": today - dt.timedelta(days=60),
            "end_date": today + dt.timedelta(days=60),
            "kind": Term.Kind.SEMESTER,
        },
    )
    return term


def at(world: World, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=world.school.tzinfo)


def conference_setup(
    world: World,
    *,
    mode: str = ConferenceWindow.Mode.ASSIGNED,
    days_ahead: int = 7,
    slots: int = 4,
    capacity: int = 1,
) -> Setup:
    """A window ``days_ahead`` from today at the world's school, ``slots`` 30-minute slots
    for world.teacher from 15:00, and world.student's conference (advisor world.teacher)."""
    window = ConferenceWindow.objects.filter(school=world.school, name=WINDOW).first()
    if window is None:
        day = world.school.today() + dt.timedelta(days=days_ahead)
        now = timezone.now()
        window = svc.window_create(
            actor=world.admin,
            school=world.school,
            term=term_for(world),
            name=WINDOW,
            starts_on=day,
            ends_on=day + dt.timedelta(days=1),
            mode=mode,
            booking_opens_at=now - dt.timedelta(days=1) if mode == "booking" else None,
            booking_closes_at=now + dt.timedelta(days=days_ahead) if mode == "booking" else None,
        )
        for i in range(slots):
            start = at(world, day, 15) + dt.timedelta(minutes=30 * i)
            svc.slot_create(
                actor=world.teacher,
                window=window,
                advisor=world.teacher,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
                room="Room 12",
                capacity=capacity,
            )
        svc.conferences_create_for_window(actor=world.admin, window=window)
    return Setup(
        window=window,
        slots=list(window.slots.filter(is_blocked=False).order_by("starts_at")),
        conference=Conference.objects.get(window=window, student=world.student),
    )


def scheduled(world: World) -> Setup:
    """world.student's conference in the first slot."""
    setup = conference_setup(world)
    if setup.conference.slot_id is None:
        svc.conference_schedule(
            actor=world.teacher, conference=setup.conference, slot=setup.slots[0]
        )
        setup.conference.refresh_from_db()
    return setup


def in_state(world: World, status: str) -> Conference:
    """world.student's conference moved through the real transitions to ``status``."""
    setup = scheduled(world)
    conference = setup.conference
    order = ["scheduled", "preparing", "submitted", "ready", "held"]
    section = conference.window.template.sections.order_by("order").first()
    while order.index(conference.status) < order.index(status):
        if conference.status == "scheduled":
            svc.agenda_item_save(
                actor=world.student,
                conference=conference,
                section=section,
                response="Hello everyone, thank you for coming.",
            )
        elif conference.status == "preparing":
            svc.conference_submit(actor=world.student, conference=conference)
        elif conference.status == "submitted":
            svc.conference_approve(actor=world.teacher, conference=conference)
        elif conference.status == "ready":
            svc.conference_hold(
                actor=world.teacher,
                conference=conference,
                now=conference.slot.ends_at,  # type: ignore[union-attr]
            )
        conference.refresh_from_db()
    return conference
