"""Every write about goals. Transitions are explicit; an invalid one is refused with a reason.

draft ──propose──▶ proposed ──approve──▶ active ──close──▶ achieved | not met | set aside
  ▲                   │ (student's)            │
  └──────return───────┘                        └─revise (earlier version kept in history)
teacher suggests ──▶ proposed (teacher's) ──accept──▶ active
                                       └──decline──▶ set aside
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import hooks
from core.dates import plausible_date
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.services import service
from mastery.models import Competency, MasteryRecord
from profiles.models import School, User
from profiles.selectors import school_of_student, term_current_for

from .models import ActionStep, CheckIn, Goal, GoalCategory, GoalComment
from .permissions import (
    can_close_goal,
    can_comment_on_goal,
    can_edit_goal,
    can_review_goal,
    can_suggest_goal,
    is_guardian_of,
)

S = Goal.Status
EDITABLE_FIELDS = (
    "title",
    "why",
    "category",
    "horizon",
    "success_criteria",
    "target_date",
)
DEFAULT_CATEGORIES = ("Literacy", "Numeracy", "Social-emotional", "Personal")


def goal_categories_default_create(*, school: School) -> None:
    """A new school starts with the usual four categories (``LEARNHUB_SCHOOL_SETUP``); a school
    that already has categories, even retired ones, keeps its own list."""
    if GoalCategory.objects.filter(school=school).exists():
        return
    GoalCategory.objects.bulk_create(
        [
            GoalCategory(school=school, name=name, order=i)
            for i, name in enumerate(DEFAULT_CATEGORIES)
        ],
        ignore_conflicts=True,
    )


def _student_school(student: User) -> School:
    school = school_of_student(student=student)
    if school is None:
        raise ValidationFailed("Only students have goals.")
    return school


def _clean(changes: Mapping[str, Any], school_id: int) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise ValidationFailed(f"Unknown goal field: {name}.")
        if name == "category":
            if value is not None and getattr(value, "school_id", None) != school_id:
                raise ValidationFailed("Pick one of your school's categories.", field="category")
            cleaned[name] = value
        elif name == "horizon":
            if value not in Goal.Horizon.values:
                raise ValidationFailed("Choose this term, this year or longer.", field="horizon")
            cleaned[name] = value
        elif name == "target_date":
            if value is not None and not isinstance(value, dt.date):
                raise ValidationFailed("Give the target as a date.", field="target_date")
            if value is not None:
                plausible_date(value, field="target_date", today=timezone.localdate())
            cleaned[name] = value
        else:
            text = str(value or "").strip()
            limit = 200 if name == "title" else 4000
            if len(text) > limit:
                raise ValidationFailed(f"Keep this under {limit} characters.", field=name)
            cleaned[name] = text
    if "title" in cleaned and not cleaned["title"]:
        raise ValidationFailed("Give your goal a title.", field="title")
    return cleaned


def _transition(goal: Goal, allowed_from: Iterable[str], action: str) -> None:
    if goal.status not in allowed_from:
        raise ValidationFailed(
            f"A goal that is {goal.get_status_display().lower()} can't be {action}.",
            code="invalid_transition",
            field="status",
        )


def _lock(goal: Goal) -> Goal:
    return Goal.objects.select_for_update().get(pk=goal.pk)


def _save(goal: Goal, actor: User, fields: list[str]) -> None:
    goal.version = F("version") + 1
    goal.updated_by = actor
    goal.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    goal.refresh_from_db()
    hooks.student_changed(goal.student_id)  # every update and transition goes through here


def _competencies(student: User, competencies: Iterable[Competency]) -> list[Competency]:
    chosen = list(competencies)
    school_id = _student_school(student).pk
    if any(c.framework.school_id != school_id for c in chosen):
        raise ValidationFailed("Link competencies of your school.", field="competencies")
    return chosen


@service
def goal_create(
    *,
    actor: User,
    student: User,
    title: str,
    why: str = "",
    category: GoalCategory | None = None,
    horizon: str = Goal.Horizon.TERM,
    success_criteria: str = "",
    target_date: dt.date | None = None,
    competencies: Iterable[Competency] = (),
    steps: Iterable[tuple[str, dt.date | None]] = (),
    propose: bool = False,
) -> Goal:
    """A student writes a goal (a draft, or proposed straight away); a teacher of the student
    suggests one, which the student then accepts or declines."""
    school = _student_school(student)
    fields = _clean(
        {
            "title": title,
            "why": why,
            "category": category,
            "horizon": horizon,
            "success_criteria": success_criteria,
            "target_date": target_date,
        },
        school.pk,
    )
    if actor.pk == student.pk:
        status, origin, suggested_by = (S.PROPOSED if propose else S.DRAFT), "student", None
    elif can_suggest_goal(actor, student.pk):
        status, origin, suggested_by = S.PROPOSED, "teacher", actor
    else:
        raise NotAllowed("Students set their own goals; their teachers may suggest one.")
    term = term_current_for(school=school, grading_period=True)
    goal = Goal.objects.create(
        student=student,
        status=status,
        origin=origin,
        suggested_by=suggested_by,
        term=term,
        updated_by=actor,
        **fields,
    )
    goal.competencies.set(_competencies(student, competencies))
    hooks.student_changed(student.pk)
    ActionStep.objects.bulk_create(
        [
            ActionStep(goal=goal, title=t, due_date=d, order=i)
            for i, (t, d) in enumerate(_step(t, d) for t, d in steps)
            if t
        ]
    )
    return goal


@service
def goal_update(
    *,
    actor: User,
    goal: Goal,
    expected_version: int,
    changes: Mapping[str, Any],
    competencies: Iterable[Competency] | None = None,
) -> Goal:
    """Revise an open goal. Someone else's save since ``expected_version`` is a conflict; an
    active goal's earlier version stays in its history."""
    locked = _lock(goal)
    if locked.is_closed and can_close_goal(actor, locked):
        _transition(locked, [S.DRAFT, S.PROPOSED, S.ACTIVE], "revised")
    if not can_edit_goal(actor, locked):
        raise NotAllowed("Only the student and their teachers can change an open goal.")
    if locked.version != expected_version:
        by = locked.updated_by.display_name if locked.updated_by else "someone else"
        raise Conflict(
            f"{by} changed this goal while you were editing, so nothing was overwritten. "
            "Their version is shown; make your change again."
        )
    cleaned = _clean(changes, _student_school(locked.student).pk)
    for name, value in cleaned.items():
        setattr(locked, name, value)
    _save(locked, actor, list(cleaned))
    if competencies is not None:
        locked.competencies.set(_competencies(locked.student, competencies))
    return locked


