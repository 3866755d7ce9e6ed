from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdFilter
from core.parsers import SafeJSONParser
from core.viewsets import ScopedViewSetMixin

from ..access import request_user
from ..models import (
    STAFF_ONLY_FIELDS,
    STUDENT_VOICE_FIELDS,
    GuardianLink,
    LearnerProfile,
    Section,
    User,
)
from ..permissions import staff_students_q, visible_students_q
from ..selectors import (
    guardian_link_list_for_viewer,
    section_list_for_viewer,
    section_teachers_prefetch,
    student_list_for_viewer,
    student_search_q,
)
from ..services import learner_profile_update
from .serializers import (
    GuardianLinkSerializer,
    LearnerProfileSerializer,
    SectionSerializer,
    StudentSerializer,
)


class StudentFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=100)
    section = IdFilter(method="filter_section")
    grade_level = django_filters.CharFilter(field_name="memberships__grade_level", max_length=16)

    class Meta:
        model = User
        fields: list[str] = []

    def filter_search(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return qs.filter(student_search_q(value))

    def filter_section(self, qs: QuerySet[User], name: str, value: int) -> QuerySet[User]:
        return qs.filter(
            enrollments__section_id=value, enrollments__role="student", enrollments__is_active=True
        )


class StudentViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Students the caller may see: themself, their children, their sections' students, or
    their school's."""

    serializer_class = StudentSerializer
    filterset_class = StudentFilter

    def get_scoped_queryset(self) -> QuerySet[User]:
        return student_list_for_viewer(viewer=self.request.user)


class ProfileFilter(django_filters.FilterSet):
    student = IdFilter(field_name="student_id")

    class Meta:
        model = LearnerProfile
        fields: list[str] = []


class LearnerProfileViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
):
    """Learner profiles, looked up by the student's id. Changing one needs the ``version`` you
    read; if someone saved in between you get a 409 and nothing is overwritten."""

    serializer_class = LearnerProfileSerializer
    filterset_class = ProfileFilter
    lookup_field = "student_id"
    lookup_url_kwarg = "student"
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "patch", "head", "options"]

    def get_scoped_queryset(self) -> QuerySet[LearnerProfile]:
        return (
            LearnerProfile.objects.filter(
                student__in=User.objects.filter(visible_students_q(self.request.user))
            )
            .select_related("updated_by")
            .order_by("student__family_name", "student__given_name", "student_id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            context["staff_student_ids"] = set()
        else:
            context["staff_student_ids"] = set(
                User.objects.filter(staff_students_q(self.request.user)).values_list(
                    "pk", flat=True
                )
            )
        return context

    @extend_schema(
        responses={
            200: LearnerProfileSerializer,
            400: OpenApiResponse(description="Invalid input."),
            403: OpenApiResponse(description="Not allowed to change these fields."),
            409: OpenApiResponse(description="Someone saved since `version`; nothing written."),
        }
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        profile = self.get_object()
        serializer = self.get_serializer(profile, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            from core.errors import ValidationFailed

            raise ValidationFailed(
                "Send the profile's current version with your change.", field="version"
            )
        version = data.pop("version")
        changes = {k: v for k, v in data.items() if k in STUDENT_VOICE_FIELDS + STAFF_ONLY_FIELDS}
        updated = learner_profile_update(
            actor=request_user(request),
            student=profile.student,
            expected_version=version,
            changes=changes,
        )
        return Response(self.get_serializer(updated).data)

    @extend_schema(exclude=True)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)


class SectionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Section.Kind.choices)

    class Meta:
        model = Section
        fields: list[str] = []


class SectionViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Sections the caller teaches or attends, their children's sections, or their school's."""

    serializer_class = SectionSerializer
    filterset_class = SectionFilter

    def get_scoped_queryset(self) -> QuerySet[Section]:
        return section_list_for_viewer(viewer=self.request.user).prefetch_related(
            section_teachers_prefetch()
        )


class GuardianLinkFilter(django_filters.FilterSet):
    student = IdFilter(field_name="student_id")

    class Meta:
        model = GuardianLink
        fields: list[str] = []


class GuardianLinkViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Guardian links: who is whose guardian, as far as the caller may know."""

    serializer_class = GuardianLinkSerializer
    filterset_class = GuardianLinkFilter

    def get_scoped_queryset(self) -> QuerySet[Any]:
        return guardian_link_list_for_viewer(viewer=self.request.user).filter(is_active=True)


class TokenSerializer(AuthTokenSerializer):
    """DRF's token login with the limits of the login page: an email is at most 254 characters,
    a password at most 4,096 (anything longer is a 400, not work for the password hasher)."""

    username = serializers.CharField(label="Email", max_length=254, write_only=True)
    password = serializers.CharField(
        label="Password",
        max_length=4096,
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class TokenView(ObtainAuthToken):
    """POST an email and password, get the API token to send as ``Authorization: Token <key>``."""

    serializer_class = TokenSerializer
    parser_classes = [SafeJSONParser, FormParser, MultiPartParser]  # hostile JSON is a 400 too

    @extend_schema(
        request=TokenSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Wrong email or password, or a field too long."),
            403: OpenApiResponse(description="Locked out after too many failed attempts."),
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
