"""Teacher actions on a flag: the transitions, who may take them, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import NotAllowed, ValidationFailed
from followups.models import Flag, FollowUp, Rule
from followups.services import (
    flag_acknowledge,
    flag_assign,
    flag_feedback,
    flag_resolve,
    flag_snooze,
    followup_log,
)
from profiles.models import Enrollment
from tests import factories as f
from tests.followups.support import make_flag

pytestmark = pytest.mark.django_db


def _today(world):
    return world.school.today()


def test_teacher_acknowledges_an_open_flag_and_takes_it(world):
    flag = make_flag(world.student)
    flag = flag_acknowledge(actor=world.teacher, flag=flag)
    flag.refresh_from_db()
    assert (flag.status, flag.assigned_to) == ("acknowledged", world.teacher)


def test_acknowledging_twice_is_refused_with_a_reason(world):
    flag = flag_acknowledge(actor=world.teacher, flag=make_flag(world.student))
    with pytest.raises(ValidationFailed) as error:
        flag_acknowledge(actor=world.teacher, flag=flag)
    assert error.value.code == "invalid_transition"


def test_acknowledging_keeps_an_existing_assignee(world):
    flag = make_flag(world.student, assigned_to=world.teacher)
    flag_acknowledge(actor=world.admin, flag=flag)
    flag.refresh_from_db()
    assert flag.assigned_to == world.teacher


@pytest.mark.parametrize("persona", ["student", "guardian", "other_teacher", "other_admin"])
def test_people_who_do_not_teach_the_student_cannot_act(world, persona):
    flag = make_flag(world.student)
    actor = getattr(world, persona)
    for call in (
        lambda: flag_acknowledge(actor=actor, flag=flag),
        lambda: flag_resolve(actor=actor, flag=flag, outcome="Done"),
        lambda: flag_feedback(actor=actor, flag=flag, feedback="useful"),
        lambda: followup_log(actor=actor, flag=flag, action="talked"),
        lambda: flag_snooze(actor=actor, flag=flag, until=_today(world) + dt.timedelta(days=3)),
    ):
        with pytest.raises(NotAllowed):
            call()
    flag.refresh_from_db()
    assert (flag.status, flag.feedback, flag.followups.count()) == ("open", "", 0)


def test_assign_to_another_teacher_of_the_student(world):
    colleague = f.teacher(world.school)
    f.enroll(world.math, colleague, role=Enrollment.Role.TEACHER)
    flag = flag_assign(actor=world.teacher, flag=make_flag(world.student), assignee=colleague)
    assert Flag.objects.get(pk=flag.pk).assigned_to == colleague


def test_assign_to_a_teacher_who_does_not_teach_the_student_is_refused(world):
    flag = make_flag(world.student, assigned_to=world.teacher)
    with pytest.raises(ValidationFailed) as error:
        flag_assign(actor=world.teacher, flag=flag, assignee=world.other_teacher)
    assert error.value.field == "assignee"
    flag.refresh_from_db()
    assert flag.assigned_to == world.teacher


def test_snooze_until_a_date_within_ninety_days(world):
    until = _today(world) + dt.timedelta(days=7)
    flag = flag_snooze(actor=world.teacher, flag=make_flag(world.student), until=until)
    flag.refresh_from_db()
    assert (flag.status, flag.snoozed_until) == ("snoozed", until)
    woken = flag_acknowledge(actor=world.teacher, flag=flag)
    assert (woken.status, woken.snoozed_until) == ("acknowledged", None)


@pytest.mark.parametrize("days", [0, -1, 91])
def test_snooze_refuses_today_the_past_and_far_away(world, days):
    flag = make_flag(world.student)
    with pytest.raises(ValidationFailed) as error:
        flag_snooze(actor=world.teacher, flag=flag, until=_today(world) + dt.timedelta(days=days))
    assert error.value.field == "until"
    assert Flag.objects.get(pk=flag.pk).status == "open"


def test_snooze_accepts_exactly_ninety_days(world):
    until = _today(world) + dt.timedelta(days=90)
    assert flag_snooze(actor=world.teacher, flag=make_flag(world.student), until=until).status == (
        "snoozed"
    )


def test_resolve_needs_an_outcome(world):
    flag = make_flag(world.student)
    with pytest.raises(ValidationFailed) as error:
        flag_resolve(actor=world.teacher, flag=flag, outcome="   ")
    assert error.value.code == "outcome_required"
    flag = flag_resolve(actor=world.teacher, flag=flag, outcome="Caught up after tutoring")
    flag.refresh_from_db()
    assert flag.status == "resolved"
    assert flag.outcome == "Caught up after tutoring"
    assert (flag.closed_on, flag.closed_by, flag.condition_cleared_on) == (
        _today(world),
        world.teacher,
        None,
    )


@pytest.mark.parametrize("status", ["resolved", "cleared"])
def test_closed_flags_take_only_feedback(world, status):
    extra = {"outcome": "Done"} if status == "resolved" else {}
    flag = make_flag(world.student, status=status, **extra)
    for call in (
        lambda: flag_acknowledge(actor=world.teacher, flag=flag),
        lambda: flag_resolve(actor=world.teacher, flag=flag, outcome="Again"),
        lambda: followup_log(actor=world.teacher, flag=flag, action="talked"),
        lambda: flag_assign(actor=world.teacher, flag=flag, assignee=world.teacher),
        lambda: flag_snooze(
            actor=world.teacher, flag=flag, until=_today(world) + dt.timedelta(days=2)
        ),
    ):
        with pytest.raises(ValidationFailed):
            call()
    flag = flag_feedback(actor=world.teacher, flag=flag, feedback="incorrect")
    flag.refresh_from_db()
    assert (flag.status, flag.feedback, flag.feedback_by) == (status, "incorrect", world.teacher)


def test_feedback_must_be_one_of_the_answers(world):
    with pytest.raises(ValidationFailed):
        flag_feedback(actor=world.teacher, flag=make_flag(world.student), feedback="meh")


def test_logging_a_follow_up_acknowledges_an_open_flag(world):
    flag = make_flag(world.student)
    followup = followup_log(
        actor=world.teacher, flag=flag, action="family", note="Called mum, meeting Tuesday"
    )
    flag.refresh_from_db()
    assert (followup.author, followup.occurred_on, followup.action) == (
        world.teacher,
        _today(world),
        "family",
    )
    assert (flag.status, flag.assigned_to) == ("acknowledged", world.teacher)


def test_follow_up_refuses_a_future_day_and_unknown_action(world):
    flag = make_flag(world.student)
    with pytest.raises(ValidationFailed) as error:
        followup_log(
            actor=world.teacher,
            flag=flag,
            action="talked",
            occurred_on=_today(world) + dt.timedelta(days=1),
        )
    assert error.value.field == "occurred_on"
    with pytest.raises(ValidationFailed) as error:
        followup_log(actor=world.teacher, flag=flag, action="shouted")
    assert error.value.field == "action"
    with pytest.raises(ValidationFailed):
        followup_log(actor=world.teacher, flag=flag, action="talked", occurred_on=dt.date(1, 1, 1))
    assert FollowUp.objects.count() == 0


def test_admin_of_the_school_works_any_flag_there(world):
    flag = make_flag(world.other_student, Rule.CHRONIC_ABSENCE)
    assert flag_acknowledge(actor=world.admin, flag=flag).status == "acknowledged"


def test_taking_attendance_rescans_the_students_after_commit(
    world, settings, django_capture_on_commit_callbacks
):
    from followups.services import attendance_take
    from tests.followups.support import attendance_body

    day = dt.date.fromisoformat(attendance_body(world)["date"])
    settings.LEARNHUB_STUDENT_CHANGED = ["tests.followups.test_attendance.record_change"]
    from tests.followups import test_attendance

    test_attendance.RECORDED.clear()
    with django_capture_on_commit_callbacks(execute=True):
        attendance_take(
            actor=world.teacher,
            section=world.advisory,
            date=day,
            marks={world.student.pk: "absent"},
        )
    assert [world.student.pk] == test_attendance.RECORDED
