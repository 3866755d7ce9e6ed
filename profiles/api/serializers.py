from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import STAFF_ONLY_FIELDS, GuardianLink, LearnerProfile, Section, User
from ..services import MAX_FIELD_LENGTH


class PersonSerializer(serializers.ModelSerializer[User]):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "display_name", "email"]
        read_only_fields = fields


class StudentSerializer(serializers.ModelSerializer[User]):
    display_name = serializers.CharField(read_only=True)
    grade_level = serializers.SerializerMethodField()
    school = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "given_name",
            "family_name",
            "preferred_name",
            "display_name",
            "email",
            "grade_level",
            "school",
            "sections",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_grade_level(self, obj: User) -> str:
        return next((m.grade_level for m in obj.student_memberships if m.grade_level), "")  # type: ignore[attr-defined]

    @extend_schema_field(serializers.CharField())
    def get_school(self, obj: User) -> str:
        return next((m.school.name for m in obj.student_memberships), "")  # type: ignore[attr-defined]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_sections(self, obj: User) -> list[int]:
        return [e.section_id for e in obj.student_enrollments]  # type: ignore[attr-defined]


class LearnerProfileSerializer(serializers.ModelSerializer[LearnerProfile]):
    """The learner profile. ``support_notes`` and ``accommodations`` are present only for the
    student's teachers and school admins. ``version`` must be sent back on every change."""

    student = serializers.IntegerField(source="student_id", read_only=True)
    support_notes = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_FIELD_LENGTH,
        help_text="Staff only: absent for students and guardians.",
    )
    accommodations = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_FIELD_LENGTH,
        help_text="Staff only: absent for students and guardians.",
    )
    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; a stale version gets a 409 conflict."
    )
    updated_by = serializers.CharField(
        source="updated_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = LearnerProfile
        fields = [
            "student",
            "strengths",
            "needs",
            "interests",
            "learning_preferences",
            "aspirations",
            "support_notes",
            "accommodations",
            "version",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = ["student", "updated_at", "updated_by"]
        extra_kwargs = {
            name: {"required": False, "allow_blank": True, "max_length": MAX_FIELD_LENGTH}
            for name in ["strengths", "needs", "interests", "learning_preferences", "aspirations"]
        }

    def to_representation(self, instance: LearnerProfile) -> dict[str, Any]:
        data = super().to_representation(instance)
        staff_ids: set[int] = self.context.get("staff_student_ids", set())
        if instance.student_id not in staff_ids:
            for name in STAFF_ONLY_FIELDS:
                data.pop(name, None)
        return data


class SectionSerializer(serializers.ModelSerializer[Section]):
    school = serializers.CharField(source="school.name", read_only=True)
    terms = serializers.SerializerMethodField()
    teachers = serializers.SerializerMethodField()
    student_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Section
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "course_title",
            "subject",
            "school",
            "terms",
            "teachers",
            "student_count",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_terms(self, obj: Section) -> list[str]:
        return [t.title for t in obj.terms.all()]

    @extend_schema_field(PersonSerializer(many=True))
    def get_teachers(self, obj: Section) -> list[dict[str, Any]]:
        return [PersonSerializer(e.user).data for e in obj.teacher_enrollments]  # type: ignore[attr-defined]


class GuardianLinkSerializer(serializers.ModelSerializer[GuardianLink]):
    guardian = PersonSerializer(read_only=True)
    student = serializers.IntegerField(source="student_id", read_only=True)

    class Meta:
        model = GuardianLink
        fields = ["id", "guardian", "student", "relationship"]
        read_only_fields = fields
