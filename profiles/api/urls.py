from rest_framework.routers import DefaultRouter

from .views import GuardianLinkViewSet, LearnerProfileViewSet, SectionViewSet, StudentViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("students", StudentViewSet, basename="student")
router.register("profiles", LearnerProfileViewSet, basename="profile")
router.register("sections", SectionViewSet, basename="section")
router.register("guardians", GuardianLinkViewSet, basename="guardian-link")

urlpatterns = router.urls
