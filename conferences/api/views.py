"""The conferences API: templates, windows (with family booking), slots, conferences with their
agenda, transitions and RSVP, work samples and commitments.

Scoped like the pages (``conferences.selectors``): a conference the caller can't see is a 404;
one they see but may not change is a 403 with the service's sentence; a transition the status
doesn't allow is a 400 with code ``invalid_transition``. Every write goes through
``conferences.services``.

Route names (namespace ``api``): ``conference-template-list|detail``,
``conference-window-list|detail``, ``conference-window-book``, ``conference-slot-list|detail``,
``conference-list|detail``, ``conference-agenda``, ``conference-submit``, ``conference-return``,
``conference-approve``, ``conference-hold``, ``conference-cancel``, ``conference-schedule``,
``conference-rsvp``, ``conference-next-goals``, ``conference-drafts``,
``work-sample-list|detail``, ``commitment-list|detail``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdFilter
from core.errors import NotFound, ValidationFailed
from core.viewsets import ScopedViewSetMixin
from goals.api.serializers import GoalSerializer
from profiles.access import request_user

from .. import services as svc
from ..models import (
    Attendee,
    Commitment,
    Conference,
    ConferenceSlot,
    ConferenceWindow,
    WorkSample,
)
from ..permissions import staff_school_ids, visible_conferences_q
from ..selectors import (
    agenda_assemble,
    conference_list_for_viewer,
    slot_list_for_viewer,
    template_list_for_viewer,
    window_list_for_viewer,
)
from .serializers import (
    AgendaSectionWriteSerializer,
    AgendaSerializer,
    BookingSerializer,
    CancelSerializer,
    CommentSerializer,
    CommitmentCreateSerializer,
    CommitmentSerializer,
    CommitmentUpdateSerializer,
    ConferenceSerializer,
    ConferenceSlotSerializer,
    ConferenceTemplateSerializer,
    ConferenceWindowSerializer,
    NextGoalCreateSerializer,
    NextGoalSerializer,
    ReturnSerializer,
    RsvpSerializer,
    ScheduleSerializer,
    SlotCreateSerializer,
    WorkSampleCreateSerializer,
    WorkSampleSerializer,
    WorkSampleUpdateSerializer,
)

ID = r"[0-9]+"
INVALID = OpenApiResponse(
    description="Invalid input, or a transition the status doesn't allow "
    '(`code` "invalid_transition"): `detail` or per-field messages say what.'
)
REFUSED = OpenApiResponse(description="Not allowed: `detail` says who may.")
NOT_FOUND = OpenApiResponse(description="No such conference, or not one you can see.")
CONFLICT = OpenApiResponse(
    description="Someone saved since `version`, a slot is full, or a family's times overlap: "
    "nothing was written."
)
WRITE_ERRORS = {400: INVALID, 403: REFUSED, 404: NOT_FOUND, 409: CONFLICT}


def _body(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class TemplateViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Conference templates of the caller's schools, with their ordered sections (edited by
    school admins in the admin)."""

    lookup_value_regex = ID
    serializer_class = ConferenceTemplateSerializer
    filter_backends: list[Any] = []

    def get_scoped_queryset(self) -> QuerySet[Any]:
        return template_list_for_viewer(viewer=self.request.user)


class WindowViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Conference windows of the caller's schools; families ``book`` their children's times."""

    lookup_value_regex = ID
    serializer_class = ConferenceWindowSerializer
    filter_backends: list[Any] = []

    def get_scoped_queryset(self) -> QuerySet[Any]:
        return window_list_for_viewer(viewer=self.request.user)

    @extend_schema(
        request=BookingSerializer, responses={200: ConferenceSerializer(many=True), **WRITE_ERRORS}
    )
    @action(detail=True, methods=["post"], serializer_class=BookingSerializer)
    def book(self, request: Request, pk: str | None = None) -> Response:
        """A guardian books all their children at once; the times may not overlap."""
        window: ConferenceWindow = self.get_object()
        body = _body(BookingSerializer, request)
        booked = svc.family_book(
            actor=request_user(request),
            window=window,
            choices={b["student"]: b["slot"] for b in body["bookings"]},
            interpreter_language=body.get("interpreter_language"),
        )
        return Response(
            ConferenceSerializer(
                _fresh([c.pk for c in booked]), many=True, context=_context(request)
            ).data
        )


class SlotFilter(django_filters.FilterSet):
    window = IdFilter(field_name="window_id")
    advisor = IdFilter(field_name="advisor_id")

    class Meta:
        model = ConferenceSlot
        fields: list[str] = []


class SlotViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Slots: staff see all of their school's; students and families the open ones. An advisor
    adds their own slots and blocks their away times (before booking opens)."""

    lookup_value_regex = ID
    filterset_class = SlotFilter

    def get_serializer_class(self) -> type[Any]:
        return SlotCreateSerializer if self.action == "create" else ConferenceSlotSerializer

    def get_scoped_queryset(self) -> QuerySet[Any]:
        return slot_list_for_viewer(viewer=self.request.user)

    @extend_schema(
        request=SlotCreateSerializer,
        responses={201: ConferenceSlotSerializer, 400: INVALID, 403: REFUSED, 409: CONFLICT},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The caller's own slot (or blocked time). An advisor is never in two at once."""
        body = _body(SlotCreateSerializer, request)
        slot = svc.slot_create(actor=request_user(request), advisor=request_user(request), **body)
        fresh = slot_list_for_viewer(viewer=request.user).get(pk=slot.pk)
        return Response(ConferenceSlotSerializer(fresh).data, status=status.HTTP_201_CREATED)


def _context(request: Request) -> dict[str, Any]:
    return {"request": request, "staff_schools": set(staff_school_ids(request.user))}


def _fresh(ids: list[int]) -> QuerySet[Conference]:
    return _with_people(
        Conference.objects.filter(pk__in=ids).select_related("slot", "window").order_by("id")
    )


def _with_people(qs: QuerySet[Conference]) -> QuerySet[Conference]:
    return qs.prefetch_related(
        Prefetch("attendees", Attendee.objects.select_related("user").order_by("role", "id"))
    )


class ConferenceFilter(django_filters.FilterSet):
    window = IdFilter(field_name="window_id")
    student = IdFilter(field_name="student_id")
    status = django_filters.ChoiceFilter(choices=Conference.Status.choices)

    class Meta:
        model = Conference
        fields: list[str] = []


class ConferenceViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Conferences the caller may see: a student their own, a guardian their children's, a
    teacher their students', a school admin everyone's at their school.

    Life: ``scheduled`` → (the student saves a section) ``preparing`` → ``submit`` →
    ``submitted`` → ``approve`` → ``ready`` (or ``return`` → ``preparing``) → ``hold`` →
    ``held``; ``cancel`` from any state before held."""

    lookup_value_regex = ID
    filterset_class = ConferenceFilter
    serializer_class = ConferenceSerializer

    def get_scoped_queryset(self) -> QuerySet[Conference]:
        return _with_people(conference_list_for_viewer(viewer=self.request.user))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **_context(self.request)}

    def _present(self, conference: Conference) -> Response:
        return Response(
            ConferenceSerializer(_fresh([conference.pk]).get(), context=_context(self.request)).data
        )

    @extend_schema(methods=["GET"], request=None, responses={200: AgendaSerializer, 404: NOT_FOUND})
    @extend_schema(
        methods=["POST"],
        request=AgendaSectionWriteSerializer,
        responses={200: AgendaSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def agenda(self, request: Request, pk: str | None = None) -> Response:
        """The agenda assembled from the template and the student's own data; POST: the
        student saves one section's answer (send the section's ``version`` you read)."""
        conference = self.get_object()
        if request.method == "POST":
            body = _body(AgendaSectionWriteSerializer, request)
            section = conference.window.template.sections.filter(pk=body["section"]).first()
            if section is None:
                raise ValidationFailed("That section isn't on this agenda.", field="section")
            svc.agenda_item_save(
                actor=request_user(request),
                conference=conference,
                section=section,
                response=body["response"],
                expected_version=body.get("version"),
            )
            conference = self.get_object()
        agenda = agenda_assemble(viewer=request.user, conference=conference)
        return Response(AgendaSerializer(agenda).data)

    @extend_schema(request=None, responses={200: ConferenceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """The student sends the prepared agenda to their advisor."""
        return self._present(
            svc.conference_submit(actor=request_user(request), conference=self.get_object())
        )

    @extend_schema(request=ReturnSerializer, responses={200: ConferenceSerializer, **WRITE_ERRORS})
    @action(
        detail=True,
        methods=["post"],
        url_path="return",
        url_name="return",
        filter_backends=[],
        serializer_class=ReturnSerializer,
    )
    def return_(self, request: Request, pk: str | None = None) -> Response:
        """The advisor returns the agenda with a comment (and per-section comments)."""
        conference = self.get_object()
        body = _body(ReturnSerializer, request)
        return self._present(
            svc.conference_return(
                actor=request_user(request),
                conference=conference,
                comment=body["comment"],
                section_comments=_section_comments(body),
            )
        )

    @extend_schema(request=CommentSerializer, responses={200: ConferenceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=CommentSerializer)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """The advisor approves the agenda: the conference is ready."""
        conference = self.get_object()
        body = _body(CommentSerializer, request)
        return self._present(
            svc.conference_approve(
                actor=request_user(request),
                conference=conference,
                comment=body.get("comment", ""),
                section_comments=_section_comments(body),
            )
        )

    @extend_schema(request=None, responses={200: ConferenceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def hold(self, request: Request, pk: str | None = None) -> Response:
        """The advisor marks a ready conference held, once its time has come."""
        return self._present(
            svc.conference_hold(actor=request_user(request), conference=self.get_object())
        )

    @extend_schema(request=CancelSerializer, responses={200: ConferenceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=CancelSerializer)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        conference = self.get_object()
        body = _body(CancelSerializer, request)
        return self._present(
            svc.conference_cancel(
                actor=request_user(request), conference=conference, reason=body.get("reason", "")
            )
        )

    @extend_schema(
        request=ScheduleSerializer, responses={200: ConferenceSerializer, **WRITE_ERRORS}
    )
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=ScheduleSerializer)
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        """The advisor or a school admin puts the conference in a slot (``null``: none)."""
        conference = self.get_object()
        body = _body(ScheduleSerializer, request)
        return self._present(
            svc.conference_schedule(
                actor=request_user(request), conference=conference, slot=body["slot"]
            )
        )

    @extend_schema(request=RsvpSerializer, responses={200: ConferenceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=RsvpSerializer)
    def rsvp(self, request: Request, pk: str | None = None) -> Response:
        """An invited person answers: ``accepted``, or ``another_time`` with a note."""
        conference = self.get_object()
        body = _body(RsvpSerializer, request)
        svc.rsvp_respond(
            actor=request_user(request),
            conference=conference,
            response=body["response"],
            note=body.get("note", ""),
        )
        return self._present(conference)

    @extend_schema(
        request=NextGoalCreateSerializer,
        responses={201: NextGoalSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="next-goals",
        url_name="next-goals",
        filter_backends=[],
        serializer_class=NextGoalCreateSerializer,
    )
    def next_goals(self, request: Request, pk: str | None = None) -> Response:
        """A goal for next term (the student while preparing; the advisor at the conference)."""
        conference = self.get_object()
        body = _body(NextGoalCreateSerializer, request)
        goal = svc.next_goal_add(
            actor=request_user(request),
            conference=conference,
            title=body["title"],
            why=body.get("why", ""),
            category=body.get("category"),
        )
        return Response(NextGoalSerializer(goal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: GoalSerializer(many=True), **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def drafts(self, request: Request, pk: str | None = None) -> Response:
        """After the conference: every next-term goal becomes the student's draft goal."""
        goals = svc.next_goals_to_drafts(actor=request_user(request), conference=self.get_object())
        for goal in goals:
            goal.latest_progress = None
            goal.latest_confidence = None
        return Response(GoalSerializer(goals, many=True).data)


