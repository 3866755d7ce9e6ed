"""Conferences in the school admin: templates with their sections, windows, slots, conferences
and the emails sent. Inside the school walls; every save and action calls a service, and a
form whose save the service would refuse shows the service's sentence instead."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from core.errors import DomainError
from profiles.access import request_user
from profiles.admin_base import SchoolScopedAdmin, SchoolScopedInline, register_school_path

from . import services as svc
from .models import (
    AgendaItem,
    Attendee,
    Commitment,
    Conference,
    ConferenceReminder,
    ConferenceSlot,
    ConferenceTemplate,
    ConferenceWindow,
    NextTermGoal,
    TemplateSection,
    WorkSample,
)

register_school_path(TemplateSection, "template__school")
register_school_path(Attendee, "conference__window__school")
register_school_path(Commitment, "conference__window__school")
register_school_path(AgendaItem, "conference__window__school")
register_school_path(WorkSample, "conference__window__school")
register_school_path(NextTermGoal, "conference__window__school")


class _DryRun(Exception):
    pass


class ServiceCheckedForm(forms.ModelForm):
    """Runs the admin's service on a copy of the change inside a rolled-back transaction, so a
    refusal (a clash, a foreign term) is a form error with the service's sentence, not a 500."""

    request: HttpRequest
    check_service: Any = None

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if self.errors or self.check_service is None:
            return
        pk, adding = self.instance.pk, self.instance._state.adding
        try:
            with transaction.atomic():
                type(self).check_service(self.request, self.instance, self)
                raise _DryRun
        except _DryRun:
            pass
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
        finally:
            self.instance.pk, self.instance._state.adding = pk, adding


class _ServiceAdmin(SchoolScopedAdmin):
    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any):
        form = super().get_form(request, obj, change=change, **kw)
        form.request = request  # type: ignore[attr-defined]
        return form


class SectionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if form.cleaned_data and not form.cleaned_data.get("DELETE"):
                try:
                    form.cleaned_data["prompts"] = svc.section_prompts_clean(
                        form.cleaned_data.get("prompts", [])
                    )
                except DomainError as error:
                    raise ValidationError(error.message) from error


class TemplateSectionInline(SchoolScopedInline):
    model = TemplateSection
    formset = SectionFormSet
    school_path = "template__school"
    extra = 0
    fields = ("order", "kind", "title", "minutes", "prompts")


def _check_template(request: HttpRequest, template: ConferenceTemplate, form: Any) -> None:
    svc.template_save(actor=request_user(request), template=template)


class TemplateForm(ServiceCheckedForm):
    check_service = _check_template

    class Meta:
        model = ConferenceTemplate
        fields = ["school", "name", "description", "checklist", "is_default", "is_active"]


