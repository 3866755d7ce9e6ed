from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ScopedPrimaryKeyField
from profiles.access import visible_students
from profiles.models import Enrollment, Section, User
from profiles.services import MAX_FIELD_LENGTH

from ..models import (
    Competency,
    Evidence,
    Framework,
    MasteryRecord,
    ProficiencyLevel,
    ProficiencyScale,
)

# Scores and points are JSON numbers with at most two decimal places.
SCORE = {"max_digits": 5, "decimal_places": 2, "coerce_to_string": False}
PATHWAY_STATUSES = [
    ("mastered", "Mastered"),
    ("in_progress", "In progress"),
    ("ready", "Ready to start"),
    ("locked", "Not yet: needs earlier targets"),
]


# --- scales and frameworks ---------------------------------------------------------------------


class ProficiencyLevelSerializer(serializers.ModelSerializer[ProficiencyLevel]):
    points = serializers.DecimalField(read_only=True, **SCORE)  # type: ignore[arg-type]

    class Meta:
        model = ProficiencyLevel
        fields = ["points", "label", "colour", "is_mastery"]
        read_only_fields = fields


class MasteryLevelSerializer(serializers.ModelSerializer[ProficiencyLevel]):
    """The level a score reached on the framework's scale."""

    points = serializers.DecimalField(read_only=True, **SCORE)  # type: ignore[arg-type]

    class Meta:
        model = ProficiencyLevel
        fields = ["points", "label", "colour"]
        read_only_fields = fields


class ProficiencyScaleSerializer(serializers.ModelSerializer[ProficiencyScale]):
    levels = ProficiencyLevelSerializer(many=True, read_only=True)

    class Meta:
        model = ProficiencyScale
        fields = ["id", "name", "levels"]
        read_only_fields = fields


def _uri_out(help_text: str) -> serializers.CharField:
    """A URL that may be empty: a plain string in the schema (an empty string is not a uri)."""
    return serializers.CharField(read_only=True, help_text=help_text)


class FrameworkSerializer(serializers.ModelSerializer[Framework]):
    uri = _uri_out("The CASE document's URI; empty when unknown.")
    scale = serializers.SerializerMethodField(
        help_text="The framework's scale, or its school's default scale; levels highest first."
    )

    class Meta:
        model = Framework
        fields = [
            "id",
            "title",
            "identifier",
            "uri",
            "subject",
            "calculation_method",
            "calculation_parameter",
            "scale",
        ]
        read_only_fields = fields

    @extend_schema_field(ProficiencyScaleSerializer(allow_null=True))
    def get_scale(self, obj: Framework) -> dict[str, Any] | None:
        scale = obj.scale if obj.scale_id else None
        if scale is None:
            defaults: list[ProficiencyScale] = getattr(obj.school, "default_scales", [])
            scale = defaults[0] if defaults else None
        return ProficiencyScaleSerializer(scale).data if scale is not None else None


class CompetencySerializer(serializers.ModelSerializer[Competency]):
    uri = _uri_out("The CASE item's URI; empty when unknown.")
    framework = serializers.IntegerField(source="framework_id", read_only=True)
    parent = serializers.IntegerField(  # type: ignore[assignment]  # Field.parent is DRF's own
        source="parent_id", read_only=True, allow_null=True
    )
    prerequisites = serializers.PrimaryKeyRelatedField[Competency](
        many=True, read_only=True, help_text="Learning targets to master before this one."
    )

    class Meta:
        model = Competency
        fields = [
            "id",
            "framework",
            "parent",
            "identifier",
            "uri",
            "code",
            "statement",
            "short_statement",
            "kind",
            "grade_levels",
            "depth",
            "is_leaf",
            "prerequisites",
        ]
        read_only_fields = fields


# --- mastery records ---------------------------------------------------------------------------


class MasteryRecordSerializer(serializers.ModelSerializer[MasteryRecord]):
    """A student's current standing on one competency, computed from all accepted evidence."""

    student = serializers.IntegerField(source="student_id", read_only=True)
    competency = serializers.IntegerField(source="competency_id", read_only=True)
    score = serializers.DecimalField(read_only=True, allow_null=True, **SCORE)  # type: ignore[arg-type]
    level = MasteryLevelSerializer(read_only=True, allow_null=True)

    class Meta:
        model = MasteryRecord
        fields = [
            "id",
            "student",
            "competency",
            "score",
            "level",
            "mastered",
            "evidence_count",
            "first_mastered_on",
            "last_evidence_on",
        ]
        read_only_fields = fields


# --- evidence ----------------------------------------------------------------------------------


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    student = serializers.IntegerField(source="student_id", read_only=True)
    competency = serializers.IntegerField(source="competency_id", read_only=True)
    section = serializers.IntegerField(source="section_id", read_only=True, allow_null=True)
    score = serializers.DecimalField(
        read_only=True,
        allow_null=True,
        help_text="Empty while a student's submission waits for a teacher.",
        **SCORE,  # type: ignore[arg-type]
    )
    link = _uri_out("A link to the work; empty when none.")
    author = serializers.CharField(
        source="author.display_name", read_only=True, allow_null=True, default=None
    )
    reviewed_by = serializers.CharField(
        source="reviewed_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "student",
            "competency",
            "section",
            "score",
            "observed_on",
            "kind",
            "title",
            "note",
            "link",
            "status",
            "author",
            "reviewed_by",
            "review_comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EvidenceResultSerializer(EvidenceSerializer):
    """Evidence after a change, with the student's mastery record for its competency as it
    stands now (recomputed in the same transaction)."""

    mastery = MasteryRecordSerializer(source="mastery_record", read_only=True, allow_null=True)

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "mastery"]
        read_only_fields = fields