@service
def goal_propose(*, actor: User, goal: Goal) -> Goal:
    goal = _lock(goal)
    if actor.pk != goal.student_id:
        raise NotAllowed("Only the student proposes their goal.")
    _transition(goal, [S.DRAFT], "proposed")
    goal.status = S.PROPOSED
    goal.return_comment = ""
    _save(goal, actor, ["status", "return_comment"])
    return goal


@service
def goal_approve(*, actor: User, goal: Goal, comment: str = "") -> Goal:
    goal = _lock(goal)
    if not can_review_goal(actor, goal):
        raise NotAllowed(
            "Only the student's advisor (or a school admin) approves their goals; "
            "their other teachers comment or suggest."
        )
    if goal.origin != Goal.Origin.STUDENT:
        raise ValidationFailed(
            "This is a teacher's suggestion: the student accepts or declines it.",
            code="invalid_transition",
            field="status",
        )
    _transition(goal, [S.PROPOSED], "approved")
    goal.status = S.ACTIVE
    goal.approved_by = actor
    goal.approved_at = timezone.now()
    _save(goal, actor, ["status", "approved_by", "approved_at"])
    if comment.strip():
        GoalComment.objects.create(
            goal=goal, author=actor, kind=GoalComment.Kind.APPROVED, body=comment.strip()
        )
    return goal


