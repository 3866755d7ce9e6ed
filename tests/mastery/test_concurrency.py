"""Concurrent evidence for the same student and competency: the record always equals a
recomputation from all evidence (QUALITY.md, reliability)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from mastery import calculation as calc
from mastery.models import Evidence, MasteryRecord
from mastery.selectors import levels_of, scale_default_for
from mastery.services import evidence_record

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_writers_leave_a_record_equal_to_a_recomputation(world, maths):
    scores = ["1", "4", "2", "3.5", "1.5", "4", "2.5", "3"]
    barrier = threading.Barrier(len(scores))
    errors: list[BaseException] = []

    def write(i: int, score: str) -> None:
        try:
            barrier.wait(timeout=10)
            evidence_record(
                actor=world.teacher,
                student=world.student,
                competency=maths.t1,
                score=score,
                observed_on=dt.date(2026, 9, 1) + dt.timedelta(days=i),
            )
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i, s)) for i, s in enumerate(scores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []

    ordered = list(
        Evidence.objects.filter(student=world.student, competency=maths.t1)
        .order_by("observed_on", "id")
        .values_list("score", flat=True)
    )
    assert len(ordered) == len(scores)
    expected = calc.rollup(
        "decaying_average",
        ordered,
        levels_of(scale=scale_default_for(school=world.school)),
        parameter=65,
    )
    record = MasteryRecord.objects.get(student=world.student, competency=maths.t1)
    assert record.evidence_count == len(scores)
    assert (record.score, record.mastered) == (expected.score, expected.mastered)
    assert record.score == Decimal(expected.score)
    assert MasteryRecord.objects.count() == 1
