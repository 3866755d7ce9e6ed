"""Reminders: a nudge to students whose active goal has no recent check-in, and a weekly
summary for advisors. Idempotent: one reminder per person, kind and ISO week, guaranteed by a
unique constraint, so a rerun (or a task delivered twice) sends nothing twice."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Max, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from core.links import absolute_url
from profiles.models import Enrollment, Role, Section, User
from profiles.zones import time_zones_for

from .models import Goal, GoalSettings, ReminderSent

DEFAULT_NUDGE_DAYS = 7
logger = logging.getLogger(__name__)


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _send_once(
    kind: str, user_id: int, week: str, goal_count: int, send: Callable[[], object]
) -> bool:
    """Send and record the reminder in one transaction: False when one was already sent this
    week; a failed send rolls the record back, so the next run tries again."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                kind=kind, user_id=user_id, week=week, goal_count=goal_count
            )
            send()
    except IntegrityError:
        return False
    except OSError:
        logger.warning("could not send a %s reminder; it will be retried", kind)
        return False
    return True


def goals_needing_checkin(now: dt.datetime | None = None) -> dict[int, list[Goal]]:
    """Active goals whose last check-in (or approval) is older than the school's nudge days."""
    now = now or timezone.now()
    nudge_days = dict(GoalSettings.objects.values_list("school_id", "checkin_nudge_days"))
    goals = (
        Goal.objects.filter(status=Goal.Status.ACTIVE, student__is_active=True)
        .annotate(
            last_touch=Greatest(
                Coalesce(Max("checkins__created_at"), "approved_at", "created_at"),
                Coalesce("approved_at", "created_at"),
                output_field=DateTimeField(),
            ),
            school_id=Max(
                "student__memberships__school_id",
                filter=Q(student__memberships__role=Role.STUDENT),
            ),
        )
        .select_related("student")
        .order_by("student_id", "id")
    )
    due: dict[int, list[Goal]] = defaultdict(list)
    for goal in goals:
        days = nudge_days.get(goal.school_id, DEFAULT_NUDGE_DAYS)
        if goal.last_touch <= now - dt.timedelta(days=days):
            due[goal.student_id].append(goal)
    return due


def checkin_nudges_send(now: dt.datetime | None = None) -> int:
    """Nudge each student with stale active goals, once a week at most; returns emails sent."""
    now = now or timezone.now()
    sent = 0
    due = goals_needing_checkin(now)
    zones = time_zones_for(user_ids=list(due))
    for student_id, goals in due.items():
        student = goals[0].student
        # "Once a week" is the student's school week.
        week = iso_week(timezone.localdate(now, timezone=zones[student_id]))
        titles = "\n".join(f"  • {g.title}" for g in goals)
        if _send_once(
            ReminderSent.Kind.CHECKIN_NUDGE,
            student_id,
            week,
            len(goals),
            lambda student=student, titles=titles: send_mail(  # type: ignore[misc]
                "Time to check in on your goals",
                f"Hi {student.get_short_name()},\n\nIt's been a while since you checked in on:\n"
                f"{titles}\n\nA check-in takes two clicks: {absolute_url('my-goals')}\n\nLearnHub",
                settings.DEFAULT_FROM_EMAIL,
                [student.email],
            ),
        ):
            sent += 1
    return sent


@dataclass(frozen=True)
class AdvisorSummary:
    advisor: User
    waiting: int
    stale: int
    achieved: int
    active: int


def advisor_summaries(now: dt.datetime | None = None) -> list[AdvisorSummary]:
    """For every advisor: their advisees' goals waiting for approval, without a recent check-in,
    and achieved in the last week. A fixed number of queries."""
    now = now or timezone.now()
    stale_ids = {g.pk for goals in goals_needing_checkin(now).values() for g in goals}
    advisory = Enrollment.objects.filter(
        section__kind=Section.Kind.ADVISORY, section__is_active=True, is_active=True
    )
    advisees: dict[int, set[int]] = defaultdict(set)
    members = advisory.values_list("section_id", "user_id", "role")
    by_section: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for section_id, user_id, role in members:
        by_section[section_id][role].add(user_id)
    for roles in by_section.values():
        for teacher_id in roles[Enrollment.Role.TEACHER]:
            advisees[teacher_id] |= roles[Enrollment.Role.STUDENT]
    student_ids = set().union(*advisees.values()) if advisees else set()
    goals = list(
        Goal.objects.filter(student_id__in=student_ids)
        .exclude(status=Goal.Status.DRAFT, origin=Goal.Origin.STUDENT)
        .values_list("pk", "student_id", "status", "origin", "closed_at")
    )
    week_ago = now - dt.timedelta(days=7)
    advisors = {u.pk: u for u in User.objects.filter(pk__in=list(advisees), is_active=True)}
    result = []
    for advisor_id, kids in sorted(advisees.items()):
        mine = [g for g in goals if g[1] in kids]
        if advisor_id not in advisors or not mine:
            continue
        result.append(
            AdvisorSummary(
                advisor=advisors[advisor_id],
                waiting=sum(1 for g in mine if g[2] == "proposed" and g[3] == "student"),
                stale=sum(1 for g in mine if g[0] in stale_ids),
                achieved=sum(1 for g in mine if g[2] == "achieved" and g[4] and g[4] >= week_ago),
                active=sum(1 for g in mine if g[2] == "active"),
            )
        )
    return result


def advisor_summaries_send(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    summaries = advisor_summaries(now)
    zones = time_zones_for(user_ids=[s.advisor.pk for s in summaries])
    for summary in summaries:
        week = iso_week(timezone.localdate(now, timezone=zones[summary.advisor.pk]))
        if _send_once(
            ReminderSent.Kind.ADVISOR_SUMMARY,
            summary.advisor.pk,
            week,
            summary.active,
            lambda summary=summary, week=week: send_mail(  # type: ignore[misc]
                f"Your advisees' goals this week ({week})",
                f"Hi {summary.advisor.get_short_name()},\n\n"
                f"  • {summary.waiting} goal(s) waiting for your approval\n"
                f"  • {summary.stale} active goal(s) with no recent check-in\n"
                f"  • {summary.achieved} goal(s) achieved this week\n"
                f"  • {summary.active} active goal(s) in all\n\n"
                f"See them: {absolute_url('advisory-goals')}\n\nLearnHub",
                settings.DEFAULT_FROM_EMAIL,
                [summary.advisor.email],
            ),
        ):
            sent += 1
    return sent