@service
def goal_return(*, actor: User, goal: Goal, comment: str) -> Goal:
    goal = _lock(goal)
    if not can_review_goal(actor, goal):
        raise NotAllowed(
            "Only the student's advisor (or a school admin) returns their goals; "
            "their other teachers comment or suggest."
        )
    if not comment.strip():
        raise ValidationFailed("Say what to change before returning it.", field="comment")
    if goal.origin != Goal.Origin.STUDENT:
        raise ValidationFailed(
            "A teacher's suggestion can't be returned.", code="invalid_transition", field="status"
        )
    _transition(goal, [S.PROPOSED], "returned")
    goal.status = S.DRAFT
    goal.return_comment = comment.strip()
    _save(goal, actor, ["status", "return_comment"])
    GoalComment.objects.create(
        goal=goal, author=actor, kind=GoalComment.Kind.RETURNED, body=comment.strip()
    )
    return goal


@service
def goal_accept_suggestion(*, actor: User, goal: Goal) -> Goal:
    goal = _lock(goal)
    if actor.pk != goal.student_id:
        raise NotAllowed("Only the student accepts a suggested goal.")
    if goal.origin != Goal.Origin.TEACHER:
        raise ValidationFailed(
            "Only a teacher's suggestion is accepted this way.",
            code="invalid_transition",
            field="status",
        )
    _transition(goal, [S.PROPOSED], "accepted")
    goal.status = S.ACTIVE
    goal.approved_by = goal.suggested_by
    goal.approved_at = timezone.now()
    _save(goal, actor, ["status", "approved_by", "approved_at"])
    return goal


@service
def goal_decline_suggestion(*, actor: User, goal: Goal, reason: str = "") -> Goal:
    goal = _lock(goal)
    if actor.pk != goal.student_id:
        raise NotAllowed("Only the student declines a suggested goal.")
    if goal.origin != Goal.Origin.TEACHER:
        raise ValidationFailed(
            "Only a teacher's suggestion is declined.", code="invalid_transition", field="status"
        )
    _transition(goal, [S.PROPOSED], "declined")
    goal.status = S.ABANDONED
    goal.closed_at = timezone.now()
    goal.reflection = reason.strip()
    _save(goal, actor, ["status", "closed_at", "reflection"])
    return goal


CLOSING: dict[str, str] = {
    S.ACHIEVED.value: "achieved",
    S.NOT_MET.value: "not met",
    S.ABANDONED.value: "set aside",
}


@service
def goal_close(*, actor: User, goal: Goal, outcome: str, reflection: str) -> Goal:
    """Close an active goal as achieved, not met or set aside, with the student's reflection."""
    goal = _lock(goal)
    if not can_close_goal(actor, goal):
        raise NotAllowed("Only the student and their teachers close a goal.")
    if outcome not in CLOSING:
        raise ValidationFailed("Choose achieved, not met or set aside.", field="outcome")
    if not reflection.strip():
        raise ValidationFailed(
            "Write a short reflection: what you learned along the way.", field="reflection"
        )
    _transition(goal, [S.ACTIVE], f"closed as {CLOSING[outcome]}")
    goal.status = outcome
    goal.reflection = reflection.strip()
    goal.closed_at = timezone.now()
    _save(goal, actor, ["status", "reflection", "closed_at"])
    return goal


def progress_from_competencies(goal: Goal) -> int | None:
    """Percent of the way to mastery across the goal's linked competencies, or None."""
    competencies = list(goal.competencies.select_related("framework__scale", "framework__school"))
    if not competencies:
        return None
    from mastery.selectors import levels_of, scale_for

    records = {
        r.competency_id: r
        for r in MasteryRecord.objects.filter(
            student_id=goal.student_id, competency__in=competencies
        )
    }
    total = Decimal(0)
    for competency in competencies:
        record = records.get(competency.pk)
        if record is None or record.score is None:
            continue
        if record.mastered:
            total += 1
            continue
        levels = levels_of(scale=scale_for(framework=competency.framework))
        target = next((lv.points for lv in levels if lv.is_mastery), None)
        if target:
            total += min(Decimal(1), record.score / target)
    return int((total / len(competencies) * 100).to_integral_value())


