"""Goal pages: a student's "My goals" and goal-setting tool, a goal's page (check-ins,
comments, transitions), the teacher's "Advisory goals", and a student's goals for staff and
families. Thin: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.errors import DomainError
from core.http import render_form
from mastery.selectors import student_progress
from profiles.access import AuthenticatedHttpRequest, role_required
from profiles.models import Role, School, User
from profiles.permissions import roles_of
from profiles.selectors import school_of_student, student_get_for_viewer, term_current_for

from .charts import checkin_chart
from .forms import CheckInForm, CommentForm, GoalForm, SuggestGoalForm, TransitionForm
from .models import ActionStep, Goal, GoalTemplate
from .permissions import (
    can_close_goal,
    can_comment_on_goal,
    can_edit_goal,
    can_review_goal,
    can_suggest_goal,
)
from .quality import goal_hints
from .selectors import (
    advisory_goals_for,
    goal_categories_for,
    goal_get_for_viewer,
    goal_versions,
    student_goals,
)
from .services import (
    action_step_set_done,
    checkin_record,
    goal_accept_suggestion,
    goal_approve,
    goal_close,
    goal_comment_add,
    goal_create,
    goal_decline_suggestion,
    goal_propose,
    goal_return,
    goal_update,
)


def _school(student: User) -> School:
    school = school_of_student(student=student)
    if school is None:
        raise Http404("Only students have goals.")
    return school


def _school_tz(student: User) -> dt.tzinfo:
    """The student's school's time zone: check-ins are dated where the school is."""
    school = school_of_student(student=student)
    return school.tzinfo if school else timezone.get_current_timezone()


def _goal_or_404(request: AuthenticatedHttpRequest, pk: int) -> Goal:
    goal = goal_get_for_viewer(viewer=request.user, goal_id=pk)
    if goal is None:
        raise Http404("No such goal.")
    return goal


# --- student ----------------------------------------------------------------------------------


@role_required(Role.STUDENT)
@require_safe
def my_goals(request: AuthenticatedHttpRequest) -> HttpResponse:
    student: User = request.user
    return render(
        request,
        "goals/my_goals.html",
        {"goals": student_goals(viewer=student, student=student), "checkin_form": CheckInForm()},
    )


def _complete(data: dict[str, Any]) -> bool:
    """A goal the hints may praise: it has a title, success criteria and a date."""
    return all(data.get(k) for k in ("title", "success_criteria", "target_date"))


def _hints_for(data: dict[str, Any], school: School) -> list[Any]:
    term = term_current_for(school=school, grading_period=True)
    return goal_hints(
        title=data.get("title") or "",
        success_criteria=data.get("success_criteria") or "",
        target_date=data.get("target_date"),
        term_start=term.start_date if term else None,
        term_end=term.end_date if term else None,
        horizon=data.get("horizon") or "term",
        today=timezone.localdate(),
    )


def _goal_fields(data: dict[str, Any]) -> dict[str, Any]:
    """What the goal form (a student's goal or a teacher's suggestion) gives goal_create."""
    return {
        "title": data["title"],
        "why": data["why"],
        "category": data["category"],
        "horizon": data["horizon"],
        "success_criteria": data["success_criteria"],
        "target_date": data["target_date"],
        "competencies": data["competencies"],
        "steps": [(data[f"step_{i}"], None) for i in (1, 2, 3)],
    }


def _goal_form(
    request: AuthenticatedHttpRequest, student: User, *, bound: bool = False, **kwargs: Any
) -> GoalForm:
    school = _school(student)
    competencies = [
        item.competency
        for fp in student_progress(viewer=student, student=student)
        for item in fp.items
        if item.status != "mastered"
    ]
    return GoalForm(
        request.POST if bound or request.POST else None,
        categories=goal_categories_for(school_id=school.pk),
        competencies=competencies,
        **kwargs,
    )


@role_required(Role.STUDENT)
@require_http_methods(["GET", "POST"])
def goal_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The goal-setting tool: pick a template, answer its prompts, see what's missing."""
    student: User = request.user
    school = _school(student)
    templates = list(GoalTemplate.objects.filter(school=school, is_active=True))
    template = next((t for t in templates if str(t.pk) == request.GET.get("template")), None)
    initial: dict[str, Any] = {"horizon": Goal.Horizon.TERM}
    if template and template.category_id:
        initial["category"] = template.category_id
    form = _goal_form(request, student, initial=initial)
    # Until the form holds a usable goal, the hints say what a goal still needs.
    hints: list[Any] = _hints_for({}, school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        hints = _hints_for(data, school)
        propose = "propose" in request.POST
        if propose and hints and "confirm" not in request.POST:
            form.add_error(None, "Before proposing, look at the hints below — or propose anyway.")
        else:
            try:
                goal = goal_create(
                    actor=student, student=student, propose=propose, **_goal_fields(data)
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    "Sent to your advisor for approval." if propose else "Saved as a draft.",
                )
                return redirect("goal-detail", pk=goal.pk)
    return render_form(
        request,
        "goals/goal_form.html",
        {
            "form": form,
            "templates": templates,
            "template": template,
            "hints": hints,
            "complete": request.method == "POST"
            and form.is_valid()
            and _complete(form.cleaned_data),
            "new": True,
        },
        forms=[form],
    )


@login_required
@require_POST
def goal_hints_fragment(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Live hints for the goal-setting tool (HTMX), from what is typed so far."""
    student: User = request.user
    if Role.STUDENT not in roles_of(student):
        raise Http404
    form = _goal_form(request, student, bound=True)
    form.is_valid()
    data = {
        k: form.cleaned_data.get(k) for k in ("title", "success_criteria", "target_date", "horizon")
    }
    # A field still being typed (required, empty) is a hint; anything else wrong is an error.
    errors = [
        f"{form.fields[name].label}: {message}"
        for name, messages_ in form.errors.items()
        if name in form.fields
        for message, code in zip(
            messages_, [e.code for e in form.errors.as_data()[name]], strict=True
        )
        if code != "required"
    ]
    return render(
        request,
        "goals/_hints.html",
        {
            "hints": _hints_for(data, _school(student)),
            "errors": errors,
            "complete": _complete(data),
        },
        status=400 if errors else 200,
    )


# --- a goal -----------------------------------------------------------------------------------


def _detail_context(request: AuthenticatedHttpRequest, goal: Goal) -> dict[str, Any]:
    viewer = request.user
    checkins = list(goal.checkins.all())
    return {
        "goal": goal,
        "student": goal.student,  # the child a family's page is about (base.html)
        "is_student": viewer.pk == goal.student_id,
        "can_edit": can_edit_goal(viewer, goal),
        "can_review": can_review_goal(viewer, goal),
        "can_close": can_close_goal(viewer, goal),
        "can_comment": can_comment_on_goal(viewer, goal),
        "checkins": list(reversed(checkins)),
        "chart": checkin_chart(checkins, tz=_school_tz(goal.student))
        if len(checkins) >= 2
        else None,
        "versions": goal_versions(goal=goal),
        "checkin_form": CheckInForm(),
        "comment_form": CommentForm(),
    }


def _detail_refused(
    request: AuthenticatedHttpRequest, goal: Goal, error: str, **forms: Any
) -> HttpResponse:
    """The goal's page again, with what was typed and why it could not be used (a 400)."""
    context = {**_detail_context(request, goal), **forms, "error": error}
    return render_form(request, "goals/goal_detail.html", context, error=error)


@login_required
@require_safe
def goal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = _goal_or_404(request, pk)
    return render(request, "goals/goal_detail.html", _detail_context(request, goal))


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = _goal_or_404(request, pk)
    if not can_edit_goal(request.user, goal):
        raise PermissionDenied("Only the student and their teachers revise an open goal.")
    student = goal.student
    initial = {
        "title": goal.title,
        "why": goal.why,
        "category": goal.category_id,
        "horizon": goal.horizon,
        "success_criteria": goal.success_criteria,
        "target_date": goal.target_date,
        "competencies": [c.pk for c in goal.competencies.all()],
        "version": goal.version,
    }
    form = _goal_form(request, student, initial=initial, with_steps=False)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            goal_update(
                actor=request.user,
                goal=goal,
                expected_version=data["version"] or 0,
                changes={
                    k: data[k]
                    for k in (
                        "title",
                        "why",
                        "category",
                        "horizon",
                        "success_criteria",
                        "target_date",
                    )
                },
                competencies=data["competencies"],
            )
        except DomainError as error:
            if error.code == "conflict":
                conflict = error.message
                goal.refresh_from_db()
                data_copy = request.POST.copy()
                data_copy["version"] = str(goal.version)
                form = _goal_form(request, student, initial=initial, with_steps=False)
                form.data = data_copy
            else:
                form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Goal updated. The earlier version is kept in its history.")
            return redirect("goal-detail", pk=goal.pk)
    shown = form.cleaned_data if form.is_bound and form.is_valid() else initial
    hints = _hints_for(shown, _school(student))
    return render_form(
        request,
        "goals/goal_form.html",
        {
            "form": form,
            "goal": goal,
            "hints": hints,
            "complete": _complete(shown),
            "conflict": conflict,
            "new": False,
        },
        forms=[form],
        conflict=bool(conflict),
    )


TRANSITIONS = {
    "propose": lambda actor, goal, form: goal_propose(actor=actor, goal=goal),
    "approve": lambda actor, goal, form: goal_approve(
        actor=actor, goal=goal, comment=form.cleaned_data["comment"]
    ),
    "return": lambda actor, goal, form: goal_return(
        actor=actor, goal=goal, comment=form.cleaned_data["comment"]
    ),
    "accept": lambda actor, goal, form: goal_accept_suggestion(actor=actor, goal=goal),
    "decline": lambda actor, goal, form: goal_decline_suggestion(
        actor=actor, goal=goal, reason=form.cleaned_data["comment"]
    ),
    "close": lambda actor, goal, form: goal_close(
        actor=actor,
        goal=goal,
        outcome=form.cleaned_data["outcome"],
        reflection=form.cleaned_data["comment"],
    ),
}
DONE = {
    "propose": "Sent to your advisor for approval.",
    "approve": "Approved: the goal is active.",
    "return": "Returned to the student with your comment.",
    "accept": "Accepted: the goal is active.",
    "decline": "Declined.",
    "close": "Goal closed. Your reflection is kept with it.",
}


@login_required
@require_POST
def goal_transition(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    goal = _goal_or_404(request, pk)
    is_student = request.user.pk == goal.student_id
    may = {
        "propose": is_student,
        "accept": is_student,
        "decline": is_student,
        "approve": can_review_goal(request.user, goal),
        "return": can_review_goal(request.user, goal),
        "close": can_close_goal(request.user, goal),
    }
    if not may[action]:
        raise PermissionDenied("This step belongs to the student, their advisor or their teachers.")
    form = TransitionForm(request.POST)
    error = None
    if not form.is_valid():
        error = " ".join(str(m) for messages_ in form.errors.values() for m in messages_)
    else:
        try:
            TRANSITIONS[action](request.user, goal, form)
        except DomainError as exc:
            error = exc.message
    if request.htmx and request.POST.get("from") == "advisory":
        goal = _goal_or_404(request, pk)
        return render_form(
            request,
            "goals/_advisory_item.html",
            {"goal": goal, "error": error, "done": DONE[action]},
            error=error,
        )
    if error:
        goal = _goal_or_404(request, pk)
        return _detail_refused(request, goal, error)
    messages.success(request, DONE[action])
    return redirect("goal-detail", pk=goal.pk)


@login_required
@require_POST
def goal_checkin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A check-in in two clicks: progress and confidence; the rest is optional."""
    goal = _goal_or_404(request, pk)
    if request.user.pk != goal.student_id:
        raise PermissionDenied("Only the student checks in on their goal.")
    form = CheckInForm(request.POST)
    error = None
    if form.is_valid():
        try:
            checkin_record(
                actor=request.user,
                goal=goal,
                progress=form.cleaned_data["progress"],
                confidence=form.cleaned_data["confidence"],
                what_helped=form.cleaned_data["what_helped"],
                what_got_in_the_way=form.cleaned_data["what_got_in_the_way"],
                next_step=form.cleaned_data["next_step"],
            )
        except DomainError as exc:
            error = exc.message
    else:
        # Each message names its field ("how far along", "how confident"), so it stands alone.
        error = " ".join(str(m) for messages_ in form.errors.values() for m in messages_)
    if request.htmx:
        goal = _goal_or_404(request, pk)
        return render_form(
            request,
            "goals/_goal_card.html",
            {
                "goal": goal,
                "checkin_form": form if error else CheckInForm(),
                "error": error,
                "checked_in": not error,
            },
            error=error,
        )
    if error:
        return _detail_refused(request, goal, error, checkin_form=form)
    messages.success(request, "Checked in.")
    return redirect("goal-detail", pk=goal.pk)


@login_required
@require_POST
def goal_comment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = _goal_or_404(request, pk)
    if not can_comment_on_goal(request.user, goal):
        raise PermissionDenied("Only the student, their teachers and their family comment here.")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail_refused(request, goal, "Check your comment.", comment_form=form)
    try:
        goal_comment_add(actor=request.user, goal=goal, body=form.cleaned_data["body"])
    except DomainError as exc:
        return _detail_refused(request, goal, exc.message, comment_form=form)
    messages.success(request, "Comment added.")
    return redirect("goal-detail", pk=goal.pk)


@login_required
@require_POST
def action_step_toggle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    step = ActionStep.objects.filter(pk=pk).select_related("goal").first()
    if step is None or goal_get_for_viewer(viewer=request.user, goal_id=step.goal_id) is None:
        raise Http404("No such step.")
    if not can_edit_goal(request.user, step.goal):
        raise PermissionDenied("Only the student and their teachers update the steps.")
    done = request.POST.get("done", "")
    if done not in ("0", "1"):
        return _detail_refused(request, step.goal, "Mark the step done (1) or not done (0).")
    try:
        action_step_set_done(actor=request.user, step=step, done=done == "1")
    except DomainError as exc:
        return _detail_refused(request, step.goal, exc.message)
    return redirect("goal-detail", pk=step.goal_id)


# --- teachers and families --------------------------------------------------------------------


@role_required(Role.TEACHER)
@require_safe
def advisory_goals(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "goals/advisory_goals.html",
        {"board": advisory_goals_for(viewer=request.user)},
    )


@login_required
@require_safe
def student_goals_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    student = student_get_for_viewer(viewer=request.user, student_id=pk)
    if student is None:
        raise Http404("No such student.")
    return render(
        request,
        "goals/student_goals.html",
        {
            "student": student,
            "goals": student_goals(viewer=request.user, student=student),
            "can_suggest": can_suggest_goal(request.user, student.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_suggest(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A teacher of the student (their advisor among them) suggests a goal; it waits for the
    student to accept or decline it."""
    student = student_get_for_viewer(viewer=request.user, student_id=pk)
    if student is None:
        raise Http404("No such student.")
    if not can_suggest_goal(request.user, student.pk):
        raise PermissionDenied("Only the student's teachers and school admins suggest goals.")
    competencies = [
        item.competency
        for fp in student_progress(viewer=request.user, student=student)
        for item in fp.items
        if item.status != "mastered"
    ]
    form = SuggestGoalForm(
        request.POST or None,
        categories=goal_categories_for(school_id=_school(student).pk),
        competencies=competencies,
        initial={"horizon": Goal.Horizon.TERM},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            goal = goal_create(actor=request.user, student=student, **_goal_fields(data))
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                f"Suggested to {student.get_short_name()}: they accept or decline it.",
            )
            return redirect("goal-detail", pk=goal.pk)
    return render_form(
        request, "goals/goal_suggest.html", {"form": form, "student": student}, forms=[form]
    )
