"""Flags, follow-ups and attendance over the API. Bodies check types and sizes; the followups
services check who may do what and the flag's life, and their sentences reach the caller."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api import MAX_ID

from ..describe import describe, describe_threshold
from ..models import Attendance, Flag, FollowUp


class FollowUpSerializer(serializers.ModelSerializer[FollowUp]):
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = ["id", "flag", "action", "note", "occurred_on", "author", "author_name"]
        read_only_fields = fields

    def get_author_name(self, obj: FollowUp) -> str:
        return obj.author.display_name if obj.author else ""


class FlagSerializer(serializers.ModelSerializer[Flag]):
    description = serializers.SerializerMethodField(help_text="The numbers in plain words.")
    threshold_description = serializers.SerializerMethodField()
    student_name = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = [
            "id",
            "student",
            "student_name",
            "rule",
            "severity",
            "status",
            "measured",
            "threshold",
            "description",
            "threshold_description",
            "first_detected_on",
            "last_detected_on",
            "snoozed_until",
            "assigned_to",
            "outcome",
            "closed_on",
            "condition_cleared_on",
            "feedback",
        ]
        read_only_fields = fields

    def get_description(self, obj: Flag) -> str:
        return describe(obj.rule, obj.measured, obj.threshold)

    def get_threshold_description(self, obj: Flag) -> str:
        return describe_threshold(obj.rule, obj.threshold)

    def get_student_name(self, obj: Flag) -> str:
        return obj.student.display_name


class AssignSerializer(serializers.Serializer[Any]):
    assignee = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class SnoozeSerializer(serializers.Serializer[Any]):
    until = serializers.DateField()


class ResolveSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField(max_length=2000, allow_blank=True)


class FeedbackSerializer(serializers.Serializer[Any]):
    feedback = serializers.ChoiceField(choices=Flag.Feedback.choices)


class FollowUpCreateSerializer(serializers.Serializer[Any]):
    flag = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    action = serializers.ChoiceField(choices=FollowUp.Action.choices)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)


class AttendanceSerializer(serializers.ModelSerializer[Attendance]):
    class Meta:
        model = Attendance
        fields = ["id", "student", "date", "status", "source", "recorded_by"]
        read_only_fields = fields


class MarkSerializer(serializers.Serializer[Any]):
    student = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(choices=Attendance.Status.choices)


class AttendanceTakeSerializer(serializers.Serializer[Any]):
    section = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    date = serializers.DateField()
    marks = serializers.ListField(child=MarkSerializer(), allow_empty=False, max_length=500)


class AttendanceTakenSerializer(serializers.Serializer[Any]):
    saved = serializers.IntegerField()


class ScanQueuedSerializer(serializers.Serializer[Any]):
    queued = serializers.BooleanField()
    detail = serializers.CharField()
