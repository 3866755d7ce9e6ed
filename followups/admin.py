"""Falling behind in the school admin: the risk policy, closures, attendance and its imports,
flags with their follow-ups, scan runs and digests. Inside the school walls."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from profiles.admin_base import (
    SchoolScopedAdmin,
    SchoolScopedInline,
    administered_schools,
    register_school_path,
)
from profiles.models import School

from .attendance import MAX_BYTES, attendance_import
from .models import (
    Attendance,
    AttendanceImport,
    DigestSent,
    Flag,
    FollowUp,
    RiskPolicy,
    ScanRun,
    SchoolClosure,
)
from .selectors import feedback_summary_per_rule

register_school_path(FollowUp, "flag__school")


class _RecordAdmin(SchoolScopedAdmin):
    """A record the system writes (an import's report, a scan, a digest): read, never typed in."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RiskPolicy)
class RiskPolicyAdmin(SchoolScopedAdmin):
    list_display = ["school", "scan_hour", "updated_at"]
    fieldsets = [
        (None, {"fields": ["school", "scan_hour"]}),
        (
            "Behind pace",
            {
                "fields": [
                    "behind_pace_enabled",
                    "behind_pace_targets",
                    "behind_pace_percent",
                    "behind_pace_grace_days",
                    "behind_pace_recent_days",
                    "behind_pace_recent_targets",
                ]
            },
        ),
        ("No recent evidence", {"fields": ["no_evidence_enabled", "no_evidence_school_days"]}),
        ("Stalled goals", {"fields": ["stalled_goals_enabled", "stalled_goal_checkin_days"]}),
        (
            "Slipping",
            {
                "fields": [
                    "slipping_enabled",
                    "slipping_scores",
                    "slipping_targets",
                    "slipping_recent_days",
                    "slipping_drop_percent",
                    "slipping_min_scores",
                ]
            },
        ),
        (
            "Many below approaching",
            {"fields": ["below_approaching_enabled", "below_approaching_targets"]},
        ),
        (
            "Chronic absence",
            {
                "fields": [
                    "chronic_absence_enabled",
                    "attendance_min_percent",
                    "attendance_school_days",
                    "attendance_min_days",
                ]
            },
        ),
    ]


@admin.register(SchoolClosure)
class SchoolClosureAdmin(SchoolScopedAdmin):
    list_display = ["date", "name", "school"]
    list_filter = ["school"]
    date_hierarchy = "date"


@admin.register(Attendance)
class AttendanceAdmin(_RecordAdmin):
    """Marks come from the information system's export (Attendance imports) or the advisor's
    attendance page, both through the followups services; here they are read."""

    list_display = ["date", "student", "status", "source", "school"]
    list_filter = ["status", "source"]
    search_fields = ["student__email", "student__first_name", "student__last_name"]
    date_hierarchy = "date"
    raw_id_fields = ["student", "recorded_by"]


class AttendanceUploadForm(forms.Form):
    school = forms.ModelChoiceField(queryset=School.objects.none())
    file = forms.FileField(
        label="Attendance export (.csv)",
        help_text="Columns: student sourcedId or email, date, status (present, absent, tardy, "
        "excused, or P, A, T, E). You see what it would change before anything is written.",
        required=False,
    )
    content = forms.CharField(widget=forms.HiddenInput, required=False, max_length=MAX_BYTES)
    file_name = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)


@admin.register(AttendanceImport)
class AttendanceImportAdmin(_RecordAdmin):
    list_display = ["created_at", "file_name", "status", "rows", "created", "updated", "unchanged"]
    readonly_fields = [f.name for f in AttendanceImport._meta.fields if f.name != "id"]
    change_list_template = "admin/followups/attendanceimport/change_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="followups_attendanceimport_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Choose the school and the file; see the counts and every problem; confirm. The
        import runs all-or-nothing through ``attendance_import``."""
        schools = School.objects.all()
        if not request.user.is_superuser:
            schools = schools.filter(pk__in=administered_schools(request))
        if not schools.exists():
            raise PermissionDenied
        form = AttendanceUploadForm(request.POST or None, request.FILES or None)
        form.fields["school"].queryset = schools  # type: ignore[attr-defined]
        preview = None
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                data = form.cleaned_data
                upload = data["file"]
                if upload is not None:
                    raw = upload.read(MAX_BYTES + 1)
                    if len(raw) > MAX_BYTES:
                        form.add_error("file", "The file is larger than 20 MB.")
                    content, name = raw.decode("utf-8-sig", errors="replace"), upload.name
                else:
                    content, name = data["content"], data["file_name"]
                if not content and not form.errors:
                    form.add_error("file", "Choose the CSV file to import.")
                if not form.errors:
                    confirm = "confirm" in request.POST and upload is None
                    result, record = attendance_import(
                        actor=request.user,  # type: ignore[arg-type]
                        school=data["school"],
                        content=content,
                        file_name=name,
                        dry_run=not confirm,
                    )
                    if confirm and record is not None:
                        if result.ok:
                            messages.success(
                                request,
                                f"{name}: {result.created} created, {result.updated} updated, "
                                f"{result.unchanged} unchanged.",
                            )
                        else:
                            messages.error(request, f"{name}: nothing was imported.")
                        return HttpResponseRedirect(
                            reverse("admin:followups_attendanceimport_change", args=[record.pk])
                        )
                    status = 200 if result.ok else 400
                    preview = {"result": result, "content": content, "file_name": name}
                    form = AttendanceUploadForm(
                        initial={
                            "school": data["school"].pk,
                            "content": content,
                            "file_name": name,
                        }
                    )
                    form.fields["school"].queryset = schools  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),
            "title": "Import attendance",
            "form": form,
            "preview": preview,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request, "admin/followups/attendanceimport/upload.html", context, status=status
        )


class FollowUpInline(SchoolScopedInline):
    model = FollowUp
    school_path = "flag__school"
    extra = 0
    fields = ["occurred_on", "action", "note", "author"]


@admin.register(Flag)
class FlagAdmin(SchoolScopedAdmin):
    list_display = [
        "student",
        "rule",
        "severity",
        "status",
        "first_detected_on",
        "assigned_to",
        "feedback",
    ]
    list_filter = ["rule", "status", "severity", "feedback"]
    search_fields = ["student__email", "student__first_name", "student__last_name"]
    raw_id_fields = ["student", "assigned_to", "closed_by", "feedback_by"]
    inlines = [FollowUpInline]
    change_list_template = "admin/followups/flag/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the scan opens flags

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # teachers work flags through the follow-up pages and their services

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The changelist with what teachers said about each rule's flags, for tuning the
        thresholds of the risk policy."""
        extra = {
            **(extra_context or {}),
            "feedback_per_rule": feedback_summary_per_rule(viewer=request.user),
        }
        return super().changelist_view(request, extra_context=extra)


@admin.register(ScanRun)
class ScanRunAdmin(_RecordAdmin):
    list_display = [
        "started_at",
        "school",
        "as_of",
        "trigger",
        "students_scanned",
        "flags_opened",
        "flags_cleared",
        "errors",
    ]
    list_filter = ["trigger"]
    readonly_fields = [f.name for f in ScanRun._meta.fields if f.name != "id"]


@admin.register(DigestSent)
class DigestSentAdmin(_RecordAdmin):
    school_path = "user__memberships__school"
    list_display = ["date", "user", "flag_count", "sent_at"]
    readonly_fields = ["user", "date", "flag_count", "sent_at"]
