"""Every read about goals a page or the API makes: scoped to the viewer, set-based."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from django.db.models import DateTimeField, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from profiles.models import User
from profiles.permissions import advised_student_ids

from .models import CheckIn, Goal, GoalCategory, GoalComment, GoalSettings
from .permissions import visible_goals_q
from .reminders import DEFAULT_NUDGE_DAYS

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def _latest(field: str) -> Subquery:
    return Subquery(
        CheckIn.objects.filter(goal=OuterRef("pk")).order_by("-created_at", "-id").values(field)[:1]
    )


def goal_categories_for(*, school_id: int) -> list[GoalCategory]:
    """The school's active categories (created with the school: reading never writes)."""
    return list(GoalCategory.objects.filter(school_id=school_id, is_active=True))


def goal_list_for_viewer(*, viewer: User | AnonymousUser) -> QuerySet[Goal]:
    """Goals the viewer may see, with their latest progress and confidence, in one query."""
    return (
        Goal.objects.filter(visible_goals_q(viewer))
        .select_related("student", "category", "suggested_by", "approved_by")
        .annotate(
            latest_progress=_latest("progress"),
            latest_confidence=_latest("confidence"),
            last_checkin_at=Max("checkins__created_at"),
        )
        .order_by("student__family_name", "student__given_name", "-created_at", "-id")
    )


def goal_get_for_viewer(*, viewer: User | AnonymousUser, goal_id: int) -> Goal | None:
    return (
        goal_list_for_viewer(viewer=viewer)
        .filter(pk=goal_id)
        .prefetch_related(
            "steps",
            "competencies",
            Prefetch(
                "comments",
                GoalComment.objects.select_related("author").order_by("created_at", "id"),
            ),
            Prefetch("checkins", CheckIn.objects.order_by("created_at", "id")),
        )
        .first()
    )


@dataclass
class StudentGoals:
    active: list[Goal]
    suggestions: list[Goal]
    drafts: list[Goal]
    closed: list[Goal]


def student_goals(*, viewer: User | AnonymousUser, student: User) -> StudentGoals:
    """The student's goals the viewer may see, newest first, sorted into the page's groups."""
    goals = list(
        goal_list_for_viewer(viewer=viewer)
        .filter(student=student)
        .prefetch_related(
            "steps",
            Prefetch(
                "comments",
                GoalComment.objects.select_related("author").order_by("created_at", "id"),
            ),
            Prefetch("checkins", CheckIn.objects.order_by("-created_at", "-id")),
        )
        .order_by("-created_at", "-id")
    )
    return StudentGoals(
        active=[g for g in goals if g.status == Goal.Status.ACTIVE],
        suggestions=[
            g for g in goals if g.status == Goal.Status.PROPOSED and g.origin == Goal.Origin.TEACHER
        ],
        drafts=[
            g
            for g in goals
            if g.status in (Goal.Status.DRAFT, Goal.Status.PROPOSED)
            and g.origin == Goal.Origin.STUDENT
        ],
        closed=[g for g in goals if g.is_closed],
    )


@dataclass
class AdvisoryGoals:
    waiting: list[Goal]
    stale: list[Goal]
    achieved: list[Goal]


def advisory_goals_for(*, viewer: User, now: dt.datetime | None = None) -> AdvisoryGoals:
    """An advisor's advisees' goals: waiting for their approval, with no recent check-in,
    achieved lately. Goals of students the teacher only teaches in a class are not theirs to
    approve, so they are not here (decision 0020). Three queries whatever the number of
    students."""
    now = now or timezone.now()
    mine = goal_list_for_viewer(viewer=viewer).filter(student_id__in=advised_student_ids(viewer))
    nudge_days = (
        GoalSettings.objects.filter(
            school__memberships__user=viewer, school__memberships__role="teacher"
        )
        .values_list("checkin_nudge_days", flat=True)
        .first()
        or DEFAULT_NUDGE_DAYS
    )
    stale_before = now - dt.timedelta(days=nudge_days)
    waiting = list(mine.filter(status=Goal.Status.PROPOSED, origin=Goal.Origin.STUDENT))
    stale: list[Goal] = list(
        mine.filter(status=Goal.Status.ACTIVE)
        .annotate(
            touched=Coalesce(
                Max("checkins__created_at"),
                "approved_at",
                "created_at",
                output_field=DateTimeField(),
            )
        )
        .filter(touched__lte=stale_before)
        .order_by("touched", "student__family_name", "student__given_name", "id")  # quietest first
    )
    achieved = list(
        mine.filter(status=Goal.Status.ACHIEVED, closed_at__gte=now - dt.timedelta(days=14))
    )
    return AdvisoryGoals(waiting, stale, achieved)


def goal_versions(*, goal: Goal, limit: int = 10) -> list[dict[str, object]]:
    """Earlier versions of a goal's wording, newest first, from its history table."""
    event_model = Goal.pgh_event_model  # type: ignore[attr-defined]
    events = list(
        event_model.objects.filter(pgh_obj_id=goal.pk)
        .select_related("pgh_context")
        .order_by("-pgh_id")[: limit * 4]
    )
    fields = ("title", "why", "success_criteria", "target_date")
    versions: list[dict[str, object]] = []
    for newer, older in pairwise(events):
        if any(getattr(newer, f) != getattr(older, f) for f in fields):
            versions.append(
                {
                    "replaced_at": newer.pgh_created_at,
                    "title": older.title,
                    "success_criteria": older.success_criteria,
                    "target_date": older.target_date,
                }
            )
        if len(versions) >= limit:
            break
    return versions
