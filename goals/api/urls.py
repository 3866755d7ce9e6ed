"""Goals API routes; the names are listed in ``goals.api.views``."""

from rest_framework.routers import DefaultRouter

from .views import ActionStepViewSet, GoalViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("goals", GoalViewSet, basename="goal")
router.register("action-steps", ActionStepViewSet, basename="action-step")

urlpatterns = router.urls
