"""The mastery API: thin viewsets that parse with a serializer, call a mastery service or read
through the permission filters, and render. Every queryset is scoped to the caller."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdFilter, StrictBooleanFilter
from core.errors import NotAllowed, NotFound, ValidationFailed
from core.viewsets import ScopedViewSetMixin
from profiles.access import request_user
from profiles.models import Role, Section, User
from profiles.permissions import roles_of, visible_sections_q, visible_students_q

from ..models import Competency, Evidence, Framework, MasteryRecord, ProficiencyScale
from ..permissions import (
    can_change_evidence,
    can_review_evidence,
    visible_evidence_q,
    visible_frameworks_q,
    visible_mastery_q,
)
from ..selectors import student_progress
from ..services import (
    REVIEW_REFUSAL,
    evidence_accept,
    evidence_delete,
    evidence_record,
    evidence_record_for_class,
    evidence_return,
    evidence_submit,
    evidence_update,
)
from .serializers import (
    CompetencySerializer,
    EvidenceAcceptSerializer,
    EvidenceBulkSerializer,
    EvidenceCreateSerializer,
    EvidenceResultSerializer,
    EvidenceReturnSerializer,
    EvidenceSerializer,
    EvidenceUpdateSerializer,
    FrameworkSerializer,
    MasteryRecordSerializer,
    StudentPathwaySerializer,
)

ID = r"[0-9]+"
INVALID = OpenApiResponse(description="Invalid input: `detail` or per-field messages say what.")
REFUSED = OpenApiResponse(description="Not allowed: `detail` says who may.")
NOT_FOUND = OpenApiResponse(description="No such object, or not one you can see.")


# --- frameworks and competencies ---------------------------------------------------------------


class FrameworkViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Competency frameworks of the caller's schools, each with the scale its scores use."""

    serializer_class = FrameworkSerializer
    lookup_value_regex = ID

    def get_scoped_queryset(self) -> QuerySet[Framework]:
        default_scales = ProficiencyScale.objects.filter(is_default=True).prefetch_related("levels")
        return (
            Framework.objects.filter(visible_frameworks_q(self.request.user))
            .select_related("scale", "school")
            .prefetch_related(
                "scale__levels",
                Prefetch("school__scales", queryset=default_scales, to_attr="default_scales"),
            )
            .order_by("title", "id")
        )


class CompetencyFilter(django_filters.FilterSet):
    framework = IdFilter(field_name="framework_id")
    parent = IdFilter(field_name="parent_id")
    is_leaf = StrictBooleanFilter()
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text="Words in the code or statement."
    )
    section = IdFilter(
        method="filter_section", min_value=1, help_text="Competencies a section works on."
    )

    class Meta:
        model = Competency
        fields: list[str] = []

    def filter_search(
        self, qs: QuerySet[Competency], name: str, value: str
    ) -> QuerySet[Competency]:
        q = Q()
        for word in value.split():
            q &= (
                Q(code__icontains=word)
                | Q(statement__icontains=word)
                | Q(short_statement__icontains=word)
            )
        return qs.filter(q)

    def filter_section(
        self, qs: QuerySet[Competency], name: str, value: int
    ) -> QuerySet[Competency]:
        visible = Section.objects.filter(visible_sections_q(request_user(self.request)))
        return qs.filter(section_links__section_id=value, section_links__section__in=visible)


class CompetencyViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Competencies of the caller's schools' frameworks, in framework tree order."""

    serializer_class = CompetencySerializer
    filterset_class = CompetencyFilter
    lookup_value_regex = ID

    def get_scoped_queryset(self) -> QuerySet[Competency]:
        return (
            Competency.objects.filter(
                framework__in=Framework.objects.filter(visible_frameworks_q(self.request.user))
            )
            .prefetch_related(Prefetch("prerequisites", Competency.objects.only("id")))
            .order_by("framework_id", "sort_key", "id")
        )


# --- evidence ----------------------------------------------------------------------------------


class EvidenceFilter(django_filters.FilterSet):
    student = IdFilter(field_name="student_id")
    competency = IdFilter(field_name="competency_id")
    section = IdFilter(field_name="section_id")
    status = django_filters.ChoiceFilter(choices=Evidence.Status.choices)
    observed_after = django_filters.DateFilter(
        field_name="observed_on", lookup_expr="gte", help_text="On or after this date."
    )
    observed_before = django_filters.DateFilter(
        field_name="observed_on", lookup_expr="lte", help_text="On or before this date."
    )

    class Meta:
        model = Evidence
        fields: list[str] = []


# The services' own sentences, raised before the body is read so that someone who may not
# change a piece of evidence hears that first, whatever they sent.
CHANGE_REFUSALS = {
    "partial_update": "Only the student's teachers can change this evidence.",
    "accept": REVIEW_REFUSAL,
    "return_": REVIEW_REFUSAL,
}


class EvidenceViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
):
    """Evidence about the students the caller may see, newest first. Students and guardians see
    accepted evidence (students also their own submissions); the student's teachers and school
    admins also see submissions waiting for review.

    Creating evidence depends on who asks: when the caller posts for **themself** (a student),
    the evidence is a *submission* (``evidence_submit``: status ``submitted``, no score, kind
    prior_learning / project / self_assessment) that waits for a teacher to accept or return it.
    Anyone else posting is recording scored, *accepted* evidence (``evidence_record``), which
    only the student's teachers and school admins may do; the mastery record is recomputed in
    the same transaction and returned as ``mastery``.

    Evidence the caller can't see is a 404; evidence they can see but not change is a 403.
    """

    lookup_value_regex = ID
    filterset_class = EvidenceFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self) -> type[Any]:
        return {
            "create": EvidenceCreateSerializer,
            "partial_update": EvidenceUpdateSerializer,
            "bulk": EvidenceBulkSerializer,
            "accept": EvidenceAcceptSerializer,
            "return_": EvidenceReturnSerializer,
        }.get(self.action, EvidenceSerializer)

    def get_scoped_queryset(self) -> QuerySet[Evidence]:
        return (
            Evidence.objects.filter(visible_evidence_q(self.request.user))
            .select_related("student", "competency__framework", "author", "reviewed_by")
            .order_by("-observed_on", "-id")
        )

    def _changeable(self) -> Evidence:
        evidence = self.get_object()
        may = can_review_evidence if self.action in ("accept", "return_") else can_change_evidence
        if not may(self.request.user, evidence):
            raise NotAllowed(CHANGE_REFUSALS[self.action])
        return evidence

    def _result(self, evidence: Evidence, code: int = status.HTTP_200_OK) -> Response:
        evidence.mastery_record = (  # type: ignore[attr-defined]
            MasteryRecord.objects.filter(
                student_id=evidence.student_id, competency_id=evidence.competency_id
            )
            .select_related("level")
            .first()
        )
        return Response(EvidenceResultSerializer(evidence).data, status=code)

    @extend_schema(
        request=EvidenceCreateSerializer,
        responses={201: EvidenceResultSerializer, 400: INVALID, 403: REFUSED},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        student: User = data.pop("student")
        actor = request_user(request)
        if student.pk == actor.pk:
            refused = sorted(
                k for k in ("score", "section", "title") if data.get(k) not in (None, "")
            )
            if refused:
                raise ValidationFailed(
                    "Your teacher scores your evidence: leave out "
                    + ", ".join(refused)
                    + " and say what you did in note or link.",
                    field=refused[0],
                )
            evidence = evidence_submit(
                actor=actor,
                competency=data["competency"],
                note=data.get("note", ""),
                link=data.get("link", ""),
                observed_on=data.get("observed_on"),
                kind=data.get("kind", Evidence.Kind.PRIOR_LEARNING),
            )
        else:
            evidence = evidence_record(
                actor=actor,
                student=student,
                competency=data["competency"],
                score=data.get("score"),
                observed_on=data.get("observed_on"),
                kind=data.get("kind", Evidence.Kind.ASSESSMENT),
                title=data.get("title", ""),
                note=data.get("note", ""),
                link=data.get("link", ""),
                section=data.get("section"),
            )
        return self._result(evidence, status.HTTP_201_CREATED)

    @extend_schema(
        request=EvidenceUpdateSerializer,
        responses={200: EvidenceResultSerializer, 400: INVALID, 403: REFUSED, 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change score, date, kind, title, note or link; the mastery record is recomputed."""
        evidence = self._changeable()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = evidence_update(
            actor=request_user(request), evidence=evidence, changes=dict(serializer.validated_data)
        )
        return self._result(updated)

    @extend_schema(responses={204: None, 403: REFUSED, 404: NOT_FOUND})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete the evidence; the mastery record is recomputed without it."""
        evidence_delete(actor=request_user(request), evidence=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=EvidenceBulkSerializer,
        responses={201: EvidenceSerializer(many=True), 400: INVALID, 403: REFUSED},
        filters=False,
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """Record one assessment for a whole class in one transaction
        (``evidence_record_for_class``): if any score is invalid, nothing is written. Rows with
        an empty score are students not assessed. Returns the evidence created."""
        actor = request_user(request)
        if not (actor.is_superuser or roles_of(actor) & {Role.TEACHER, Role.ADMIN}):
            raise NotAllowed("Only the class's teachers can record its scores.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = evidence_record_for_class(
            actor=actor,
            section=data["section"],
            competency=data["competency"],
            scores={row["student"]: row["score"] for row in data["scores"]},
            observed_on=data.get("observed_on"),
            kind=data["kind"],
            title=data["title"],
            note=data["note"],
        )
        return Response(EvidenceSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=EvidenceAcceptSerializer,
        responses={200: EvidenceResultSerializer, 400: INVALID, 403: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept a student's submission with a score; the mastery record is recomputed. The
        teachers of the student's sections where the target is taught, and school admins, review
        (decision 0020)."""
        evidence = self._changeable()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accepted = evidence_accept(
            actor=request_user(request),
            evidence=evidence,
            score=serializer.validated_data["score"],
            comment=serializer.validated_data["comment"],
        )
        return self._result(accepted)

    @extend_schema(
        request=EvidenceReturnSerializer,
        responses={200: EvidenceResultSerializer, 400: INVALID, 403: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        """Return a student's submission with a comment saying what to add or change (the same
        reviewers as ``accept``)."""
        evidence = self._changeable()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        returned = evidence_return(
            actor=request_user(request),
            evidence=evidence,
            comment=serializer.validated_data["comment"],
        )
        return self._result(returned)


# --- mastery records ---------------------------------------------------------------------------


class MasteryRecordFilter(django_filters.FilterSet):
    student = IdFilter(field_name="student_id")
    competency = IdFilter(field_name="competency_id")
    framework = IdFilter(field_name="competency__framework_id")
    mastered = StrictBooleanFilter()

    class Meta:
        model = MasteryRecord
        fields: list[str] = []


class MasteryRecordViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Mastery records of the students the caller may see: one per student × competency,
    always equal to a recomputation from all accepted evidence."""

    serializer_class = MasteryRecordSerializer
    filterset_class = MasteryRecordFilter
    lookup_value_regex = ID

    def get_scoped_queryset(self) -> QuerySet[MasteryRecord]:
        return (
            MasteryRecord.objects.filter(visible_mastery_q(self.request.user))
            .select_related("level")
            .order_by("student_id", "competency_id")
        )


# --- a student's pathway -----------------------------------------------------------------------


class StudentPathwayViewSet(ScopedViewSetMixin):
    """``students/{id}/pathway/``: where a student stands on each framework they work on."""

    lookup_value_regex = ID
    serializer_class = StudentPathwaySerializer
    pagination_class = None
    filter_backends: list[Any] = []

    def get_scoped_queryset(self) -> QuerySet[User]:
        # The rule of profiles.selectors.student_get_for_viewer, without the card's prefetches.
        return User.objects.filter(visible_students_q(self.request.user))

    @extend_schema(responses={200: StudentPathwaySerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def pathway(self, request: Request, pk: str | None = None) -> Response:
        """Per framework the student works on, every learning target with its status —
        ``mastered``, ``in_progress`` (has evidence), ``ready`` (prerequisites mastered) or
        ``locked`` — its level and score, and the prerequisites still missing."""
        student = self.get_queryset().filter(pk=int(pk or 0)).first()
        if student is None:
            raise NotFound("No such student, or not one you can see.")
        progress = student_progress(viewer=request.user, student=student)
        return Response(
            StudentPathwaySerializer({"student": student.pk, "frameworks": progress}).data
        )