@service
def checkin_record(
    *,
    actor: User,
    goal: Goal,
    confidence: int,
    progress: int | None = None,
    what_helped: str = "",
    what_got_in_the_way: str = "",
    next_step: str = "",
) -> CheckIn:
    """The student checks in on an active goal. With linked competencies and no progress given,
    progress comes from their mastery."""
    goal = _lock(goal)
    if actor.pk != goal.student_id:
        raise NotAllowed("Only the student checks in on their goal.")
    _transition(goal, [S.ACTIVE], "checked in on")
    if not 1 <= int(confidence) <= 5:
        raise ValidationFailed("Confidence is from 1 to 5.", field="confidence")
    derived = False
    if progress is None:
        progress = progress_from_competencies(goal)
        derived = progress is not None
    if progress is None:
        raise ValidationFailed("How far along are you? Give a percent.", field="progress")
    if not 0 <= int(progress) <= 100:
        raise ValidationFailed("Progress is a percent from 0 to 100.", field="progress")
    hooks.student_changed(goal.student_id)  # after commit; nothing happens on a rollback
    return CheckIn.objects.create(
        goal=goal,
        author=actor,
        progress=int(progress),
        progress_derived=derived,
        confidence=int(confidence),
        what_helped=what_helped.strip(),
        what_got_in_the_way=what_got_in_the_way.strip(),
        next_step=next_step.strip(),
    )


@service
def goal_comment_add(*, actor: User, goal: Goal, body: str) -> GoalComment:
    if not can_comment_on_goal(actor, goal):
        raise NotAllowed("Only the student, their teachers and their family comment here.")
    if (
        goal.status == S.DRAFT
        and goal.origin == Goal.Origin.STUDENT
        and actor.pk != goal.student_id
    ):
        raise NotAllowed("This goal is still a draft.")
    text = body.strip()
    if not text:
        raise ValidationFailed("Write something first.", field="body")
    if len(text) > 2000:
        raise ValidationFailed("Keep comments under 2000 characters.", field="body")
    kind = (
        GoalComment.Kind.ENCOURAGEMENT
        if is_guardian_of(actor, goal.student_id) and actor.pk != goal.student_id
        else GoalComment.Kind.COMMENT
    )
    return GoalComment.objects.create(goal=goal, author=actor, kind=kind, body=text)


@transaction.atomic
def action_step_set_done(*, actor: User, step: ActionStep, done: bool) -> ActionStep:
    if not can_edit_goal(actor, step.goal):
        raise NotAllowed("Only the student and their teachers update the steps.")
    step.done = done
    step.done_at = timezone.now() if done else None
    step.save(update_fields=["done", "done_at"])
    return step


@transaction.atomic
def action_step_add(
    *, actor: User, goal: Goal, title: str, due_date: dt.date | None = None
) -> ActionStep:
    if not can_edit_goal(actor, goal):
        raise NotAllowed("Only the student and their teachers add steps.")
    title, due_date = _step(title, due_date)
    if not title:
        raise ValidationFailed("Name the step.", field="title")
    order = goal.steps.count()
    return ActionStep.objects.create(goal=goal, title=title, due_date=due_date, order=order)


def _step(title: str, due_date: dt.date | None) -> tuple[str, dt.date | None]:
    text = str(title or "").strip()
    if len(text) > 200:
        raise ValidationFailed("Keep a step under 200 characters.", field="title")
    if due_date is not None:
        plausible_date(due_date, field="due_date", today=timezone.localdate())
    return text, due_date
