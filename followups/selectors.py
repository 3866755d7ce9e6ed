"""Every read about flags a page or the API makes: keyword-only, viewer first, scoped in the
query, a few set-based queries whatever the number of flags."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from core.errors import NotFound
from profiles.models import User

from .models import ACTIVE_STATUSES, Flag, FollowUp, Rule, Severity
from .permissions import student_teacher_ids_q, visible_flags_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Viewer = User | AnonymousUser

NEEDS_ATTENTION = ("open", "acknowledged")


def _severity_rank() -> Case:
    return Case(
        When(severity=Severity.HIGH, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def flag_list_for_viewer(*, viewer: Viewer) -> QuerySet[Flag]:
    """Every flag the viewer may see, any status (none for students and guardians)."""
    return Flag.objects.filter(visible_flags_q(viewer)).select_related(
        "student", "assigned_to", "school"
    )


def flags_list_for_teacher(
    *,
    viewer: Viewer,
    statuses: Collection[str] = NEEDS_ATTENTION,
    assigned_to_me: bool = False,
    rule: str | None = None,
    student_id: int | None = None,
) -> QuerySet[Flag]:
    """The queue: flags by severity (high first) then age (oldest first), with follow-ups."""
    flags = flag_list_for_viewer(viewer=viewer).filter(status__in=list(statuses))
    if assigned_to_me:
        flags = flags.filter(assigned_to_id=viewer.pk)
    if rule:
        flags = flags.filter(rule=rule)
    if student_id is not None:
        flags = flags.filter(student_id=student_id)
    return (
        flags.annotate(severity_rank=_severity_rank())
        .prefetch_related(
            Prefetch(
                "followups",
                FollowUp.objects.select_related("author").order_by("-occurred_on", "-created_at"),
            )
        )
        .order_by("severity_rank", "first_detected_on", "student__family_name", "pk")
    )


def flag_get_for_teacher(*, viewer: Viewer, flag_id: int) -> Flag:
    """The flag, if the viewer may see it; else the one not-found error (never a 403 that
    would tell a student or guardian that a flag exists)."""
    flag = (
        flag_list_for_viewer(viewer=viewer)
        .filter(pk=flag_id)
        .prefetch_related(
            Prefetch(
                "followups",
                FollowUp.objects.select_related("author").order_by("-occurred_on", "-created_at"),
            )
        )
        .first()
    )
    if flag is None:
        raise NotFound("No such flag, or not one you can see.")
    return flag


def open_flag_count(*, viewer: Viewer, assigned_to_me: bool = False) -> int:
    """Flags that need attention (open or acknowledged), or only those given to the viewer:
    one query."""
    # ``flag_list_for_viewer`` without its select_related, in one filter(): the count is on
    # every page a teacher sees (the navigation), and building the query is most of its cost.
    mine = {"assigned_to_id": viewer.pk} if assigned_to_me else {}
    return Flag.objects.filter(visible_flags_q(viewer), status__in=NEEDS_ATTENTION, **mine).count()


def flagged_student_ids(*, viewer: Viewer, student_ids: Collection[int]) -> set[int]:
    """Which of these students have an active flag the viewer may see: one query."""
    return set(
        Flag.objects.filter(
            visible_flags_q(viewer), student_id__in=list(student_ids), status__in=ACTIVE_STATUSES
        ).values_list("student_id", flat=True)
    )


def flag_history_for_student(*, viewer: Viewer, student: User) -> list[Flag]:
    """A student's flags (active first, then newest) with their follow-ups: two queries."""
    return list(
        flag_list_for_viewer(viewer=viewer)
        .filter(student=student)
        .annotate(
            active_rank=Case(
                When(status__in=ACTIVE_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .prefetch_related(
            Prefetch(
                "followups",
                FollowUp.objects.select_related("author").order_by("-occurred_on", "-created_at"),
            )
        )
        .order_by("active_rank", "-first_detected_on", "-pk")
    )


def assignable_teachers(*, flag: Flag) -> QuerySet[User]:
    """The teachers a flag may be given to: the student's teachers."""
    return User.objects.filter(student_teacher_ids_q(flag.student_id)).order_by(
        "family_name", "given_name", "pk"
    )


@dataclass(frozen=True)
class RuleFeedback:
    rule: str
    label: str
    flags: int
    useful: int
    not_useful: int
    incorrect: int

    @property
    def answered(self) -> int:
        return self.useful + self.not_useful + self.incorrect


def feedback_summary_per_rule(
    *, viewer: Viewer, school_id: int | None = None
) -> list[RuleFeedback]:
    """Per rule: how many flags, and what teachers said about them. One GROUP BY query."""
    flags = flag_list_for_viewer(viewer=viewer)
    if school_id is not None:
        flags = flags.filter(school_id=school_id)
    rows = {
        row["rule"]: row
        for row in flags.order_by()
        .values("rule")
        .annotate(
            flags=Count("pk"),
            useful=Count("pk", filter=Q(feedback=Flag.Feedback.USEFUL)),
            not_useful=Count("pk", filter=Q(feedback=Flag.Feedback.NOT_USEFUL)),
            incorrect=Count("pk", filter=Q(feedback=Flag.Feedback.INCORRECT)),
        )
    }
    return [
        RuleFeedback(
            rule=rule.value,
            label=str(rule.label),
            flags=rows.get(rule.value, {}).get("flags", 0),
            useful=rows.get(rule.value, {}).get("useful", 0),
            not_useful=rows.get(rule.value, {}).get("not_useful", 0),
            incorrect=rows.get(rule.value, {}).get("incorrect", 0),
        )
        for rule in Rule
    ]


def assignable_teachers_by_student(*, student_ids: Collection[int]) -> dict[int, list[User]]:
    """For each student, their active teachers (whom a flag may go to): one query."""
    from profiles.models import Enrollment

    rows = (
        Enrollment.objects.filter(
            role=Enrollment.Role.TEACHER,
            is_active=True,
            section__is_active=True,
            section__enrollments__user_id__in=list(student_ids),
            section__enrollments__role=Enrollment.Role.STUDENT,
            section__enrollments__is_active=True,
        )
        .annotate(student_id=F("section__enrollments__user_id"))
        .select_related("user")
        .order_by("user__family_name", "user__given_name", "user_id")
    )
    found: dict[int, dict[int, User]] = {}
    for row in rows:
        found.setdefault(row.student_id, {})[row.user_id] = row.user
    return {sid: list(teachers.values()) for sid, teachers in found.items()}
