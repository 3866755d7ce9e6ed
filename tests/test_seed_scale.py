"""``manage.py seed_scale`` (bench/district.py): a small district, checked row by row."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bench.district import TRAJECTORIES
from followups.models import Attendance
from goals.models import CheckIn, Goal
from mastery.models import Evidence, MasteryRecord, PacingTarget
from profiles.models import Enrollment, Membership, School

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 18)  # a Wednesday


def _seed(students: int) -> str:
    out = StringIO()
    call_command("seed_scale", students=students, seed=3, today=TODAY, stdout=out)
    return out.getvalue()


def test_a_small_district_holds_every_kind_of_row_dated_on_school_days():
    output = _seed(60)

    assert "Seeded 1 schools, 60 students" in output
    school = School.objects.get(identifier="d01")
    assert Membership.objects.filter(school=school, role="student").count() == 60
    # an advisory and four classes per student
    assert (
        Enrollment.objects.filter(user__memberships__school=school, role="student").count() == 300
    )
    assert PacingTarget.objects.filter(plan__section__school=school).count() == 3 * 4 * 20
    evidence = Evidence.objects.filter(student__memberships__school=school)
    assert evidence.count() > 60 * 100
    assert not evidence.filter(observed_on__gt=TODAY).exists()
    assert not evidence.filter(observed_on__week_day__in=[1, 7]).exists()  # Sunday, Saturday
    assert Goal.objects.filter(student__memberships__school=school).count() == 120
    assert CheckIn.objects.count() > 0
    attendance = Attendance.objects.filter(school=school)
    assert not attendance.filter(date__week_day__in=[1, 7]).exists()
    assert attendance.values("student").distinct().count() == 60
    # the application's own recompute made a record for every student x target with evidence
    pairs = evidence.values("student", "competency").distinct().count()
    assert MasteryRecord.objects.count() == pairs
    # the bulk insert skipped the evidence's triggers: the seed rebuilt the running tally
    from tests.mastery.test_score_tally import expected_tally, stored_tally

    assert stored_tally() == expected_tally() != {}


def test_each_student_has_a_hidden_trajectory_with_a_turn_where_one_is_due():
    _seed(60)

    with connection.cursor() as cur:
        cur.execute("SELECT kind, turn_on FROM scale_trajectory")
        rows = cur.fetchall()
    assert len(rows) == 60
    kinds = {kind for kind, _ in TRAJECTORIES}
    assert {kind for kind, _ in rows} <= kinds
    for kind, turn in rows:
        assert (turn is None) == (kind in ("steady", "ahead"))


def test_a_second_district_in_the_same_database_is_refused():
    _seed(5)

    with pytest.raises(CommandError, match="already holds a district"):
        _seed(5)


def test_a_district_size_out_of_range_is_refused():
    with pytest.raises(CommandError, match="between 1 and 500,000"):
        call_command("seed_scale", students=0, stdout=StringIO())
