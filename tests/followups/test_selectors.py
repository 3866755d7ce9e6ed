"""What the queue, the navigation and the student page read: scoped, ordered, counted."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import NotFound
from followups.models import Rule
from followups.selectors import (
    feedback_summary_per_rule,
    flag_get_for_teacher,
    flag_history_for_student,
    flagged_student_ids,
    flags_list_for_teacher,
    open_flag_count,
)
from followups.services import flag_feedback, flag_resolve, followup_log
from tests.followups.support import make_flag

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def test_queue_orders_by_severity_then_age(world):
    new_medium = make_flag(world.student, Rule.SLIPPING, first=TODAY - dt.timedelta(days=1))
    old_medium = make_flag(world.student, Rule.BEHIND_PACE, first=TODAY - dt.timedelta(days=9))
    new_high = make_flag(
        world.student, Rule.CHRONIC_ABSENCE, severity="high", first=TODAY - dt.timedelta(days=2)
    )
    assert list(flags_list_for_teacher(viewer=world.teacher)) == [new_high, old_medium, new_medium]


def test_queue_shows_only_flags_needing_attention(world):
    open_ = make_flag(world.student, Rule.SLIPPING)
    make_flag(world.student, Rule.BEHIND_PACE, status="cleared")
    make_flag(
        world.student,
        Rule.CHRONIC_ABSENCE,
        status="snoozed",
        snoozed_until=TODAY + dt.timedelta(days=3),
    )
    assert list(flags_list_for_teacher(viewer=world.teacher)) == [open_]


@pytest.mark.parametrize(
    "persona", ["student", "guardian", "other_guardian", "other_teacher", "other_admin"]
)
def test_students_guardians_and_outsiders_never_see_the_flag(world, persona):
    flag = make_flag(world.student)
    viewer = getattr(world, persona)
    assert list(flags_list_for_teacher(viewer=viewer)) == []
    assert open_flag_count(viewer=viewer) == 0
    assert flagged_student_ids(viewer=viewer, student_ids=[world.student.pk]) == set()
    assert flag_history_for_student(viewer=viewer, student=world.student) == []
    with pytest.raises(NotFound):
        flag_get_for_teacher(viewer=viewer, flag_id=flag.pk)


def test_a_student_never_reaches_their_own_flag_by_id(world):
    flag = make_flag(world.student)
    with pytest.raises(NotFound):
        flag_get_for_teacher(viewer=world.student, flag_id=flag.pk)


def test_teacher_and_admin_see_the_flag(world):
    flag = make_flag(world.student)
    assert flag_get_for_teacher(viewer=world.teacher, flag_id=flag.pk) == flag
    assert flag_get_for_teacher(viewer=world.admin, flag_id=flag.pk) == flag
    assert open_flag_count(viewer=world.teacher) == 1
    assert flagged_student_ids(
        viewer=world.teacher, student_ids=[world.student.pk, world.other_student.pk]
    ) == {world.student.pk}


def test_assigned_to_me_filter(world):
    mine = make_flag(world.student, Rule.SLIPPING, assigned_to=world.teacher)
    make_flag(world.student, Rule.BEHIND_PACE, assigned_to=None)
    assert list(flags_list_for_teacher(viewer=world.teacher, assigned_to_me=True)) == [mine]


def test_history_shows_both_flags_of_a_condition_that_returned(world):
    first = make_flag(
        world.student, Rule.BEHIND_PACE, status="cleared", first=TODAY - dt.timedelta(days=30)
    )
    again = make_flag(world.student, Rule.BEHIND_PACE, first=TODAY - dt.timedelta(days=2))
    followup_log(actor=world.teacher, flag=again, action="talked", note="Plan agreed")
    history = flag_history_for_student(viewer=world.teacher, student=world.student)
    assert history == [again, first]
    assert [f.note for f in history[0].followups.all()] == ["Plan agreed"]


def test_feedback_summary_counts_per_rule(world):
    a = make_flag(world.student, Rule.BEHIND_PACE)
    b = make_flag(world.other_student, Rule.BEHIND_PACE)
    c = make_flag(world.student, Rule.SLIPPING)
    flag_feedback(actor=world.admin, flag=a, feedback="useful")
    flag_feedback(actor=world.admin, flag=b, feedback="incorrect")
    flag_resolve(actor=world.admin, flag=c, outcome="Fine")
    flag_feedback(actor=world.admin, flag=c, feedback="not_useful")
    rows = {r.rule: r for r in feedback_summary_per_rule(viewer=world.admin)}
    assert len(rows) == len(Rule)
    pace = rows["behind_pace"]
    assert (pace.flags, pace.useful, pace.not_useful, pace.incorrect, pace.answered) == (
        2,
        1,
        0,
        1,
        2,
    )
    slip = rows["slipping"]
    assert (slip.flags, slip.not_useful) == (1, 1)
    assert rows["chronic_absence"].flags == 0
    assert all(r.flags == 0 for r in feedback_summary_per_rule(viewer=world.other_admin))