def _visible_sections(user: Any) -> QuerySet[Section]:
    from profiles.permissions import visible_sections_q

    return Section.objects.filter(visible_sections_q(user))


def _visible_competencies(user: Any) -> QuerySet[Competency]:
    from ..permissions import visible_frameworks_q

    return Competency.objects.filter(
        framework__in=Framework.objects.filter(visible_frameworks_q(user))
    ).select_related("framework")


def _score_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        min_value=0,
        error_messages={"invalid": "Give the score as a number."},
        **SCORE,  # type: ignore[arg-type]
        **kwargs,
    )


def _student_in_section(student: Model, section: Section) -> bool:
    return Enrollment.objects.filter(
        section=section, user_id=student.pk, role=Enrollment.Role.STUDENT, is_active=True
    ).exists()


class EvidenceCreateSerializer(serializers.Serializer[Any]):
    student = ScopedPrimaryKeyField(
        queryset=User.objects.none(), scope=visible_students, noun="student"
    )
    competency = ScopedPrimaryKeyField(
        queryset=Competency.objects.none(), scope=_visible_competencies, noun="competency"
    )
    section = ScopedPrimaryKeyField(
        queryset=Section.objects.none(),
        scope=_visible_sections,
        noun="section",
        required=False,
        allow_null=True,
        help_text="Teachers: the class the evidence comes from (optional).",
    )
    score = _score_field(
        required=False,
        allow_null=True,
        help_text="Teachers: required, on the framework's scale. Students: leave out.",
    )
    observed_on = serializers.DateField(required=False, help_text="Today if left out.")
    kind = serializers.ChoiceField(
        choices=Evidence.Kind.choices,
        required=False,
        help_text="Teachers: defaults to assessment. Students: prior_learning (default), "
        "project or self_assessment.",
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_FIELD_LENGTH)
    link = serializers.URLField(required=False, allow_blank=True, max_length=500)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        section = attrs.get("section")
        if section is not None and not _student_in_section(attrs["student"], section):
            raise serializers.ValidationError({"section": "This student isn't in that section."})
        return attrs


class EvidenceUpdateSerializer(serializers.Serializer[Any]):
    score = _score_field(required=False)
    observed_on = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=Evidence.Kind.choices, required=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_FIELD_LENGTH)
    link = serializers.URLField(required=False, allow_blank=True, max_length=500)


class EvidenceAcceptSerializer(serializers.Serializer[Any]):
    score = _score_field(help_text="The score on the framework's scale.")
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_FIELD_LENGTH
    )


class EvidenceReturnSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_FIELD_LENGTH,
        help_text="Needed: tell the student what to add or change.",
    )


class BulkScoreSerializer(serializers.Serializer[Any]):
    student = serializers.IntegerField(min_value=1)
    score = _score_field(allow_null=True, help_text="Empty: not assessed.")


class EvidenceBulkSerializer(serializers.Serializer[Any]):
    """One assessment for a whole class, all scores in one transaction."""

    section = ScopedPrimaryKeyField(
        queryset=Section.objects.none(), scope=_visible_sections, noun="section"
    )
    competency = ScopedPrimaryKeyField(
        queryset=Competency.objects.none(), scope=_visible_competencies, noun="competency"
    )
    observed_on = serializers.DateField(required=False, help_text="Today if left out.")
    kind = serializers.ChoiceField(
        choices=Evidence.Kind.choices, required=False, default=Evidence.Kind.ASSESSMENT
    )
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_FIELD_LENGTH
    )
    scores = BulkScoreSerializer(many=True, allow_empty=False, max_length=1000)  # type: ignore[call-arg]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ids = [row["student"] for row in attrs["scores"]]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise serializers.ValidationError(
                {"scores": f"Each student once: {', '.join(map(str, twice))} listed twice."}
            )
        enrolled = set(
            Enrollment.objects.filter(
                section=attrs["section"],
                user_id__in=ids,
                role=Enrollment.Role.STUDENT,
                is_active=True,
            ).values_list("user_id", flat=True)
        )
        strangers = [i for i in ids if i not in enrolled]
        if strangers:
            raise serializers.ValidationError(
                {"scores": f"Not students of this class: {', '.join(map(str, strangers))}."}
            )
        return attrs


# --- a student's pathway -----------------------------------------------------------------------


class PathwayCompetencySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    statement = serializers.CharField(source="label")


class PathwayItemSerializer(serializers.Serializer[Any]):
    competency = serializers.IntegerField(source="competency.pk")
    code = serializers.CharField(source="competency.code")
    statement = serializers.CharField(source="competency.label")
    domain = serializers.IntegerField(
        source="competency.parent_id", allow_null=True, help_text="The parent competency."
    )
    status = serializers.ChoiceField(choices=PATHWAY_STATUSES)
    level = MasteryLevelSerializer(source="record.level", allow_null=True)
    score = serializers.DecimalField(source="record.score", allow_null=True, **SCORE)  # type: ignore[arg-type]
    evidence_count = serializers.SerializerMethodField()
    missing_prerequisites = PathwayCompetencySerializer(
        source="missing", many=True, help_text="Prerequisites not mastered yet."
    )

    def get_evidence_count(self, obj: Any) -> int:
        return obj.record.evidence_count if obj.record is not None else 0


class PathwayFrameworkSerializer(serializers.Serializer[Any]):
    framework = serializers.IntegerField(source="framework.pk")
    title = serializers.CharField(source="framework.title")
    mastered = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    items = PathwayItemSerializer(many=True, help_text="Learning targets in framework order.")


class StudentPathwaySerializer(serializers.Serializer[Any]):
    student = serializers.IntegerField()
    frameworks = PathwayFrameworkSerializer(many=True)
