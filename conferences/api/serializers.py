"""Serializers of the conferences API. Writable ids are scoped fields: an id the caller may not
see reads as "no such ...", a 400, exactly like one that doesn't exist."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ScopedPrimaryKeyField as _ScopedPrimaryKeyField
from goals.models import GoalCategory
from mastery.models import Evidence
from profiles.models import Membership

from ..models import (
    Attendee,
    Commitment,
    Conference,
    ConferenceSlot,
    ConferenceTemplate,
    ConferenceWindow,
    TemplateSection,
    WorkSample,
)
from ..permissions import staff_school_ids, visible_slots_q


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyField(_ScopedPrimaryKeyField):
    """An id (an integer in the schema) looked up among what the caller may see."""


def _visible_slots(user: Any) -> QuerySet[ConferenceSlot]:
    return ConferenceSlot.objects.filter(visible_slots_q(user), is_blocked=False)


def _own_evidence(user: Any) -> QuerySet[Evidence]:
    return Evidence.objects.filter(student_id=user.pk).exclude(status=Evidence.Status.RETURNED)


def _own_school_categories(user: Any) -> QuerySet[GoalCategory]:
    schools = Membership.objects.filter(user=user, is_active=True).values_list("school_id")
    return GoalCategory.objects.filter(school_id__in=schools, is_active=True)


def _runnable_conferences(user: Any) -> QuerySet[Conference]:
    """Conferences whose commitments the caller may write: the student's own, and those of the
    schools where they are staff (the service then checks they run it)."""
    return Conference.objects.filter(student_id=user.pk) | Conference.objects.filter(
        window__school_id__in=staff_school_ids(user)
    )


def _visible_conferences(user: Any) -> QuerySet[Conference]:
    return Conference.objects.filter(student_id=user.pk)


# --- reading --------------------------------------------------------------------------------


class TemplateSectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TemplateSection
        fields = ["id", "order", "kind", "title", "prompts", "minutes"]
        read_only_fields = fields


class ConferenceTemplateSerializer(serializers.ModelSerializer):
    sections = TemplateSectionSerializer(many=True, read_only=True)

    class Meta:
        model = ConferenceTemplate
        fields = ["id", "school", "name", "description", "checklist", "is_default", "sections"]
        read_only_fields = fields


class ConferenceWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConferenceWindow
        fields = [
            "id",
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
        read_only_fields = fields


class ConferenceSlotSerializer(serializers.ModelSerializer):
    booked = serializers.IntegerField(read_only=True)

    class Meta:
        model = ConferenceSlot
        fields = [
            "id",
            "window",
            "advisor",
            "starts_at",
            "ends_at",
            "room",
            "capacity",
            "booked",
            "is_blocked",
        ]
        read_only_fields = fields


class AttendeeSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = Attendee
        fields = ["id", "user", "name", "role", "rsvp", "rsvp_note", "rsvp_at"]
        read_only_fields = fields

    def get_name(self, attendee: Attendee) -> str:
        return attendee.user.display_name if attendee.user else attendee.name


class SlotBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConferenceSlot
        fields = ["id", "starts_at", "ends_at", "room"]
        read_only_fields = fields


class ConferenceSerializer(serializers.ModelSerializer):
    """A conference; ``notes`` (the advisor's) only for staff, empty for everyone else."""

    slot = SlotBriefSerializer(read_only=True)
    attendees = AttendeeSerializer(many=True, read_only=True)
    notes = serializers.SerializerMethodField()

    class Meta:
        model = Conference
        fields = [
            "id",
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
            "version",
            "attendees",
        ]
        read_only_fields = fields

    def get_notes(self, conference: Conference) -> str:
        staff = self.context.get("staff_schools", set())
        return conference.notes if conference.window.school_id in staff else ""


class WorkSampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkSample
        fields = ["id", "conference", "evidence", "proud_of", "do_differently", "order"]
        read_only_fields = fields


class CommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["id", "conference", "who", "text", "due_on", "outcome", "reviewed_at"]
        read_only_fields = fields


# --- writing --------------------------------------------------------------------------------


class SlotCreateSerializer(serializers.Serializer):
    window = ScopedPrimaryKeyField(
        scope=lambda u: ConferenceWindow.objects.filter(school_id__in=staff_school_ids(u)),
        noun="window",
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    room = serializers.CharField(max_length=64, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, max_value=12, default=1)
    is_blocked = serializers.BooleanField(default=False)
    block_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AgendaSectionWriteSerializer(serializers.Serializer):
    section = serializers.IntegerField(min_value=1)
    response = serializers.CharField(max_length=4000, allow_blank=True)
    version = serializers.IntegerField(min_value=1, required=False)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    section_comments = serializers.DictField(
        child=serializers.CharField(max_length=2000, allow_blank=True), required=False
    )


class ReturnSerializer(CommentSerializer):
    comment = serializers.CharField(max_length=4000, trim_whitespace=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ScheduleSerializer(serializers.Serializer):
    slot = ScopedPrimaryKeyField(scope=_visible_slots, noun="slot", allow_null=True)


class RsvpSerializer(serializers.Serializer):
    response = serializers.ChoiceField(
        choices=[Attendee.Rsvp.ACCEPTED.value, Attendee.Rsvp.ANOTHER_TIME.value]
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class BookingSerializer(serializers.Serializer):
    """``bookings``: one ``{student, slot}`` per child; all the family's children together."""

    class Choice(serializers.Serializer):
        student = serializers.IntegerField(min_value=1)
        slot = ScopedPrimaryKeyField(scope=_visible_slots, noun="slot")

    bookings = Choice(many=True)
    interpreter_language = serializers.CharField(max_length=64, required=False, allow_blank=True)

    def validate_bookings(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not value or len(value) > 12:
            raise serializers.ValidationError("Book one to twelve children at once.")
        return value


class WorkSampleCreateSerializer(serializers.Serializer):
    conference = ScopedPrimaryKeyField(scope=_visible_conferences, noun="conference")
    evidence = ScopedPrimaryKeyField(scope=_own_evidence, noun="piece of evidence")
    proud_of = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    do_differently = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class WorkSampleUpdateSerializer(serializers.Serializer):
    proud_of = serializers.CharField(max_length=2000, allow_blank=True)
    do_differently = serializers.CharField(max_length=2000, allow_blank=True)


class CommitmentCreateSerializer(serializers.Serializer):
    conference = ScopedPrimaryKeyField(scope=_runnable_conferences, noun="conference")
    who = serializers.ChoiceField(choices=Commitment.Who.choices)
    text = serializers.CharField(max_length=500)
    due_on = serializers.DateField(required=False, allow_null=True)


class CommitmentUpdateSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Commitment.Outcome.choices)


class NextGoalCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    why = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    category = ScopedPrimaryKeyField(
        scope=_own_school_categories, noun="category", required=False, allow_null=True
    )


# --- the agenda -----------------------------------------------------------------------------


class AgendaSectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="section.pk")
    number = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField(source="section.title")
    minutes = serializers.IntegerField(source="section.minutes")
    prompts = serializers.ListField(child=serializers.CharField(), source="section.prompts")
    response = serializers.CharField()
    advisor_comment = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)


class AgendaGoalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="goal.pk")
    title = serializers.CharField(source="goal.title")
    status = serializers.CharField(source="goal.status")
    progress = serializers.IntegerField(allow_null=True)
    checkins = serializers.IntegerField()
    evidence = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_evidence(self, line: Any) -> list[str]:
        return [
            f"{r.competency.code}: {r.level.label if r.level else 'no level yet'}"
            for r in line.evidence
        ]


class AgendaGoalGroupSerializer(serializers.Serializer):
    category = serializers.CharField()
    goals = AgendaGoalSerializer(many=True)


class GrowthSerializer(serializers.Serializer):
    competency = serializers.IntegerField(source="competency_id")
    code = serializers.CharField(source="competency.code")
    statement = serializers.CharField(source="competency.statement")
    level = serializers.CharField(source="level.label", default=None, allow_null=True)
    first_mastered_on = serializers.DateField(allow_null=True)


class NextGoalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    why = serializers.CharField()
    category = serializers.IntegerField(source="category_id", allow_null=True)
    goal = serializers.IntegerField(source="goal_id", allow_null=True)


class AgendaSerializer(serializers.Serializer):
    """The assembled agenda: template sections with the student's answers and own material."""

    conference = serializers.IntegerField(source="conference.pk")
    since = serializers.DateField()
    total_minutes = serializers.IntegerField()
    sections = AgendaSectionSerializer(many=True)
    goal_groups = AgendaGoalGroupSerializer(many=True)
    newly_mastered = GrowthSerializer(many=True)
    working_on = GrowthSerializer(many=True)
    samples = WorkSampleSerializer(many=True)
    previous_commitments = CommitmentSerializer(many=True)
    commitments = CommitmentSerializer(many=True)
    next_goals = NextGoalSerializer(many=True)
