"""The goals API: goals, their transitions, check-ins, comments and action steps.

Every query is scoped to the caller (``goal_list_for_viewer`` / ``visible_goals_q``): a goal they
can't see is a 404; one they see but may not change is a 403 with the service's sentence. Every
write goes through ``goals.services``.

Route names (namespace ``api``):

- ``goal-list`` ``goals/`` GET, POST; ``goal-detail`` ``goals/{id}/`` GET, PATCH
- ``goal-propose``, ``goal-approve``, ``goal-return``, ``goal-accept``, ``goal-decline``,
  ``goal-close``: ``goals/{id}/<action>/`` POST
- ``goal-checkins`` ``goals/{id}/checkins/`` GET, POST
- ``goal-comments`` ``goals/{id}/comments/`` GET, POST
- ``goal-steps`` ``goals/{id}/steps/`` POST
- ``action-step-detail`` ``action-steps/{id}/`` GET, PATCH
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdFilter
from core.errors import ValidationFailed
from core.viewsets import ScopedViewSetMixin
from mastery.models import Competency
from profiles.access import request_user
from profiles.models import Role
from profiles.permissions import roles_of

from ..models import ActionStep, CheckIn, Goal, GoalComment
from ..permissions import visible_goals_q
from ..selectors import goal_list_for_viewer
from ..services import (
    EDITABLE_FIELDS,
    action_step_add,
    action_step_set_done,
    checkin_record,
    goal_accept_suggestion,
    goal_approve,
    goal_close,
    goal_comment_add,
    goal_create,
    goal_decline_suggestion,
    goal_propose,
    goal_return,
    goal_update,
)
from .serializers import (
    ActionStepCreateSerializer,
    ActionStepSerializer,
    ActionStepUpdateSerializer,
    CheckInCreateSerializer,
    CheckInSerializer,
    GoalApproveSerializer,
    GoalCloseSerializer,
    GoalCommentCreateSerializer,
    GoalCommentSerializer,
    GoalCreateSerializer,
    GoalDeclineSerializer,
    GoalReturnSerializer,
    GoalSerializer,
    GoalUpdateSerializer,
)

ID = r"[0-9]+"
INVALID = OpenApiResponse(
    description="Invalid input, or a transition the goal's status doesn't allow "
    '(`code` "invalid_transition"): `detail` or per-field messages say what.'
)
REFUSED = OpenApiResponse(description="Not allowed: `detail` says who may.")
NOT_FOUND = OpenApiResponse(description="No such goal, or not one you can see.")
CONFLICT = OpenApiResponse(description="Someone saved since `version`; nothing was written.")
WRITE_ERRORS = {400: INVALID, 403: REFUSED, 404: NOT_FOUND}


def _with_details(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    return goals.prefetch_related(
        "steps", Prefetch("competencies", Competency.objects.only("id").order_by("id"))
    )


def _present(goal: Goal) -> dict[str, Any]:
    """The goal as a service left it, with its latest check-in and steps. Read by the id of the
    goal the service just changed for the caller: after a return, a student's draft is no longer
    the teacher's to list, yet the teacher is shown what they just did."""
    fresh = (
        _with_details(Goal.objects.filter(pk=goal.pk))
        .select_related("category", "suggested_by", "approved_by")
        .get()
    )
    latest = (
        CheckIn.objects.filter(goal=fresh)
        .order_by("-created_at", "-id")
        .values("progress", "confidence")
        .first()
    )
    fresh.latest_progress = latest["progress"] if latest else None  # type: ignore[attr-defined]
    fresh.latest_confidence = latest["confidence"] if latest else None  # type: ignore[attr-defined]
    return GoalSerializer(fresh).data


class GoalFilter(django_filters.FilterSet):
    student = IdFilter(field_name="student_id")
    status = django_filters.ChoiceFilter(choices=Goal.Status.choices)
    category = IdFilter(field_name="category_id")
    origin = django_filters.ChoiceFilter(choices=Goal.Origin.choices)

    class Meta:
        model = Goal
        fields: list[str] = []


class GoalViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Goals the caller may see: a student their own (drafts too); their teachers, school admins
    and family everything past the student's private drafts.

    A goal's life: a student's ``draft`` is ``propose``d, then their advisor ``approve``s it
    (``active``) or ``return``s it with a comment (``draft`` again). A teacher's suggestion
    starts ``proposed``; the student ``accept``s it (``active``) or ``decline``s it. An active
    goal is ``close``d as ``achieved``, ``not_met`` or ``abandoned``. A transition the goal's
    status doesn't allow is a 400 with code ``invalid_transition``.
    """

    lookup_value_regex = ID
    filterset_class = GoalFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> type[Any]:
        return {
            "create": GoalCreateSerializer,
            "partial_update": GoalUpdateSerializer,
            "propose": None,
            "approve": GoalApproveSerializer,
            "return_": GoalReturnSerializer,
            "accept": None,
            "decline": GoalDeclineSerializer,
            "close": GoalCloseSerializer,
        }.get(self.action) or GoalSerializer

    def get_scoped_queryset(self) -> QuerySet[Goal]:
        goals = goal_list_for_viewer(viewer=self.request.user)
        # Writes get the bare goal: the services read its relations afresh.
        return _with_details(goals) if self.action in ("list", "retrieve") else goals

    # --- reading and writing goals ---------------------------------------------------------

    @extend_schema(
        request=GoalCreateSerializer, responses={201: GoalSerializer, 400: INVALID, 403: REFUSED}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A student writes a goal (``student`` left out). A teacher or school admin of the
        student suggests one by naming the ``student``: it starts ``proposed``."""
        actor = request_user(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        student = data.pop("student", None)
        if student is None:
            if Role.STUDENT not in roles_of(actor):
                raise ValidationFailed("Say which student the goal is for.", field="student")
            student = actor
        goal = goal_create(
            actor=actor,
            student=student,
            competencies=data.pop("competencies", []),
            propose=data.pop("propose"),
            **data,
        )
        return Response(_present(goal), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=GoalUpdateSerializer,
        responses={200: GoalSerializer, **WRITE_ERRORS, 409: CONFLICT},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Revise an open goal (the student and their teachers). Send the ``version`` you read."""
        goal = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise ValidationFailed(
                "Send the goal's current version with your change.", field="version"
            )
        updated = goal_update(
            actor=request_user(request),
            goal=goal,
            expected_version=data["version"],
            changes={k: v for k, v in data.items() if k in EDITABLE_FIELDS},
            competencies=data.get("competencies"),
        )
        return Response(_present(updated))

    @extend_schema(exclude=True)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    # --- transitions ---------------------------------------------------------------------------

    def _body(self, request: Request) -> dict[str, Any]:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=None, responses={200: GoalSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def propose(self, request: Request, pk: str | None = None) -> Response:
        """The student sends their draft to their teachers for approval."""
        return Response(_present(goal_propose(actor=request_user(request), goal=self.get_object())))

    @extend_schema(request=GoalApproveSerializer, responses={200: GoalSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """The student's advisor (or a school admin) approves their proposed goal: it becomes
        active. Their other teachers comment or suggest instead (403)."""
        goal = self.get_object()
        body = self._body(request)
        return Response(_present(goal_approve(actor=request_user(request), goal=goal, **body)))

    @extend_schema(request=GoalReturnSerializer, responses={200: GoalSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        """The student's advisor (or a school admin) returns their proposed goal with what to
        change: it is a draft again, which only the student sees."""
        goal = self.get_object()
        body = self._body(request)
        return Response(_present(goal_return(actor=request_user(request), goal=goal, **body)))

    @extend_schema(request=None, responses={200: GoalSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """The student accepts a teacher's suggestion: it becomes active."""
        goal = goal_accept_suggestion(actor=request_user(request), goal=self.get_object())
        return Response(_present(goal))

    @extend_schema(request=GoalDeclineSerializer, responses={200: GoalSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        """The student declines a teacher's suggestion: it is set aside."""
        goal = self.get_object()
        body = self._body(request)
        return Response(
            _present(goal_decline_suggestion(actor=request_user(request), goal=goal, **body))
        )

    @extend_schema(request=GoalCloseSerializer, responses={200: GoalSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """The student or their teacher closes an active goal with the student's reflection."""
        goal = self.get_object()
        body = self._body(request)
        return Response(_present(goal_close(actor=request_user(request), goal=goal, **body)))

    # --- check-ins, comments, steps ------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: CheckInSerializer(many=True), 404: NOT_FOUND},
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        request=CheckInCreateSerializer,
        responses={201: CheckInSerializer, **WRITE_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def checkins(self, request: Request, pk: str | None = None) -> Response:
        """The goal's check-ins, oldest first; POST: the student checks in on their active goal."""
        goal = self.get_object()
        # HEAD and OPTIONS read too: a safe method skips the CSRF check, so it never writes.
        if request.method in SAFE_METHODS:
            rows = CheckIn.objects.filter(goal=goal).order_by("created_at", "id")
            return Response(CheckInSerializer(rows, many=True).data)
        serializer = CheckInCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        checkin = checkin_record(
            actor=request_user(request), goal=goal, **serializer.validated_data
        )
        return Response(CheckInSerializer(checkin).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: GoalCommentSerializer(many=True), 404: NOT_FOUND},
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        request=GoalCommentCreateSerializer,
        responses={201: GoalCommentSerializer, **WRITE_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request: Request, pk: str | None = None) -> Response:
        """The goal's comments, oldest first; POST: the student, their teachers and family
        comment (a family member's comment is an encouragement)."""
        goal = self.get_object()
        if request.method in SAFE_METHODS:
            rows = (
                GoalComment.objects.filter(goal=goal)
                .select_related("author")
                .order_by("created_at", "id")
            )
            return Response(GoalCommentSerializer(rows, many=True).data)
        serializer = GoalCommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = goal_comment_add(
            actor=request_user(request), goal=goal, **serializer.validated_data
        )
        return Response(GoalCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ActionStepCreateSerializer,
        responses={201: ActionStepSerializer, **WRITE_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"])
    def steps(self, request: Request, pk: str | None = None) -> Response:
        """Add an action step to an open goal (the student and their teachers)."""
        goal = self.get_object()
        serializer = ActionStepCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = action_step_add(actor=request_user(request), goal=goal, **serializer.validated_data)
        return Response(ActionStepSerializer(step).data, status=status.HTTP_201_CREATED)


class ActionStepViewSet(ScopedViewSetMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin):
    """Action steps of the goals the caller may see; the student and their teachers tick them
    off while the goal is open."""

    lookup_value_regex = ID
    http_method_names = ["get", "patch", "head", "options"]
    filter_backends: list[Any] = []

    def get_serializer_class(self) -> type[Any]:
        if self.action == "partial_update":
            return ActionStepUpdateSerializer
        return ActionStepSerializer

    def get_scoped_queryset(self) -> QuerySet[ActionStep]:
        visible = Goal.objects.filter(visible_goals_q(self.request.user))
        return ActionStep.objects.filter(goal__in=visible).select_related("goal").order_by("id")

    @extend_schema(
        request=ActionStepUpdateSerializer,
        responses={200: ActionStepSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark the step done or not done."""
        step = self.get_object()
        serializer = ActionStepUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = action_step_set_done(
            actor=request_user(request), step=step, done=serializer.validated_data["done"]
        )
        return Response(ActionStepSerializer(updated).data)

    @extend_schema(exclude=True)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)
