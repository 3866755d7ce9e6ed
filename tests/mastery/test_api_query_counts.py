"""Every mastery API list runs the same number of queries at two sizes, and few of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mastery.models import (
    Competency,
    Framework,
    Prerequisite,
    ProficiencyLevel,
    ProficiencyScale,
)
from mastery.services import (
    evidence_accept,
    evidence_record_for_class,
    evidence_submit,
    framework_link_sections,
)
from tests import factories as f

DAY = dt.date(2026, 10, 1)


def _grow(world, maths, n: int, tag: str) -> None:
    """n more students in Math 7, scored on two targets, each with an accepted submission; n
    more frameworks (every other one on its own scale) with prerequisite chains, linked to
    Math 7."""
    kids = []
    for i in range(n):
        kid = f.student(world.school, email=f"{tag}{i}@example.org")
        f.enroll(world.math, kid)
        f.guardian(world.school, kid)
        world.guardian.child_links.create(student=kid)
        kids.append(kid)
    for target, score in ((maths.t1, 3), (maths.t4, 2)):
        evidence_record_for_class(
            actor=world.teacher,
            section=world.math,
            competency=target,
            scores={k.pk: score for k in [world.student, *kids]},
            observed_on=DAY,
        )
    for kid in kids:
        submitted = evidence_submit(actor=kid, competency=maths.t3, note="My project")
        evidence_accept(actor=world.admin, evidence=submitted, score=4, comment="Yes")
    for i in range(n):
        scale = None
        if i % 2:
            scale = ProficiencyScale.objects.create(school=world.school, name=f"{tag} scale {i}")
            ProficiencyLevel.objects.create(scale=scale, points=2, label="Got it", is_mastery=True)
            ProficiencyLevel.objects.create(scale=scale, points=1, label="Not yet")
        fw = Framework.objects.create(
            school=world.school, title=f"{tag} {i}", identifier=f"{tag}-{i}", scale=scale
        )
        previous = None
        for j in range(3):
            leaf = Competency.objects.create(
                framework=fw, identifier=f"{tag}-{i}-{j}", code=f"{tag}.{i}.{j}", statement="x"
            )
            if previous is not None:
                Prerequisite.objects.create(competency=leaf, prerequisite=previous)
            previous = leaf
        framework_link_sections(framework=fw, sections=[world.math])


def _count(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


ENDPOINTS = [
    ("teacher", lambda w: reverse("api:framework-list"), {}),
    ("student", lambda w: reverse("api:framework-list"), {}),
    ("teacher", lambda w: reverse("api:competency-list"), {}),
    ("teacher", lambda w: reverse("api:competency-list"), {"section": "math"}),
    ("teacher", lambda w: reverse("api:evidence-list"), {}),
    ("admin", lambda w: reverse("api:evidence-list"), {"status": "accepted"}),
    ("guardian", lambda w: reverse("api:evidence-list"), {}),
    ("teacher", lambda w: reverse("api:mastery-record-list"), {}),
    ("guardian", lambda w: reverse("api:mastery-record-list"), {"mastered": "true"}),
    ("teacher", lambda w: reverse("api:student-pathway", args=[w.student.pk]), {}),
    ("guardian", lambda w: reverse("api:student-pathway", args=[w.student.pk]), {}),
]


@pytest.mark.parametrize(("persona", "url", "params"), ENDPOINTS)
def test_query_count_does_not_grow_with_the_school(world, maths, client, persona, url, params):
    client.force_login(getattr(world, persona))
    params = {k: world.math.pk if v == "math" else v for k, v in params.items()}
    _grow(world, maths, 2, "small")
    small = _count(client, url(world), params)
    _grow(world, maths, 8, "large")
    large = _count(client, url(world), params)
    assert small == large, f"{small} queries at the small size, {large} at the large one"
    assert large <= 12
