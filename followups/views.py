"""Follow-up pages: the teacher's queue of flags (acted on in place with HTMX), scanning a
section now, and the advisor's attendance page. Thin: parse a form, call a service or a
selector, render. Students and guardians never reach a flag: 403 on the pages, 404 on a flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.errors import DomainError, NotFound
from core.http import render_form
from profiles.access import AuthenticatedHttpRequest, role_required
from profiles.models import Enrollment, Role, Section, User
from profiles.permissions import can_teach_section, visible_sections_q

from . import services as svc
from .attendance import active_term, school_days
from .forms import AssignForm, FeedbackForm, FollowUpForm, ResolveForm, SnoozeForm
from .models import Attendance, Flag
from .selectors import (
    assignable_teachers,
    assignable_teachers_by_student,
    flag_get_for_teacher,
    flags_list_for_teacher,
)

DONE = {
    "acknowledge": "Acknowledged.",
    "assign": "Assigned.",
    "snooze": "Snoozed.",
    "resolve": "Resolved.",
    "follow-up": "Follow-up logged.",
    "feedback": "Thanks for the feedback.",
}


def _flag(request: AuthenticatedHttpRequest, pk: int) -> Flag:
    try:
        return flag_get_for_teacher(viewer=request.user, flag_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _card_context(flag: Flag, teachers: list[User] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "flag": flag,
        "teachers": teachers if teachers is not None else list(assignable_teachers(flag=flag)),
        "today": flag.school.today(),
        **extra,
    }


@role_required(Role.TEACHER)
@require_safe
def followup_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My open flags, most serious and oldest first, with the numbers in plain words."""
    # My flags (given to me: the advisor's by default); "all" adds every flag of my students.
    mine = request.GET.get("all") != "1"
    flags = list(flags_list_for_teacher(viewer=request.user, assigned_to_me=mine))
    snoozed = list(
        flags_list_for_teacher(viewer=request.user, statuses=["snoozed"], assigned_to_me=mine)
    )
    teachers = assignable_teachers_by_student(student_ids={f.student_id for f in flags + snoozed})
    cards = [{"flag": f, "teachers": teachers.get(f.student_id, [])} for f in flags]
    return render(
        request,
        "followups/queue.html",
        {
            "cards": cards,
            "snoozed": snoozed,
            "mine": mine,
            "today": request.user and _today(flags),
        },
    )


def _today(flags: list[Flag]) -> dt.date:
    return flags[0].school.today() if flags else dt.date.today()


def _act(request: AuthenticatedHttpRequest, flag: Flag, action: str) -> str | None:
    """Run ``action`` on ``flag`` from the POST; the error sentence, or None when done."""
    actor = request.user
    form: Any
    if action == "acknowledge":
        svc.flag_acknowledge(actor=actor, flag=flag)
        return None
    if action == "assign":
        form = AssignForm(request.POST, teachers=assignable_teachers(flag=flag))
        if form.is_valid():
            svc.flag_assign(actor=actor, flag=flag, assignee=form.cleaned_data["assignee"])
            return None
    elif action == "snooze":
        form = SnoozeForm(request.POST)
        if form.is_valid():
            svc.flag_snooze(actor=actor, flag=flag, until=form.cleaned_data["until"])
            return None
    elif action == "resolve":
        form = ResolveForm(request.POST)
        if form.is_valid():
            svc.flag_resolve(actor=actor, flag=flag, outcome=form.cleaned_data["outcome"])
            return None
    elif action == "follow-up":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            svc.followup_log(
                actor=actor,
                flag=flag,
                action=data["action"],
                note=data["note"],
                occurred_on=data["occurred_on"],
            )
            return None
    elif action == "feedback":
        form = FeedbackForm(request.POST)
        if form.is_valid():
            svc.flag_feedback(actor=actor, flag=flag, feedback=form.cleaned_data["feedback"])
            return None
    else:  # pragma: no cover - the URL pattern lists the actions
        raise Http404
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


