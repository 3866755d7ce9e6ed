"""Mastery pages run the same number of queries at two class sizes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mastery.models import Evidence
from mastery.services import evidence_record, evidence_submit, mastery_recompute
from tests import factories as f


def _grow(world, maths, n: int) -> None:
    """n more students in Math 7, each with evidence on three targets and a submission."""
    kids = [f.student(world.school) for _ in range(n)]
    f.enroll(world.math, *kids)
    rows = [
        Evidence(
            student=k, competency=c, score=s, observed_on=dt.date(2026, 9, 10), author=world.teacher
        )
        for k in kids
        for c, s in ((maths.t1, 4), (maths.t2, 2), (maths.t4, 3))
    ]
    Evidence.objects.bulk_create(rows)
    mastery_recompute(pairs=[(e.student_id, e.competency_id) for e in rows])
    for k in kids:
        evidence_submit(actor=k, competency=maths.t3, note="Made a budget")


def _count(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


PAGES = [
    # 6: session; user with their roles and zone (profiles.backends); section with the
    # teaches-it check; targets, levels and pacing dates; students with their cells; the nav's
    # open follow-ups
    ("teacher", lambda w, m: reverse("section-grid", args=[w.math.pk]), {}, 6),
    ("teacher", lambda w, m: reverse("section-grid", args=[w.math.pk]), {"sort": "behind"}, 6),
    ("teacher", lambda w, m: reverse("section-grid-csv", args=[w.math.pk]), {}, 12),
    ("teacher", lambda w, m: reverse("section-record", args=[w.math.pk]), {}, 14),
    ("teacher", lambda w, m: reverse("evidence-review"), {}, 12),
    (
        "guardian",
        lambda w, m: reverse("student-progress", args=[w.student.pk]),
        {},
        19,
    ),  # +3: the levels recent evidence is shown as, the advisor to contact, the school's today
    ("student", lambda w, m: reverse("my-mastery"), {}, 16),
]


@pytest.mark.parametrize(("persona", "url", "params", "bound"), PAGES)
def test_mastery_page_queries_do_not_grow_with_the_class(
    world, maths, client, persona, url, params, bound
):
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t1,
        score=4,
        observed_on=dt.date(2026, 9, 10),
    )
    client.force_login(getattr(world, persona))
    _grow(world, maths, 3)
    small = _count(client, url(world, maths), **params)
    _grow(world, maths, 25)
    large = _count(client, url(world, maths), **params)
    assert small == large, f"{small} queries with 4 students, {large} with 29"
    assert large <= bound, f"{large} queries (bound {bound})"
