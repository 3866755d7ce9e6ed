"""Mastery pages: the teacher's class grid and class scoring, the review queue, a student's
"My mastery" and the progress page families see. Thin: parse, call a service or selector, render."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.charts import growth_chart
from core.errors import DomainError, NotAllowed
from core.http import render_form
from profiles.access import AuthenticatedHttpRequest, role_required
from profiles.models import Role, Section, Term, User
from profiles.permissions import roles_of
from profiles.selectors import (
    school_of_student,
    section_get_for_teacher,
    student_get_for_viewer,
    student_list_for_viewer,
    term_current_for,
)

from .calculation import explain
from .forms import ClassScoresForm, EvidenceForm, ReviewForm, SubmitEvidenceForm
from .grid_html import grid_body_html, grid_head_html, grid_row_html, level_styles
from .models import Competency, Evidence
from .permissions import can_review_evidence, visible_evidence_q
from .selectors import (
    cell_evidence,
    cell_record,
    class_grid,
    evidence_waiting_for,
    levels_of,
    mastered_over_time,
    recent_evidence,
    scale_for,
    section_competencies,
    student_progress,
)
from .services import (
    REVIEW_REFUSAL,
    evidence_accept,
    evidence_record,
    evidence_record_for_class,
    evidence_return,
    evidence_submit,
)
from .statements import statement_text

# --- the class grid ----------------------------------------------------------------------------


def _grid_params(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    domain = request.GET.get("domain", "")
    return {
        "domain_id": int(domain) if domain.isascii() and domain.isdigit() else None,
        "sort": request.GET.get("sort", "name")[:16],
    }


@login_required
@require_safe
def section_grid(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    section = section_get_for_teacher(viewer=request.user, section_id=pk)
    grid = class_grid(viewer=request.user, section=section, **_grid_params(request))
    return render(
        request,
        "mastery/section_grid.html",
        {
            "grid": grid,
            "section": section,
            "grid_head": grid_head_html(grid),
            "grid_body": grid_body_html(grid),
            "level_styles": level_styles(grid),
        },
    )


def _csv_cell(cell: Any) -> str:
    if cell is None or cell.score is None:
        return ""
    return _csv_text(f"{cell.level.label} ({cell.score})") if cell.level else str(cell.score)


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"):
# names from a roster, statements from a CASE package and a scale's labels are not ours to trust.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str) -> str:
    """Text for a CSV cell, with a leading apostrophe when a spreadsheet would run it."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


