"""The running tally of accepted scores (mastery.ScoreTally) always equals a recomputation of the
evidence, whatever writes it: one row, bulk inserts, updates of any field that counts, queryset
updates and deletes, a framework or a student deleted, two writers at once (decision 0032)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from decimal import Decimal
from itertools import accumulate

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mastery.models import Competency, Evidence, Framework, ScoreTally
from mastery.services import evidence_record, score_tally_rebuild

DAY0 = dt.date(2026, 9, 1)


def expected_tally() -> dict[tuple[int, int, dt.date], tuple[int, Decimal]]:
    """The tally recomputed in Python from every accepted score."""
    per_day: dict[tuple[int, int], dict[dt.date, list[Decimal]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for student_id, framework_id, day, score in Evidence.objects.filter(
        status=Evidence.Status.ACCEPTED, score__isnull=False
    ).values_list("student_id", "competency__framework_id", "observed_on", "score"):
        per_day[(student_id, framework_id)][day].append(score)
    result = {}
    for (student_id, framework_id), days in per_day.items():
        ordered = sorted(days)
        counts = accumulate(len(days[d]) for d in ordered)
        sums = accumulate(sum(days[d], Decimal(0)) for d in ordered)
        for day, n, total in zip(ordered, counts, sums, strict=True):
            result[(student_id, framework_id, day)] = (n, total)
    return result


def stored_tally() -> dict[tuple[int, int, dt.date], tuple[int, Decimal]]:
    return {
        (t.student_id, t.framework_id, t.day): (t.scores, t.score_sum)
        for t in ScoreTally.objects.all()
    }


@pytest.fixture
def science(world, maths) -> Competency:
    """A target in a second framework of the school."""
    fw = Framework.objects.create(school=world.school, title="Science 7", identifier="fw-sci-7")
    return Competency.objects.create(
        framework=fw, identifier="sci1", code="S.1", statement="Plan an investigation"
    )


def _evidence(student, competency, day: int, score: str, status: str = "accepted") -> Evidence:
    return Evidence(
        student=student,
        competency=competency,
        observed_on=DAY0 + dt.timedelta(days=day),
        score=Decimal(score) if score else None,
        status=status,
    )


# One write: (operation, student index, target index, day, score, status)
_write = st.tuples(
    st.sampled_from(["add", "bulk", "score", "status", "day", "move", "student", "update", "del"]),
    st.integers(0, 1),
    st.integers(0, 2),
    st.integers(0, 20),
    st.sampled_from(["1", "2.5", "3", "4", "0"]),
    st.sampled_from(["accepted", "accepted", "submitted", "returned"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(writes=st.lists(_write, min_size=1, max_size=12))
def test_the_tally_equals_a_recomputation_after_any_writes(world, maths, science, writes):
    Evidence.objects.all().delete()
    assert ScoreTally.objects.count() == 0
    students = [world.student, world.other_student]
    targets = [maths.t1, maths.t2, science]
    for op, s, t, day, score, status in writes:
        student, target = students[s], targets[t]
        row = Evidence.objects.order_by("id").first()
        if op == "add" or row is None:
            ev = _evidence(student, target, day, score, status)
            ev.save()
        elif op == "bulk":
            Evidence.objects.bulk_create(
                [
                    _evidence(student, target, day, score, status),
                    _evidence(student, targets[0], 0, "2"),
                ]
            )
        elif op == "score":
            row.score = Decimal(score)
            row.save()
        elif op == "status":
            row.status = status
            row.score = row.score if row.score is not None else Decimal(score)
            row.save()
        elif op == "day":
            row.observed_on = DAY0 + dt.timedelta(days=day)
            row.save()
        elif op == "move":  # to a target of another framework, maybe
            row.competency = target
            row.save()
        elif op == "student":
            row.student = student
            row.save()
        elif op == "update":  # one statement over many rows
            Evidence.objects.filter(student=student).update(
                observed_on=DAY0 + dt.timedelta(days=day)
            )
        elif day % 2:  # "del": one row, or a student's rows in one statement
            Evidence.objects.filter(pk=row.pk).delete()
        else:
            Evidence.objects.filter(student=student).delete()
        assert stored_tally() == expected_tally(), (op, s, t, day, score, status)


def test_an_update_that_changes_nothing_counted_leaves_the_tally(world, maths):
    ev = _evidence(world.student, maths.t1, 3, "3")
    ev.save()
    before = list(ScoreTally.objects.values_list("id", "scores", "score_sum"))
    ev.title = "Quiz 2"
    ev.note = "Neat work"
    ev.save()
    assert list(ScoreTally.objects.values_list("id", "scores", "score_sum")) == before


def test_running_sums_per_day(world, maths, science):
    for day, score in [(0, "1"), (0, "3"), (4, "2.5"), (9, "4")]:
        _evidence(world.student, maths.t1, day, score).save()
    _evidence(world.student, maths.t2, 4, "2", status="submitted").save()
    _evidence(world.student, science, 4, "3").save()
    rows = list(
        ScoreTally.objects.filter(student=world.student, framework=maths.framework)
        .order_by("day")
        .values_list("day", "scores", "score_sum")
    )
    assert rows == [
        (DAY0, 2, Decimal("4.00")),
        (DAY0 + dt.timedelta(days=4), 3, Decimal("6.50")),
        (DAY0 + dt.timedelta(days=9), 4, Decimal("10.50")),
    ]
    assert ScoreTally.objects.filter(framework=science.framework).count() == 1


def test_deleting_a_framework_or_a_student_leaves_no_tally(world, maths, science):
    for day in range(5):
        _evidence(world.student, science, day, "2").save()
        _evidence(world.other_student, maths.t1, day, "3").save()
    science.framework.delete()
    assert not ScoreTally.objects.filter(framework_id=science.framework_id).exists()
    world.other_student.delete()
    assert ScoreTally.objects.count() == 0


def test_the_rebuild_gives_what_the_triggers_keep(world, maths, science):
    for day, score in [(0, "1"), (2, "3"), (2, "4")]:
        _evidence(world.student, maths.t1, day, score).save()
        _evidence(world.other_student, science, day, score).save()
    kept = stored_tally()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM mastery_scoretally")
    assert score_tally_rebuild() == len(kept)
    assert stored_tally() == kept == expected_tally()


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_leave_a_tally_equal_to_a_recomputation(world, maths):
    """Each evidence write rebuilds the student's series; without the per-student lock the second
    writer's insert would collide with the first's rows on the unique key."""
    targets = [maths.t1, maths.t2, maths.t3, maths.t4] * 2
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            evidence_record(
                actor=world.teacher,
                student=world.student,
                competency=targets[i],
                score="3",
                observed_on=DAY0 + dt.timedelta(days=i % 3),
            )
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(len(targets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert Evidence.objects.filter(student=world.student).count() == len(targets)
    assert stored_tally() == expected_tally()
    assert ScoreTally.objects.filter(student=world.student).count() == 3