@login_required
@require_POST
def flag_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on one flag. With HTMX the flag's card is swapped in place (a 400 with the
    sentence when refused); without, back to the queue or the student's page."""
    flag = _flag(request, pk)
    try:
        error = _act(request, flag, action)
    except DomainError as exc:
        error = exc.message
    flag = _flag(request, pk)
    if request.htmx:
        return render_form(
            request,
            "followups/_flag_card.html",
            _card_context(flag, error=error, done=None if error else DONE[action]),
            error=error,
        )
    if error:
        return render_form(
            request, "followups/flag_refused.html", _card_context(flag, error=error), error=error
        )
    messages.success(request, DONE[action])
    if request.POST.get("from") == "student":
        return redirect("student-detail", pk=flag.student_id)
    return redirect("followup-queue")


def _section_for_teacher(request: AuthenticatedHttpRequest, pk: int) -> Section:
    section = (
        Section.objects.filter(visible_sections_q(request.user), pk=pk)
        .select_related("school")
        .first()
    )
    if section is None:
        raise Http404("No such section.")
    if not can_teach_section(request.user, section):
        raise PermissionDenied("Only the section's teachers scan or take its attendance.")
    return section


@login_required
@require_POST
def section_scan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """ "Scan this section now": queued for the worker after commit; the queue shows the result."""
    section = _section_for_teacher(request, pk)
    try:
        from followups.tasks import section_scan as task
    except ImportError:
        messages.error(request, "Scanning a section is not available on this server yet.")
    else:
        from core.tasks import enqueue_after_commit

        enqueue_after_commit(task, section.pk)
        messages.success(
            request,
            f"Scanning {section.name} now: new flags appear in your follow-ups in a minute.",
        )
    return redirect("section-detail", pk=section.pk)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_take(request: AuthenticatedHttpRequest, section_id: int) -> HttpResponse:
    """The advisor's attendance for their advisory: today by default, one row per student."""
    section = _section_for_teacher(request, section_id)
    if section.kind != Section.Kind.ADVISORY:
        raise Http404("Attendance is taken for advisory groups.")
    school = section.school
    today = school.today()
    term = active_term(school, today)
    raw = request.POST.get("date") or request.GET.get("date") or ""
    error: str | None = None
    try:
        day = dt.date.fromisoformat(raw) if raw else today
    except ValueError:
        day, error = today, "Pick a day from the calendar."
    if term and not error and not (term.start_date <= day <= min(term.end_date, today)):
        day, error = today, "Pick a school day of this term, today or earlier."
    students = list(
        User.objects.filter(
            enrollments__section=section,
            enrollments__role=Enrollment.Role.STUDENT,
            enrollments__is_active=True,
        ).order_by("family_name", "given_name", "pk")
    )
    if request.method == "POST" and not error:
        marks = {s.pk: request.POST.get(f"status-{s.pk}", "") for s in students}
        marks = {k: v for k, v in marks.items() if v}
        try:
            saved = svc.attendance_take(actor=request.user, section=section, date=day, marks=marks)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(
                request, f"Attendance saved for {saved} student{'s' if saved != 1 else ''}."
            )
            return redirect(f"{reverse('attendance-take', args=[section.pk])}?date={day:%Y-%m-%d}")
    existing = dict(
        Attendance.objects.filter(student__in=students, date=day).values_list(
            "student_id", "status"
        )
    )
    valid_days = school_days(school, term.start_date, min(term.end_date, today)) if term else []
    rows = [
        {"student": s, "status": request.POST.get(f"status-{s.pk}") or existing.get(s.pk, "")}
        for s in students
    ]
    return render_form(
        request,
        "followups/attendance.html",
        {
            "section": section,
            "day": day,
            "term": term,
            "today": today,
            "rows": rows,
            "statuses": Attendance.Status.choices,
            "is_school_day": day in valid_days,
            "min_day": valid_days[0] if valid_days else None,
            "max_day": valid_days[-1] if valid_days else None,
            "error": error,
        },
        error=error,
    )
