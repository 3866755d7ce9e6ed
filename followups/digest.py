"""The daily new-flags digest: each teacher with flags opened (and given to them) since their
last digest gets one email, at most once a day, and only when there are any. Idempotent like
the goal reminders: the ``DigestSent`` row (unique per teacher and day) and the email are one
transaction, so a rerun or a task delivered twice sends nothing twice, and a failed send is
tried again next run."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from core.links import absolute_url
from profiles.zones import time_zones_for

from .describe import describe
from .models import ACTIVE_STATUSES, DigestSent, Flag

logger = logging.getLogger(__name__)
FIRST_DIGEST_LOOKBACK = dt.timedelta(days=1)


def new_flags_by_teacher(now: dt.datetime | None = None) -> dict[int, list[Flag]]:
    """Active flags assigned to a teacher and opened after that teacher's last digest (within
    the last day for a teacher who never had one). One query whatever the number of teachers."""
    now = now or timezone.now()
    last_sent = Subquery(
        DigestSent.objects.filter(user_id=OuterRef("assigned_to_id"))
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )
    flags = (
        Flag.objects.filter(
            status__in=ACTIVE_STATUSES,
            assigned_to__isnull=False,
            assigned_to__is_active=True,
            created_at__lte=now,
        )
        .annotate(last_digest_at=last_sent)
        .filter(
            Q(last_digest_at__isnull=True, created_at__gt=now - FIRST_DIGEST_LOOKBACK)
            | Q(created_at__gt=F("last_digest_at"))
        )
        .select_related("student", "assigned_to")
        .order_by("assigned_to_id", "severity", "first_detected_on", "pk")  # high < medium
    )
    found: dict[int, list[Flag]] = defaultdict(list)
    for flag in flags:
        found[flag.assigned_to_id].append(flag)  # type: ignore[index]
    return dict(found)


def _body(teacher_name: str, flags: list[Flag]) -> str:
    lines = [
        f"  • {flag.student.display_name} — {flag.get_rule_display()}: "
        f"{describe(flag.rule, flag.measured, flag.threshold)}"
        for flag in flags
    ]
    count = len(flags)
    return (
        f"Hi {teacher_name},\n\n"
        f"{count} new flag{'s' if count != 1 else ''} for your students:\n"
        + "\n".join(lines)
        + f"\n\nYour follow-ups: {absolute_url('followup-queue')}\n\nLearnHub"
    )


def flag_digests_send(now: dt.datetime | None = None) -> int:
    """Send each teacher their digest of new flags; returns how many emails went out."""
    now = now or timezone.now()
    sent = 0
    due = new_flags_by_teacher(now)
    zones = time_zones_for(user_ids=list(due))
    for teacher_id, flags in due.items():
        teacher = flags[0].assigned_to
        assert teacher is not None
        count = len(flags)
        zone = zones.get(teacher_id) or timezone.get_default_timezone()
        # "At most once a day" is the teacher's school day; the email reads in that zone too.
        today = timezone.localdate(now, timezone=zone)
        try:
            with transaction.atomic(), timezone.override(zone):
                DigestSent.objects.create(user_id=teacher_id, date=today, flag_count=count)
                send_mail(
                    f"{count} new follow-up flag{'s' if count != 1 else ''}",
                    _body(teacher.get_short_name(), flags),
                    settings.DEFAULT_FROM_EMAIL,
                    [teacher.email],
                )
        except IntegrityError:
            continue  # already sent today
        except OSError:
            logger.warning("could not send a flag digest; it will be retried")
            continue
        sent += 1
    return sent


@shared_task(name="followups.flag_digests", acks_late=True, ignore_result=True)
def flag_digests_task() -> int:
    return flag_digests_send()
