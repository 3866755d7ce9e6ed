"""The application's URLs plus the bench floors. In-process bench scripts may append more floor
views here before the first request (the resolver is built lazily); the grid floor is defined
here so that gunicorn (bench/grid.py's HTTP pass) serves it too."""

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from learnhub.urls import urlpatterns as app_urlpatterns


def grid_floor(request: HttpRequest, pk: int) -> HttpResponse:
    """The grid's floor: the mastery rows the grid shows (the section's students × its learning
    targets, the columns the grid reads) in one query, answered with their count. It runs
    through the same middleware as the grid (session, user), with no check of its own."""
    from mastery.models import MasteryRecord

    rows = list(
        MasteryRecord.objects.filter(
            student__enrollments__section_id=pk,
            student__enrollments__role="student",
            student__enrollments__is_active=True,
            competency__section_links__section_id=pk,
            competency__is_leaf=True,
        )
        .order_by()
        .values_list("student_id", "competency_id", "score", "level_id", "mastered")
    )
    return HttpResponse(str(len(rows)), content_type="text/plain")


urlpatterns: list[URLPattern | URLResolver] = [
    *cast(list[URLPattern | URLResolver], app_urlpatterns),
    path("bench/floor/<int:pk>/", grid_floor),
]