def _section_comments(body: dict[str, Any]) -> dict[int, str]:
    out: dict[int, str] = {}
    for key, text in (body.get("section_comments") or {}).items():
        if not (str(key).isascii() and str(key).isdigit()):
            raise ValidationFailed("Section comments are keyed by section id.", field="section")
        out[int(key)] = text
    return out


def _visible_conferences(request: Request) -> QuerySet[Conference]:
    return Conference.objects.filter(visible_conferences_q(request.user))


class WorkSampleViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Work samples of the conferences the caller may see; the student picks and reflects."""

    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends: list[Any] = []

    def get_serializer_class(self) -> type[Any]:
        return {
            "create": WorkSampleCreateSerializer,
            "partial_update": WorkSampleUpdateSerializer,
        }.get(self.action, WorkSampleSerializer)

    def get_scoped_queryset(self) -> QuerySet[WorkSample]:
        return (
            WorkSample.objects.filter(conference__in=_visible_conferences(self.request))
            .select_related("conference")
            .order_by("conference_id", "order", "id")
        )

    @extend_schema(
        request=WorkSampleCreateSerializer, responses={201: WorkSampleSerializer, **WRITE_ERRORS}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = _body(WorkSampleCreateSerializer, request)
        sample = svc.work_sample_add(actor=request_user(request), **body)
        return Response(WorkSampleSerializer(sample).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=WorkSampleUpdateSerializer, responses={200: WorkSampleSerializer, **WRITE_ERRORS}
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sample = self.get_object()
        body = _body(WorkSampleUpdateSerializer, request)
        return Response(
            WorkSampleSerializer(
                svc.work_sample_update(actor=request_user(request), sample=sample, **body)
            ).data
        )

    @extend_schema(exclude=True)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        svc.work_sample_remove(actor=request_user(request), sample=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommitmentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Commitments (who, what, by when) of the conferences the caller may see; written at the
    conference, marked kept or not afterwards."""

    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends: list[Any] = []

    def get_serializer_class(self) -> type[Any]:
        return {
            "create": CommitmentCreateSerializer,
            "partial_update": CommitmentUpdateSerializer,
        }.get(self.action, CommitmentSerializer)

    def get_scoped_queryset(self) -> QuerySet[Commitment]:
        return (
            Commitment.objects.filter(conference__in=_visible_conferences(self.request))
            .select_related("conference__window", "conference__advisor")
            .order_by("conference_id", "who", "id")
        )

    @extend_schema(
        request=CommitmentCreateSerializer, responses={201: CommitmentSerializer, **WRITE_ERRORS}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = _body(CommitmentCreateSerializer, request)
        conference = body.pop("conference")
        if not _visible_conferences(request).filter(pk=conference.pk).exists():
            raise NotFound("No such conference, or not one you can see.")
        commitment = svc.commitment_add(actor=request_user(request), conference=conference, **body)
        return Response(CommitmentSerializer(commitment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CommitmentUpdateSerializer, responses={200: CommitmentSerializer, **WRITE_ERRORS}
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark a commitment kept, not kept, or not reviewed yet."""
        commitment = self.get_object()
        body = _body(CommitmentUpdateSerializer, request)
        return Response(
            CommitmentSerializer(
                svc.commitment_review(
                    actor=request_user(request), commitment=commitment, outcome=body["outcome"]
                )
            ).data
        )

    @extend_schema(exclude=True)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)
