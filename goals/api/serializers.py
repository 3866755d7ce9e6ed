"""Goals over the API: what a goal looks like to the caller, and the bodies each write takes.

Request bodies only check types and sizes; the goals services check who may do what and the
rules of the goal's life, and their sentences reach the caller as ``{"code", "detail",
"field"}``. Text a service needs (a return comment, a reflection, a comment's body, a step's
title) is optional here so that its own readable message answers a missing one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from core.api import ScopedPrimaryKeyField
from mastery.models import Competency, Framework
from mastery.permissions import visible_frameworks_q
from profiles.access import visible_students
from profiles.models import Membership, User

from ..models import ActionStep, CheckIn, Goal, GoalCategory, GoalComment

TITLE_LENGTH = 200
TEXT_LENGTH = 4000
COMMENT_LENGTH = 2000
OUTCOMES = [
    (Goal.Status.ACHIEVED.value, "Achieved"),
    (Goal.Status.NOT_MET.value, "Not met"),
    (Goal.Status.ABANDONED.value, "Set aside"),
]


def _own_school_categories(user: Any) -> QuerySet[GoalCategory]:
    schools = Membership.objects.filter(user=user, is_active=True).values_list("school_id")
    return GoalCategory.objects.filter(school_id__in=schools, is_active=True)


def _visible_competencies(user: Any) -> QuerySet[Competency]:
    return Competency.objects.filter(
        framework__in=Framework.objects.filter(visible_frameworks_q(user))
    ).select_related("framework")


# --- reading -----------------------------------------------------------------------------------


class GoalPersonSerializer(serializers.ModelSerializer[User]):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "display_name"]
        read_only_fields = fields


class GoalCategorySerializer(serializers.ModelSerializer[GoalCategory]):
    class Meta:
        model = GoalCategory
        fields = ["id", "name"]
        read_only_fields = fields


class ActionStepSerializer(serializers.ModelSerializer[ActionStep]):
    goal = serializers.IntegerField(source="goal_id", read_only=True)

    class Meta:
        model = ActionStep
        fields = ["id", "goal", "title", "due_date", "done", "done_at", "order"]
        read_only_fields = fields


class GoalSerializer(serializers.ModelSerializer[Goal]):
    """A goal as the caller may see it, with its latest check-in's progress and confidence."""

    student = serializers.IntegerField(source="student_id", read_only=True)
    category = GoalCategorySerializer(read_only=True, allow_null=True)
    competencies = serializers.PrimaryKeyRelatedField[Competency](
        many=True, read_only=True, help_text="Ids of the competencies the goal works towards."
    )
    suggested_by = GoalPersonSerializer(
        read_only=True, allow_null=True, help_text="The teacher who suggested it, if one did."
    )
    approved_by = GoalPersonSerializer(read_only=True, allow_null=True)
    latest_progress = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Percent, from the latest check-in."
    )
    latest_confidence = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="1 to 5, from the latest check-in."
    )
    steps = ActionStepSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "student",
            "title",
            "why",
            "category",
            "horizon",
            "success_criteria",
            "target_date",
            "competencies",
            "status",
            "origin",
            "suggested_by",
            "approved_by",
            "approved_at",
            "return_comment",
            "reflection",
            "closed_at",
            "version",
            "latest_progress",
            "latest_confidence",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CheckInSerializer(serializers.ModelSerializer[CheckIn]):
    goal = serializers.IntegerField(source="goal_id", read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "goal",
            "author",
            "progress",
            "progress_derived",
            "confidence",
            "what_helped",
            "what_got_in_the_way",
            "next_step",
            "created_at",
        ]
        read_only_fields = fields


class GoalCommentSerializer(serializers.ModelSerializer[GoalComment]):
    goal = serializers.IntegerField(source="goal_id", read_only=True)
    author = GoalPersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = GoalComment
        fields = ["id", "goal", "author", "kind", "body", "created_at"]
        read_only_fields = fields


# --- writing -----------------------------------------------------------------------------------


def _text(limit: int, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limit, help_text=help_text
    )


class _GoalFieldsSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=TITLE_LENGTH)
    why = _text(TEXT_LENGTH, "Why it matters to the student.")
    category = ScopedPrimaryKeyField(
        queryset=GoalCategory.objects.none(),
        scope=_own_school_categories,
        noun="category",
        required=False,
        allow_null=True,
        default=None,
    )
    horizon = serializers.ChoiceField(
        choices=Goal.Horizon.choices, required=False, default=Goal.Horizon.TERM
    )
    success_criteria = _text(TEXT_LENGTH, "How the student will know they got there.")
    target_date = serializers.DateField(required=False, allow_null=True, default=None)
    competencies = ScopedPrimaryKeyField(
        queryset=Competency.objects.none(),
        scope=_visible_competencies,
        noun="competency",
        many=True,
        required=False,
        help_text="Ids of competencies of the student's school the goal works towards.",
    )


class GoalCreateSerializer(_GoalFieldsSerializer):
    """A student writes their own goal (a draft, or proposed at once with ``propose``); a
    teacher of the student suggests one, which waits for the student to accept or decline."""

    student = ScopedPrimaryKeyField(
        queryset=User.objects.none(),
        scope=visible_students,
        noun="student",
        required=False,
        help_text="Whose goal it is; a student leaves it out for their own.",
    )
    propose = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Students: send it to their teachers for approval straight away.",
    )


class GoalUpdateSerializer(_GoalFieldsSerializer):
    """A change to an open goal. ``version`` is the one you read: if someone saved since, the
    answer is a 409 and nothing is overwritten."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; a stale version gets a 409 conflict."
    )


class GoalApproveSerializer(serializers.Serializer[Any]):
    comment = _text(COMMENT_LENGTH, "A word for the student (optional).")


class GoalReturnSerializer(serializers.Serializer[Any]):
    comment = _text(COMMENT_LENGTH, "Needed: what the student should change.")


class GoalDeclineSerializer(serializers.Serializer[Any]):
    reason = _text(TEXT_LENGTH, "Why not (optional).")


class GoalCloseSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=OUTCOMES)
    reflection = _text(TEXT_LENGTH, "Needed: what the student learned along the way.")


class CheckInCreateSerializer(serializers.Serializer[Any]):
    confidence = serializers.IntegerField(min_value=1, max_value=5, help_text="1 to 5.")
    progress = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
        help_text="Percent of the way there. Left out on a goal with competencies, it comes "
        "from the student's mastery of them.",
    )
    what_helped = _text(TEXT_LENGTH)
    what_got_in_the_way = _text(TEXT_LENGTH)
    next_step = _text(TEXT_LENGTH)


class GoalCommentCreateSerializer(serializers.Serializer[Any]):
    body = _text(COMMENT_LENGTH, "Needed: the comment.")


class ActionStepCreateSerializer(serializers.Serializer[Any]):
    title = _text(TITLE_LENGTH, "Needed: the step.")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class ActionStepUpdateSerializer(serializers.Serializer[Any]):
    done = serializers.BooleanField()