@admin.register(ConferenceTemplate)
class ConferenceTemplateAdmin(_ServiceAdmin):
    """The framing documents: ordered agenda sections with prompts and minutes."""

    form = TemplateForm
    list_display = ["name", "school", "is_default", "is_active"]
    list_filter = ["school", "is_default", "is_active"]
    search_fields = ["name"]
    inlines = [TemplateSectionInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        svc.template_save(actor=request_user(request), template=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        sections = formset.save(commit=False)
        svc.template_sections_save(
            actor=request_user(request),
            template=form.instance,
            sections=sections,
            deleted=list(formset.deleted_objects),
        )
        formset.save_m2m()


def _check_window(request: HttpRequest, window: ConferenceWindow, form: Any) -> None:
    svc.window_save(actor=request_user(request), window=window)


class WindowForm(ServiceCheckedForm):
    check_service = _check_window

    class Meta:
        model = ConferenceWindow
        fields = [
            "school",
            "term",
            "name",
            "template",
            "starts_on",
            "ends_on",
            "mode",
            "booking_opens_at",
            "booking_closes_at",
        ]


@admin.register(ConferenceWindow)
class ConferenceWindowAdmin(_ServiceAdmin):
    form = WindowForm
    list_display = ["name", "school", "term", "starts_on", "ends_on", "mode", "booking_opens_at"]
    list_filter = ["school", "mode", "term"]
    search_fields = ["name"]
    actions = ["create_conferences"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        svc.window_save(actor=request_user(request), window=obj)

    @admin.action(description="Create a conference for every advisee")
    def create_conferences(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for window in queryset:
            try:
                made = svc.conferences_create_for_window(actor=request_user(request), window=window)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"{window}: {len(made)} conferences created.")


def _check_slot(request: HttpRequest, slot: ConferenceSlot, form: Any) -> None:
    _save_slot(request, slot, form)


def _save_slot(request: HttpRequest, slot: ConferenceSlot, form: Any) -> ConferenceSlot:
    if slot._state.adding:
        return svc.slot_create(
            actor=request_user(request),
            window=slot.window,
            advisor=slot.advisor,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            room=slot.room,
            capacity=slot.capacity,
            is_blocked=slot.is_blocked,
            block_reason=slot.block_reason,
        )
    return svc.slot_update(
        actor=request_user(request),
        slot=slot,
        room=slot.room,
        capacity=slot.capacity,
    )


class SlotForm(ServiceCheckedForm):
    check_service = _check_slot

    class Meta:
        model = ConferenceSlot
        fields = [
            "window",
            "advisor",
            "starts_at",
            "ends_at",
            "room",
            "capacity",
            "is_blocked",
            "block_reason",
        ]


@admin.register(ConferenceSlot)
class ConferenceSlotAdmin(_ServiceAdmin):
    """Slots and advisors' blocked times. Times and advisor are fixed once saved (families may
    be booked in them): delete and add another instead."""

    form = SlotForm
    school_path = "window__school"
    list_display = ["starts_at", "ends_at", "advisor", "room", "capacity", "is_blocked", "window"]
    list_filter = ["window", "is_blocked"]
    list_select_related = ["advisor", "window"]
    search_fields = ["room", "advisor__family_name"]
    autocomplete_fields = ["advisor"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return ["window", "advisor", "starts_at", "ends_at", "is_blocked", "block_reason"]
        return []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = _save_slot(request, obj, form)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        svc.slot_delete(actor=request_user(request), slot=obj)


class _ReadOnlyInline(SchoolScopedInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class AttendeeInline(_ReadOnlyInline):
    model = Attendee
    school_path = "conference__window__school"
    fields = ("role", "user", "name", "email", "rsvp", "rsvp_note", "rsvp_at")
    readonly_fields = fields


class CommitmentInline(_ReadOnlyInline):
    model = Commitment
    school_path = "conference__window__school"
    fields = ("who", "text", "due_on", "outcome")
    readonly_fields = fields


class AgendaItemInline(_ReadOnlyInline):
    model = AgendaItem
    school_path = "conference__window__school"
    fields = ("section", "response", "advisor_comment", "updated_at")
    readonly_fields = fields


class WorkSampleInline(_ReadOnlyInline):
    model = WorkSample
    school_path = "conference__window__school"
    fields = ("evidence", "proud_of", "do_differently")
    readonly_fields = fields


class NextTermGoalInline(_ReadOnlyInline):
    model = NextTermGoal
    school_path = "conference__window__school"
    fields = ("title", "why", "category", "goal")
    readonly_fields = fields


@admin.register(Conference)
class ConferenceAdmin(SchoolScopedAdmin):
    """Conferences are run on their pages (the advisor's and the student's); here a school
    admin reads them and cancels one. History is kept."""

    school_path = "window__school"
    list_display = ["student", "window", "advisor", "status", "slot", "interpreter_language"]
    list_filter = ["window", "status"]
    list_select_related = ["student", "advisor", "window", "slot"]
    search_fields = ["student__family_name", "student__given_name", "student__email"]
    inlines = [
        AttendeeInline,
        AgendaItemInline,
        WorkSampleInline,
        CommitmentInline,
        NextTermGoalInline,
    ]
    actions = ["cancel"]
    readonly_fields = [
        "window",
        "student",
        "advisor",
        "slot",
        "status",
        "review_comment",
        "checklist",
        "interpreter_language",
        "notes",
        "summary",
        "submitted_at",
        "approved_at",
        "held_at",
        "goals_created_at",
        "version",
        "created_at",
        "updated_at",
        "updated_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser

    @admin.action(description="Cancel the selected conferences")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        done = 0
        for conference in queryset.select_related("window"):
            try:
                svc.conference_cancel(
                    actor=request_user(request),
                    conference=conference,
                    reason="Cancelled by the school.",
                )
            except DomainError as error:
                self.message_user(request, f"{conference.student}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} conference(s) cancelled.")


@admin.register(ConferenceReminder)
class ConferenceReminderAdmin(SchoolScopedAdmin):
    """Emails sent: one per conference and event, never twice."""

    school_path = "conference__window__school"
    list_display = ["conference", "event", "sent_at"]
    list_filter = ["event"]
    list_select_related = ["conference__student", "conference__window"]
    readonly_fields = ["conference", "event", "recipients", "sent_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
