"""The followups API: flags and their transitions, follow-ups, attendance, scanning a section.

Scoped like the pages: a flag is only ever listed to the student's teachers and the school's
admins (``visible_flags_q``); to a student or guardian the list is empty and a flag is a 404.
Every write goes through ``followups.services``.

Route names (namespace ``api``):

- ``flag-list`` ``flags/`` GET; ``flag-detail`` ``flags/{id}/`` GET
- ``flag-acknowledge``, ``flag-assign``, ``flag-snooze``, ``flag-resolve``, ``flag-feedback``:
  ``flags/{id}/<action>/`` POST
- ``follow-up-list`` ``follow-ups/`` GET, POST
- ``attendance-list`` ``attendance/`` GET, POST (the advisor takes a day's attendance)
- ``section-scan`` ``sections/{id}/scan/`` POST
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IdFilter
from core.errors import NotFound, ValidationFailed
from core.viewsets import ScopedViewSetMixin
from profiles.access import request_user
from profiles.models import Section, User
from profiles.permissions import can_teach_section, staff_students_q, visible_sections_q

from .. import services as svc
from ..models import Attendance, Flag, FollowUp, Rule, Severity
from ..permissions import is_flag_staff, visible_flags_q
from ..selectors import flag_get_for_teacher, flag_list_for_viewer
from .serializers import (
    AssignSerializer,
    AttendanceSerializer,
    AttendanceTakenSerializer,
    AttendanceTakeSerializer,
    FeedbackSerializer,
    FlagSerializer,
    FollowUpCreateSerializer,
    FollowUpSerializer,
    ResolveSerializer,
    ScanQueuedSerializer,
    SnoozeSerializer,
)

ID = r"[0-9]+"
INVALID = OpenApiResponse(
    description="Invalid input, or a transition the flag's status doesn't allow "
    '(`code` "invalid_transition"): `detail` says what.'
)
REFUSED = OpenApiResponse(description="Not allowed: `detail` says who may.")
NOT_FOUND = OpenApiResponse(description="No such flag, or not one you can see.")
WRITE_ERRORS = {400: INVALID, 403: REFUSED, 404: NOT_FOUND}


def _present(request: Request, flag: Flag) -> dict[str, Any]:
    return FlagSerializer(flag_get_for_teacher(viewer=request.user, flag_id=flag.pk)).data


class FlagFilter(django_filters.FilterSet):
    student = IdFilter(field_name="student_id")
    assigned_to = IdFilter(field_name="assigned_to_id")
    status = django_filters.ChoiceFilter(choices=Flag.Status.choices)
    rule = django_filters.ChoiceFilter(choices=Rule.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)

    class Meta:
        model = Flag
        fields: list[str] = []


class FlagViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Flags about the caller's students (staff only), newest first. A flag's life:
    ``open`` → ``acknowledge`` → ``resolve`` (with an ``outcome``), or ``snooze`` until a date;
    ``assign`` to another teacher of the student; ``feedback`` on any flag. The scan clears a
    flag whose condition went away (``cleared``)."""

    lookup_value_regex = ID
    filterset_class = FlagFilter
    serializer_class = FlagSerializer

    def get_serializer_class(self) -> type[Any]:
        return {
            "assign": AssignSerializer,
            "snooze": SnoozeSerializer,
            "resolve": ResolveSerializer,
            "feedback": FeedbackSerializer,
        }.get(self.action) or FlagSerializer

    def get_scoped_queryset(self) -> QuerySet[Flag]:
        return flag_list_for_viewer(viewer=self.request.user).order_by("-first_detected_on", "-pk")

    def _body(self, request: Request) -> dict[str, Any]:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=None, responses={200: FlagSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """An open or snoozed flag becomes acknowledged (and the caller's if unassigned)."""
        flag = svc.flag_acknowledge(actor=request_user(request), flag=self.get_object())
        return Response(_present(request, flag))

    @extend_schema(request=AssignSerializer, responses={200: FlagSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Give the flag to another of the student's teachers."""
        flag = self.get_object()
        body = self._body(request)
        assignee = User.objects.filter(pk=body["assignee"]).first()
        if assignee is None:
            raise ValidationFailed(
                "Assign the flag to one of the student's teachers.", field="assignee"
            )
        flag = svc.flag_assign(actor=request_user(request), flag=flag, assignee=assignee)
        return Response(_present(request, flag))

    @extend_schema(request=SnoozeSerializer, responses={200: FlagSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def snooze(self, request: Request, pk: str | None = None) -> Response:
        """Put the flag aside until a date (tomorrow at the earliest, within 90 days)."""
        flag = self.get_object()
        body = self._body(request)
        flag = svc.flag_snooze(actor=request_user(request), flag=flag, until=body["until"])
        return Response(_present(request, flag))

    @extend_schema(request=ResolveSerializer, responses={200: FlagSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Close the flag with its ``outcome`` (required)."""
        flag = self.get_object()
        body = self._body(request)
        flag = svc.flag_resolve(actor=request_user(request), flag=flag, outcome=body["outcome"])
        return Response(_present(request, flag))

    @extend_schema(request=FeedbackSerializer, responses={200: FlagSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str | None = None) -> Response:
        """Was the flag useful? Any flag, any status."""
        flag = self.get_object()
        body = self._body(request)
        flag = svc.flag_feedback(actor=request_user(request), flag=flag, feedback=body["feedback"])
        return Response(_present(request, flag))


class FollowUpFilter(django_filters.FilterSet):
    flag = IdFilter(field_name="flag_id")
    student = IdFilter(field_name="flag__student_id")
    action = django_filters.ChoiceFilter(choices=FollowUp.Action.choices)

    class Meta:
        model = FollowUp
        fields: list[str] = []


class FollowUpViewSet(ScopedViewSetMixin, mixins.ListModelMixin):
    """What teachers did about the flags the caller may see; POST logs one on an active flag."""

    filterset_class = FollowUpFilter
    serializer_class = FollowUpSerializer

    def get_scoped_queryset(self) -> QuerySet[FollowUp]:
        return (
            FollowUp.objects.filter(
                flag__in=Flag.objects.filter(visible_flags_q(self.request.user))
            )
            .select_related("author")
            .order_by("-occurred_on", "-created_at", "-pk")
        )

    @extend_schema(
        request=FollowUpCreateSerializer,
        responses={201: FollowUpSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = FollowUpCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            flag = flag_get_for_teacher(viewer=request.user, flag_id=data["flag"])
        except NotFound as exc:
            raise ValidationFailed(exc.message, field="flag") from exc
        followup = svc.followup_log(
            actor=request_user(request),
            flag=flag,
            action=data["action"],
            note=data["note"],
            occurred_on=data["occurred_on"],
        )
        return Response(FollowUpSerializer(followup).data, status=status.HTTP_201_CREATED)


class AttendanceFilter(django_filters.FilterSet):
    student = IdFilter(field_name="student_id")
    status = django_filters.ChoiceFilter(choices=Attendance.Status.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Attendance
        fields: list[str] = []


class AttendanceViewSet(ScopedViewSetMixin, mixins.ListModelMixin):
    """Daily attendance of the caller's students (staff only). POST: the advisor takes one
    day's attendance for their advisory (a mark per student; a day's earlier mark is replaced)."""

    filterset_class = AttendanceFilter
    serializer_class = AttendanceSerializer

    def get_scoped_queryset(self) -> QuerySet[Attendance]:
        user = self.request.user
        if not is_flag_staff(user):
            return Attendance.objects.none()
        return Attendance.objects.filter(
            student__in=User.objects.filter(staff_students_q(user))
        ).order_by("-date", "student_id", "pk")

    @extend_schema(
        request=AttendanceTakeSerializer,
        responses={201: AttendanceTakenSerializer, 400: INVALID, 403: REFUSED},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = AttendanceTakeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        section = (
            Section.objects.filter(visible_sections_q(request.user), pk=data["section"])
            .select_related("school")
            .first()
        )
        if section is None:
            raise ValidationFailed("No such section, or not one you can see.", field="section")
        marks = {m["student"]: m["status"] for m in data["marks"]}
        if len(marks) != len(data["marks"]):
            raise ValidationFailed("Give each student one mark.", field="marks")
        saved = svc.attendance_take(
            actor=request_user(request), section=section, date=data["date"], marks=marks
        )
        return Response({"saved": saved}, status=status.HTTP_201_CREATED)


class SectionScanView(APIView):
    """Scan one section's students now (its teachers and the school's admins): queued for the
    worker after commit; new flags appear in the follow-ups in a minute."""

    @extend_schema(
        request=None,
        responses={202: ScanQueuedSerializer, 403: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        section = Section.objects.filter(visible_sections_q(request.user), pk=pk).first()
        if section is None:
            raise NotFound("No such section, or not one you can see.")
        if not can_teach_section(request.user, section):
            from core.errors import NotAllowed

            raise NotAllowed("Only the section's teachers scan it.")
        try:
            from followups.tasks import section_scan as task
        except ImportError:
            return Response(
                {"queued": False, "detail": "Scanning a section is not available yet."},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        from core.tasks import enqueue_after_commit

        enqueue_after_commit(task, section.pk)
        return Response(
            {"queued": True, "detail": f"Scanning {section.name} now."},
            status=status.HTTP_202_ACCEPTED,
        )
