from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from profiles.admin_base import SchoolScopedAdmin, SchoolScopedInline

from .models import (
    ActionStep,
    CheckIn,
    Goal,
    GoalCategory,
    GoalComment,
    GoalSettings,
    GoalTemplate,
    ReminderSent,
)


@admin.register(GoalCategory)
class GoalCategoryAdmin(SchoolScopedAdmin):
    list_display = ["name", "school", "order", "is_active"]
    list_filter = ["school", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name"]


@admin.register(GoalTemplate)
class GoalTemplateAdmin(SchoolScopedAdmin):
    list_display = ["name", "school", "category", "is_active"]
    list_filter = ["school", "is_active"]
    search_fields = ["name"]


@admin.register(GoalSettings)
class GoalSettingsAdmin(SchoolScopedAdmin):
    list_display = ["school", "checkin_nudge_days"]


class ActionStepInline(SchoolScopedInline):
    school_path = "goal__student__memberships__school"
    model = ActionStep
    extra = 0


class CheckInInline(SchoolScopedInline):
    school_path = "goal__student__memberships__school"
    model = CheckIn
    extra = 0
    readonly_fields = ["author", "progress", "progress_derived", "confidence", "created_at"]
    fields = ("author", "progress", "progress_derived", "confidence", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GoalCommentInline(SchoolScopedInline):
    school_path = "goal__student__memberships__school"
    model = GoalComment
    extra = 0
    readonly_fields = ["author", "kind", "body", "created_at"]
    fields = ("author", "kind", "body", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Goal)
class GoalAdmin(SchoolScopedAdmin):
    """Goals change through their pages and API (transitions, conflicts); here they are read
    and, for fixing a mistake, edited or deleted by a school admin. History is kept."""

    school_path = "student__memberships__school"
    list_display = ["title", "student", "category", "status", "origin", "target_date", "updated_at"]
    list_filter = ["status", "origin", "horizon", "category"]
    search_fields = ["title", "student__email", "student__family_name"]
    list_select_related = ["student", "category"]
    autocomplete_fields = ["student", "competencies"]
    readonly_fields = [
        "version",
        "created_at",
        "updated_at",
        "updated_by",
        "approved_by",
        "approved_at",
        "closed_at",
    ]
    inlines = [ActionStepInline, CheckInInline, GoalCommentInline]


@admin.register(CheckIn)
class CheckInAdmin(SchoolScopedAdmin):
    school_path = "goal__student__memberships__school"
    list_display = ["goal", "progress", "confidence", "created_at"]
    list_select_related = ["goal"]
    search_fields = ["goal__title", "goal__student__email"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(GoalComment)
class GoalCommentAdmin(SchoolScopedAdmin):
    school_path = "goal__student__memberships__school"
    list_display = ["goal", "author", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["body", "goal__title"]
    list_select_related = ["goal", "author"]


@admin.register(ReminderSent)
class ReminderSentAdmin(SchoolScopedAdmin):
    school_path = "user__memberships__school"
    list_display = ["kind", "user", "week", "goal_count", "sent_at"]
    list_filter = ["kind", "week"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
