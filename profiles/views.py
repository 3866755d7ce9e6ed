"""Pages: role homes, the student page and the profile editors. Thin: parse, call, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from core.errors import DomainError
from core.http import render_form

from .access import AuthenticatedHttpRequest, role_required
from .forms import (
    AboutMeForm,
    EmailAuthenticationForm,
    QueuedPasswordResetForm,
    SupportNotesForm,
)
from .models import STAFF_ONLY_FIELDS, STUDENT_VOICE_FIELDS, Role, User
from .permissions import (
    can_edit_staff_fields,
    can_edit_student_voice,
    can_view_staff_fields,
    roles_of,
)
from .selectors import (
    children_of,
    guardians_of,
    history_for_profile,
    learner_profile_of,
    section_get_for_teacher,
    section_teachers_prefetch,
    student_get_for_viewer,
    student_list_for_viewer,
    teacher_home_for,
)
from .services import learner_profile_update

ROLE_HOMES = (
    (Role.TEACHER, "teacher-home"),
    (Role.GUARDIAN, "family-home"),
    (Role.STUDENT, "student-home"),
)


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each person to their own home after login."""
    roles = roles_of(request.user)
    for role, url_name in ROLE_HOMES:
        if role in roles:
            return redirect(url_name)
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "profiles/no_role.html", status=403)


@role_required(Role.TEACHER)
@require_safe
def teacher_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    if search:
        students = list(student_list_for_viewer(viewer=request.user, search=search)[:60])
        context: dict[str, Any] = {"search": search, "students": students}
        if request.htmx:
            return render(request, "profiles/teacher_home.html#search-results", context)
        context["home"] = teacher_home_for(viewer=request.user)
        return render(request, "profiles/teacher_home.html", context)
    context = {"search": "", "home": teacher_home_for(viewer=request.user)}
    if request.htmx:
        return render(request, "profiles/teacher_home.html#search-results", context)
    return render(request, "profiles/teacher_home.html", context)


@login_required
@require_safe
def section_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    section = section_get_for_teacher(viewer=request.user, section_id=pk)
    prefetch_related_objects([section], "terms", section_teachers_prefetch())
    students = list(student_list_for_viewer(viewer=request.user, section=section))
    return render(
        request, "profiles/section_detail.html", {"section": section, "students": students}
    )


@login_required
@require_safe
def student_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    student = student_get_for_viewer(viewer=request.user, student_id=pk)
    if student is None:
        raise Http404("No such student.")
    profile = learner_profile_of(student=student)
    staff = can_view_staff_fields(request.user, student)
    context = {
        "student": student,
        "profile": profile,
        "show_staff_fields": staff,
        "can_edit_about": can_edit_student_voice(request.user, student),
        "is_self": request.user.pk == student.pk,
        "guardian_links": list(guardians_of(student=student)) if staff else [],
        "enrollments": student.student_enrollments,  # type: ignore[attr-defined]
        "history": history_for_profile(student=student) if staff else [],
    }
    return render(request, "profiles/student_detail.html", context)


@role_required(Role.STUDENT)
@require_safe
def student_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    student: User = request.user
    profile = learner_profile_of(student=student)
    return render(
        request,
        "profiles/student_home.html",
        {"student": student, "profile": profile},
    )


@role_required(Role.GUARDIAN)
@require_safe
def family_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    children = list(children_of(guardian=request.user))
    return render(request, "profiles/family_home.html", {"children": children})


def _edit_profile(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    form_class: type[AboutMeForm] | type[SupportNotesForm],
    fields: tuple[str, ...],
    allowed: Callable[[Any, User], bool],
    template: str,
) -> HttpResponse:
    student = student_get_for_viewer(viewer=request.user, student_id=pk)
    if student is None:
        raise Http404("No such student.")
    if not allowed(request.user, student):
        raise PermissionDenied("You cannot edit this part of the profile.")
    profile = learner_profile_of(student=student)
    conflict = None
    saved: list[tuple[Any, str]] = []
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                learner_profile_update(
                    actor=request.user,
                    student=student,
                    expected_version=form.cleaned_data["version"],
                    changes={f: form.cleaned_data[f] for f in fields},
                )
            except DomainError as error:
                if error.code == "conflict":
                    # Keep what this person typed; show what the other person saved.
                    conflict = error.message
                    profile.refresh_from_db()
                    saved = [(form.fields[f].label, getattr(profile, f)) for f in fields]
                    form = form_class(
                        initial={
                            **{f: form.cleaned_data[f] for f in fields},
                            "version": profile.version,
                        }
                    )
                else:
                    form.add_error(error.field if error.field in fields else None, error.message)
            else:
                from django.contrib import messages

                messages.success(request, "Saved.")
                if request.user.pk == student.pk:
                    return redirect("student-home")
                return redirect(reverse("student-detail", args=[student.pk]))
    else:
        form = form_class(
            initial={**{f: getattr(profile, f) for f in fields}, "version": profile.version}
        )
    return render_form(
        request,
        template,
        {
            "student": student,
            "form": form,
            "conflict": conflict,
            "saved": saved,
            "is_self": request.user.pk == student.pk,
        },
        forms=[form],
        conflict=bool(conflict),
    )


@login_required
@require_http_methods(["GET", "POST"])
def about_me_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _edit_profile(
        request,
        pk,
        form_class=AboutMeForm,
        fields=STUDENT_VOICE_FIELDS,
        allowed=can_edit_student_voice,
        template="profiles/about_me_edit.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def support_notes_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _edit_profile(
        request,
        pk,
        form_class=SupportNotesForm,
        fields=STAFF_ONLY_FIELDS,
        allowed=can_edit_staff_fields,
        template="profiles/support_notes_edit.html",
    )


class InvalidFormIs400:
    """Django's auth views re-render an invalid form with a 200; ours say 400."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)  # type: ignore[misc]
        response.status_code = 400
        return response


class LoginPage(InvalidFormIs400, auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class PasswordResetPage(InvalidFormIs400, auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm


class PasswordResetConfirmPage(InvalidFormIs400, auth_views.PasswordResetConfirmView):
    pass


class PasswordChangePage(InvalidFormIs400, auth_views.PasswordChangeView):
    pass
