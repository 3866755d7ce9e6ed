"""Conferences API routes; the names are listed in ``conferences.api.views``."""

from rest_framework.routers import DefaultRouter

from .views import (
    CommitmentViewSet,
    ConferenceViewSet,
    SlotViewSet,
    TemplateViewSet,
    WindowViewSet,
    WorkSampleViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("conference-templates", TemplateViewSet, basename="conference-template")
router.register("conference-windows", WindowViewSet, basename="conference-window")
router.register("conference-slots", SlotViewSet, basename="conference-slot")
router.register("conferences", ConferenceViewSet, basename="conference")
router.register("work-samples", WorkSampleViewSet, basename="work-sample")
router.register("commitments", CommitmentViewSet, basename="commitment")

urlpatterns = router.urls
