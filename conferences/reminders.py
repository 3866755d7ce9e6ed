"""Conference emails: the invitation, a reminder the day before, and the summary afterwards, to
the student and their guardians. Idempotent: one email per conference and event, guaranteed by a
unique constraint, so a rerun of the scan (or a task delivered twice) sends nothing twice.
"The day before" is the day before in the school's time zone."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.links import absolute_url
from profiles.models import GuardianLink

from .models import Conference, ConferenceReminder

logger = logging.getLogger(__name__)
E = ConferenceReminder.Event
S = Conference.Status
OPEN = (S.SCHEDULED, S.PREPARING, S.SUBMITTED, S.READY)


def _recipients(conferences: list[Conference]) -> dict[int, list[str]]:
    """The student's and their active guardians' emails, per student, in one query."""
    students = {c.student_id for c in conferences}
    emails: dict[int, list[str]] = defaultdict(list)
    for c in conferences:
        if c.student.is_active and c.student.email:
            emails[c.student_id] = [c.student.email]
    for student_id, email in (
        GuardianLink.objects.filter(
            student_id__in=students, is_active=True, guardian__is_active=True
        )
        .order_by("student_id", "guardian__email")
        .values_list("student_id", "guardian__email")
    ):
        emails[student_id].append(email)
    return emails


def _message(conference: Conference, event: str) -> tuple[str, str]:
    name = conference.student.get_short_name()
    school = conference.window.school
    when = ""
    if conference.slot is not None:
        local = school.local(conference.slot.starts_at)
        room = f" in {conference.slot.room}" if conference.slot.room else ""
        when = f"{local:%A %B %-d at %-I:%M %p}{room}"
    if event == E.INVITATION:
        link = absolute_url("family-conferences")
        return (
            f"{name}'s conference: {when}",
            f"Hello,\n\n{name} will lead their conference with {conference.advisor.display_name} "
            f"on {when}. They will show their goals, their work and their next steps.\n\n"
            f"Please let us know if you can come, or ask for another time: {link}\n\n{school}",
        )
    if event == E.DAY_BEFORE:
        # The agenda is the family's to read once the advisor approved it (S.READY).
        if conference.status == S.READY:
            link = absolute_url("conference-agenda", args=[conference.pk])
            ahead = f"The agenda is ready to read ahead: {link}"
        else:
            ahead = f"The time and your reply are on LearnHub: {absolute_url('family-conferences')}"
        return (
            f"Tomorrow: {name}'s conference",
            f"Hello,\n\nA reminder: {name}'s conference is tomorrow, {when}.\n{ahead}\n\n{school}",
        )
    link = absolute_url("conference-summary", args=[conference.pk])
    return (
        f"{name}'s conference: the summary",
        f"Hello,\n\nThank you for coming to {name}'s conference. Here is what we talked about "
        f"and what everyone agreed to do:\n\n{conference.summary}\n\nThe summary and the "
        f"commitments are also on LearnHub: {link}\n\n{school}",
    )


def reminder_send(conference: Conference, event: str, recipients: list[str]) -> bool:
    """Record and send in one transaction: False when it was already sent (or nobody to send
    to); a failed send rolls the record back, so the next run tries again."""
    if not recipients:
        return False
    subject, body = _message(conference, event)
    try:
        with transaction.atomic():
            ConferenceReminder.objects.create(
                conference=conference, event=event, recipients=recipients
            )
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except IntegrityError:
        return False
    except OSError:
        logger.warning("could not send a conference %s email; it will be retried", event)
        return False
    return True


def _sent(event: str) -> Exists:
    return Exists(ConferenceReminder.objects.filter(conference=OuterRef("pk"), event=event))


def due_reminders(
    now: dt.datetime | None = None, conference_id: int | None = None
) -> list[tuple[Conference, str]]:
    """What should have been sent by ``now`` and wasn't: a fixed number of queries."""
    now = now or timezone.now()
    due: list[tuple[Conference, str]] = []
    base = Conference.objects.select_related("student", "advisor", "slot", "window__school")
    if conference_id is not None:
        base = base.filter(pk=conference_id)
    upcoming = base.filter(status__in=OPEN, slot__isnull=False, slot__ends_at__gt=now)
    for c in upcoming.filter(~_sent(E.INVITATION)).order_by("id"):
        due.append((c, E.INVITATION))
    soon = upcoming.filter(
        ~_sent(E.DAY_BEFORE),
        slot__starts_at__lte=now + dt.timedelta(hours=48),
    ).order_by("id")
    for c in soon:
        school = c.window.school
        tomorrow = school.today() + dt.timedelta(days=1)
        if c.slot and school.local(c.slot.starts_at).date() == tomorrow:
            due.append((c, E.DAY_BEFORE))
    for c in base.filter(~_sent(E.SUMMARY), status=S.HELD).exclude(summary="").order_by("id"):
        due.append((c, E.SUMMARY))
    return due


def reminders_send(now: dt.datetime | None = None) -> int:
    """The beat's scan: send every due conference email once; returns how many were sent."""
    due = due_reminders(now)
    emails = _recipients([c for c, _ in due])
    return sum(reminder_send(c, event, emails.get(c.student_id, [])) for c, event in due)


def reminder_send_for(conference_id: int, event: str, now: dt.datetime | None = None) -> bool:
    """Send one conference's email right away if it is due (after scheduling or a summary)."""
    for conference, due_event in due_reminders(now, conference_id):
        if conference.pk == conference_id and due_event == event:
            return reminder_send(
                conference, event, _recipients([conference]).get(conference.student_id, [])
            )
    return False
