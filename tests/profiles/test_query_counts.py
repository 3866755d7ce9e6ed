"""Every list page and API endpoint runs the same number of queries at two sizes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles.models import Enrollment, Section
from tests import factories as f


def _grow(world, n: int) -> None:
    """Add n students to the teacher's advisory and math class, each with a guardian; the
    world guardian gets n more children."""
    for i in range(n):
        kid = f.student(world.school, email=f"kid{i}@example.org")
        f.enroll(world.advisory, kid)
        f.enroll(world.math, kid)
        f.guardian(world.school, kid)
        from profiles.models import GuardianLink

        GuardianLink.objects.create(guardian=world.guardian, student=kid)
    for i in range(n // 4):
        s = f.SectionFactory(school=world.school, name=f"Elective {i}", kind=Section.Kind.CLASS)
        f.enroll(s, world.teacher, role=Enrollment.Role.TEACHER)


def _count(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


PAGES = [
    ("teacher", lambda w: reverse("teacher-home"), {}),
    ("teacher", lambda w: reverse("teacher-home"), {"q": "example"}),
    ("teacher", lambda w: reverse("section-detail", args=[w.math.pk]), {}),
    ("guardian", lambda w: reverse("family-home"), {}),
    ("teacher", lambda w: reverse("student-detail", args=[w.student.pk]), {}),
    ("admin", lambda w: reverse("api:student-list"), {}),
    ("admin", lambda w: reverse("api:profile-list"), {}),
    ("admin", lambda w: reverse("api:section-list"), {}),
    ("admin", lambda w: reverse("api:guardian-link-list"), {}),
    ("teacher", lambda w: reverse("api:student-list"), {}),
]


@pytest.mark.parametrize(("persona", "url", "params"), PAGES)
def test_query_count_does_not_grow_with_the_school(world, client, persona, url, params):
    client.force_login(getattr(world, persona))
    _grow(world, 5)
    small = _count(client, url(world), **params)
    _grow_more = 30
    for i in range(_grow_more):
        kid = f.student(world.school, email=f"more{i}@example.org")
        f.enroll(world.advisory, kid)
        f.enroll(world.math, kid)
        from profiles.models import GuardianLink

        GuardianLink.objects.create(guardian=world.guardian, student=kid)
    large = _count(client, url(world), **params)
    assert small == large, f"{small} queries with 7 students, {large} with 37"
    # 14, plus the open-flag count in a teacher's navigation and the flag markers on the cards.
    assert large <= 16