@login_required
@require_safe
def section_grid_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The grid as shown (same filter and sort), for a spreadsheet."""
    section = section_get_for_teacher(viewer=request.user, section_id=pk)
    grid = class_grid(viewer=request.user, section=section, **_grid_params(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    # One line (a section's name may hold a newline, which a header refuses), quoted and, for
    # names beyond ASCII, also given as filename*.
    filename = " ".join(f"{section.name} mastery.csv".split())
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    writer = csv.writer(response)
    writer.writerow(
        ["Student", "Email", "Mastered", "Behind pace by"]
        + [_csv_text(f"{c.code} {statement_text(c.label)}".strip()) for c in grid.competencies]
    )
    for row in grid.rows:
        writer.writerow(
            [_csv_text(row.student.display_name), _csv_text(row.student.email), row.mastered]
            + [row.pacing.behind_by if row.pacing else ""]
            + [_csv_cell(cell) for cell in row.cells]
        )
    return response


def _cell_context(
    request: AuthenticatedHttpRequest,
    section: Section,
    student: User,
    competency: Competency,
    form: EvidenceForm | None = None,
) -> dict[str, Any]:
    levels = levels_of(scale=scale_for(framework=competency.framework))
    evidence = cell_evidence(viewer=request.user, student=student, competency=competency)
    # The record counts accepted scores, oldest first (the list is newest first).
    scores = [
        e.score
        for e in reversed(evidence)
        if e.status == Evidence.Status.ACCEPTED and e.score is not None
    ]
    return {
        "section": section,
        "student": student,
        "competency": competency,
        "record": cell_record(student=student, competency=competency),
        "evidence": evidence,
        "explanation": explain(competency.method, scores, levels, parameter=competency.parameter),
        "form": form or EvidenceForm(levels=levels),
    }


@login_required
@require_http_methods(["GET", "POST"])
def grid_cell(
    request: AuthenticatedHttpRequest, pk: int, student_pk: int, competency_pk: int
) -> HttpResponse:
    """A cell's evidence history, and a form to add evidence in place (HTMX)."""
    section = section_get_for_teacher(viewer=request.user, section_id=pk)
    student = (
        student_list_for_viewer(viewer=request.user, section=section).filter(pk=student_pk).first()
    )
    competency = section_competencies(section=section).filter(pk=competency_pk).first()
    if student is None or competency is None:
        raise Http404("Not in this class.")
    form = None
    if request.method == "POST":
        form = EvidenceForm(
            request.POST, levels=levels_of(scale=scale_for(framework=competency.framework))
        )
        if form.is_valid():
            try:
                evidence_record(
                    actor=request.user,
                    student=student,
                    competency=competency,
                    score=form.cleaned_data["score"],
                    observed_on=form.cleaned_data["observed_on"],
                    kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"],
                    section=section,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                form = None
    context = _cell_context(request, section, student, competency, form)
    context["updated"] = request.method == "POST" and form is None
    if context["updated"]:
        # The row (its cells, mastered count and pacing) is swapped in out of band.
        grid = class_grid(
            viewer=request.user, section=section, only_student=student, **_grid_params(request)
        )
        context["row_html"] = grid_row_html(grid.rows[0], grid, oob=True) if grid.rows else None
    template = "mastery/_cell_panel.html"
    if not request.htmx:
        template = "mastery/cell_page.html"
    return render_form(request, template, context, forms=[form])


@login_required
@require_http_methods(["GET", "POST"])
def section_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record one assessment for the whole class in one form and one transaction."""
    section = section_get_for_teacher(viewer=request.user, section_id=pk)
    competencies = list(section_competencies(section=section))
    students = list(student_list_for_viewer(viewer=request.user, section=section))
    form = ClassScoresForm(
        request.POST or None, competencies=competencies, initial=request.GET.dict() or None
    )
    selected = None
    if form.is_bound and form.is_valid():
        competency = form.cleaned_data["competency"]
        selected = competency
        scores = {s.pk: request.POST.get(f"score_{s.pk}", "") for s in students}
        try:
            created = evidence_record_for_class(
                actor=request.user,
                section=section,
                competency=competency,
                scores=scores,
                observed_on=form.cleaned_data["observed_on"],
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Recorded {len(created)} score{'s' if len(created) != 1 else ''} for "
                f"{competency.code or competency.label}.",
            )
            return redirect(reverse("section-grid", args=[section.pk]))
    else:
        cid = request.GET.get("competency", "")
        selected = next(
            (c for c in competencies if str(c.pk) == cid), competencies[0] if competencies else None
        )
    levels = levels_of(scale=scale_for(framework=selected.framework)) if selected else []
    return render_form(
        request,
        "mastery/section_record.html",
        {
            "section": section,
            "form": form,
            "rows": [(s, request.POST.get(f"score_{s.pk}", "")) for s in students],
            "levels": levels,
        },
        forms=[form],
    )


# --- review of student submissions -------------------------------------------------------------


@role_required(Role.TEACHER)
@require_safe
def evidence_review(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "mastery/evidence_review.html", _review_context(request))


def _review_context(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    waiting = list(evidence_waiting_for(viewer=request.user))
    levels_by_framework = {}
    for e in waiting:
        fw = e.competency.framework
        if fw.pk not in levels_by_framework:
            levels_by_framework[fw.pk] = levels_of(scale=scale_for(framework=fw))
        e.levels = levels_by_framework[fw.pk]  # type: ignore[attr-defined]
    return {"waiting": waiting}


@login_required
@require_POST
def evidence_review_decide(
    request: AuthenticatedHttpRequest, evidence_pk: int, decision: str
) -> HttpResponse:
    evidence = (
        Evidence.objects.filter(visible_evidence_q(request.user), pk=evidence_pk)
        .select_related("student", "competency__framework")
        .first()
    )
    if evidence is None:
        raise Http404("No such evidence.")
    if not can_review_evidence(request.user, evidence):
        raise PermissionDenied(REVIEW_REFUSAL)
    form = ReviewForm(request.POST)
    error = None
    if form.is_valid():
        try:
            if decision == "accept":
                if form.cleaned_data["score"] is None:
                    raise DomainError("Choose a level to accept this evidence.")
                evidence_accept(
                    actor=request.user,
                    evidence=evidence,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            else:
                evidence_return(
                    actor=request.user,
                    evidence=evidence,
                    comment=form.cleaned_data["comment"],
                )
        except NotAllowed:
            raise  # the services' refusal is a 403 (core.middleware.DomainErrorPagesMiddleware)
        except DomainError as exc:
            error = exc.message
    else:
        error = "Check the score and comment."
    evidence.refresh_from_db()
    evidence.levels = levels_of(scale=scale_for(framework=evidence.competency.framework))  # type: ignore[attr-defined]
    if request.htmx:
        return render_form(
            request, "mastery/_review_item.html", {"e": evidence, "error": error}, error=error
        )
    if error:
        messages.error(request, error)
        return render_form(
            request, "mastery/evidence_review.html", _review_context(request), error=error
        )
    return redirect("evidence-review")


# --- a student's progress ----------------------------------------------------------------------


def _term_bounds(student: User) -> tuple[Any, Any, Term | None]:
    school = school_of_student(student=student)
    today = school.today() if school else timezone.localdate()
    term = term_current_for(school=school, grading_period=True, today=today) if school else None
    if term is None:
        return today - dt.timedelta(days=120), today, None
    return term.start_date, min(today, term.end_date), term


def _progress_context(request: AuthenticatedHttpRequest, student: User) -> dict[str, Any]:
    progress = student_progress(viewer=request.user, student=student)
    start, end, term = _term_bounds(student)
    points = mastered_over_time(viewer=request.user, student=student, start=start, end=end)
    total = sum(len(p.items) for p in progress)
    chart = (
        growth_chart(
            points,
            title=f"Learning targets mastered, {term.title if term else 'recently'}",
            total=total,
        )
        if total
        else None
    )
    return {
        "student": student,
        "progress": progress,
        "chart": chart,
        "term": term,
        "recent": recent_evidence(viewer=request.user, student=student),
        "is_self": request.user.pk == student.pk,
        "total": total,
        "mastered_total": sum(p.mastered for p in progress),
    }


@role_required(Role.STUDENT)
@require_safe
def my_mastery(request: AuthenticatedHttpRequest) -> HttpResponse:
    student: User = request.user
    context = _progress_context(request, student)
    context["submissions"] = list(
        Evidence.objects.filter(student=student)
        .exclude(status=Evidence.Status.ACCEPTED)
        .select_related("competency")
        .order_by("-created_at")[:10]
    )
    return render(request, "mastery/my_mastery.html", context)


@login_required
@require_safe
def student_progress_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    student = student_get_for_viewer(viewer=request.user, student_id=pk)
    if student is None:
        raise Http404("No such student.")
    context = _progress_context(request, student)
    context["is_guardian"] = (
        Role.GUARDIAN in roles_of(request.user) and request.user.pk != student.pk
    )
    return render(request, "mastery/student_progress.html", context)


@role_required(Role.STUDENT)
@require_http_methods(["GET", "POST"])
def submit_evidence(request: AuthenticatedHttpRequest) -> HttpResponse:
    student: User = request.user
    competencies = [
        item.competency
        for fp in student_progress(viewer=student, student=student)
        for item in fp.items
        if item.status != "mastered"
    ]
    initial = (
        {"competency": request.GET.get("competency")} if request.GET.get("competency") else None
    )
    form = SubmitEvidenceForm(request.POST or None, competencies=competencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            evidence_submit(
                actor=student,
                competency=form.cleaned_data["competency"],
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
                link=form.cleaned_data["link"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Sent to your teacher. You'll see their answer here.")
            return redirect("my-mastery")
    return render_form(request, "mastery/submit_evidence.html", {"form": form}, forms=[form])
