from rest_framework.routers import DefaultRouter

from .views import (
    CompetencyViewSet,
    EvidenceViewSet,
    FrameworkViewSet,
    MasteryRecordViewSet,
    StudentPathwayViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("frameworks", FrameworkViewSet, basename="framework")
router.register("competencies", CompetencyViewSet, basename="competency")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("mastery-records", MasteryRecordViewSet, basename="mastery-record")
# Only the pathway action: its URL name is "student-pathway" (students/{pk}/pathway/).
router.register("students", StudentPathwayViewSet, basename="student")

urlpatterns = router.urls
