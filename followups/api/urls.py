"""Followups API routes; the names are listed in ``followups.api.views``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import AttendanceViewSet, FlagViewSet, FollowUpViewSet, SectionScanView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("flags", FlagViewSet, basename="flag")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("attendance", AttendanceViewSet, basename="attendance")

urlpatterns = [
    path("sections/<int:pk>/scan/", SectionScanView.as_view(), name="section-scan"),
    *router.urls,
]
