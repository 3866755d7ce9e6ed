"""Falling behind in the school admin: the risk policy, closures, attendance and its imports,
flags with their follow-ups, scan runs and digests. Inside the school walls."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from profiles.admin_base import SchoolScopedAdmin, SchoolScopedInline, register_school_path

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
            {"fields": ["behind_pace_enabled", "behind_pace_targets", "behind_pace_percent"]},
        ),
        ("No recent evidence", {"fields": ["no_evidence_enabled", "no_evidence_school_days"]}),
        ("Stalled goals", {"fields": ["stalled_goals_enabled", "stalled_goal_checkin_days"]}),
        ("Slipping", {"fields": ["slipping_enabled", "slipping_scores"]}),
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
class AttendanceAdmin(SchoolScopedAdmin):
    list_display = ["date", "student", "status", "source", "school"]
    list_filter = ["status", "source"]
    search_fields = ["student__email", "student__first_name", "student__last_name"]
    date_hierarchy = "date"
    raw_id_fields = ["student", "recorded_by"]


@admin.register(AttendanceImport)
class AttendanceImportAdmin(_RecordAdmin):
    list_display = ["created_at", "file_name", "status", "rows", "created", "updated", "unchanged"]
    readonly_fields = [f.name for f in AttendanceImport._meta.fields if f.name != "id"]


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
