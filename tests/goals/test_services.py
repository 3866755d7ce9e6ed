"""Goal services: the state machine (every transition, every refusal), who may do what,
optimistic concurrency, history, check-ins, comments, visibility of drafts and categories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from core.errors import Conflict, NotAllowed, ValidationFailed
from goals.models import ActionStep, CheckIn, Goal, GoalCategory, GoalComment
from goals.permissions import visible_goals_q
from goals.selectors import goal_categories_for, goal_versions
from goals.services import (
    action_step_add,
    action_step_set_done,
    checkin_record,
    goal_accept_suggestion,
    goal_approve,
    goal_close,
    goal_comment_add,
    goal_create,
    goal_decline_suggestion,
    goal_propose,
    goal_return,
    goal_update,
    progress_from_competencies,
)
from mastery.services import evidence_record
from profiles.models import Term
from tests import factories as f
from tests.mastery.conftest import build_maths

TITLE = "Read 4 novels this term"
CRITERIA = "Finish 4 novels and log each one"
SUGGESTION = "Practise fractions for 10 minutes daily"


@pytest.fixture
def maths(world):
    return build_maths(world)


# --- building goals in every state, through the services -----------------------------------


def _draft(world, **kwargs) -> Goal:
    return goal_create(
        actor=world.student,
        student=world.student,
        title=TITLE,
        success_criteria=CRITERIA,
        **kwargs,
    )


def _proposed(world, **kwargs) -> Goal:
    return _draft(world, propose=True, **kwargs)


def _suggested(world) -> Goal:
    return goal_create(actor=world.teacher, student=world.student, title=SUGGESTION)


def _active(world, **kwargs) -> Goal:
    return goal_approve(actor=world.teacher, goal=_proposed(world, **kwargs))


def _accepted(world) -> Goal:
    return goal_accept_suggestion(actor=world.student, goal=_suggested(world))


def _closed(outcome: str) -> Callable[[object], Goal]:
    def build(world) -> Goal:
        return goal_close(
            actor=world.student, goal=_active(world), outcome=outcome, reflection="I learned a lot"
        )

    return build


def _declined(world) -> Goal:
    return goal_decline_suggestion(actor=world.student, goal=_suggested(world), reason="Not now")


STATES: dict[str, Callable] = {
    "draft": _draft,
    "proposed": _proposed,
    "suggested": _suggested,  # proposed, origin teacher
    "active": _active,
    "accepted": _accepted,  # active, origin teacher
    "achieved": _closed(Goal.Status.ACHIEVED),
    "not_met": _closed(Goal.Status.NOT_MET),
    "set_aside": _closed(Goal.Status.ABANDONED),
    "declined": _declined,  # set aside, origin teacher
}

ACTIONS: dict[str, Callable] = {
    "propose": lambda w, g: goal_propose(actor=w.student, goal=g),
    "approve": lambda w, g: goal_approve(actor=w.teacher, goal=g, comment="Great goal"),
    "return": lambda w, g: goal_return(actor=w.teacher, goal=g, comment="Make it measurable"),
    "accept": lambda w, g: goal_accept_suggestion(actor=w.student, goal=g),
    "decline": lambda w, g: goal_decline_suggestion(actor=w.student, goal=g, reason="No"),
    "close": lambda w, g: goal_close(
        actor=w.student, goal=g, outcome=Goal.Status.ACHIEVED, reflection="Done it"
    ),
    "check_in": lambda w, g: checkin_record(actor=w.student, goal=g, confidence=3, progress=50),
}

ALLOWED = {
    ("draft", "propose"),
    ("proposed", "approve"),
    ("proposed", "return"),
    ("suggested", "accept"),
    ("suggested", "decline"),
    ("active", "close"),
    ("active", "check_in"),
    ("accepted", "close"),
    ("accepted", "check_in"),
}
INVALID = [(s, a) for s in STATES for a in ACTIONS if (s, a) not in ALLOWED]
CLOSED_STATES = ["achieved", "not_met", "set_aside", "declined"]


def _snapshot(goal: Goal) -> dict[str, object]:
    """Everything a refused action must leave as it was."""
    return {
        "row": Goal.objects.filter(pk=goal.pk).values().get(),
        "comments": list(GoalComment.objects.filter(goal=goal).values_list("kind", "body")),
        "checkins": CheckIn.objects.filter(goal=goal).count(),
        "history": Goal.pgh_event_model.objects.filter(pgh_obj_id=goal.pk).count(),
    }


def _fresh(goal: Goal) -> Goal:
    return Goal.objects.get(pk=goal.pk)


# --- the state machine: every allowed arrow -------------------------------------------------


def test_a_student_writes_a_private_draft(world):
    goal = _draft(world, why="  I want to love reading  ")

    assert (goal.status, goal.origin, goal.version) == ("draft", "student", 1)
    assert (goal.title, goal.why, goal.success_criteria) == (
        TITLE,
        "I want to love reading",
        CRITERIA,
    )
    assert (goal.suggested_by, goal.approved_by, goal.approved_at) == (None, None, None)
    assert goal.updated_by == world.student


def test_a_student_proposes_their_draft_for_approval(world):
    goal = _draft(world)

    proposed = goal_propose(actor=world.student, goal=goal)

    assert (proposed.status, proposed.origin, proposed.version) == ("proposed", "student", 2)
    assert proposed.updated_by == world.student
    assert _fresh(goal).status == "proposed"


def test_a_student_may_propose_straight_away(world):
    goal = _proposed(world)

    assert (goal.status, goal.origin, goal.version, goal.suggested_by) == (
        "proposed",
        "student",
        1,
        None,
    )


def test_the_advisor_approves_a_proposed_goal_which_becomes_active(world):
    goal = _proposed(world)
    before = timezone.now()

    active = goal_approve(actor=world.teacher, goal=goal, comment="  Love this goal!  ")

    assert (active.status, active.version) == ("active", 2)
    assert (active.approved_by, active.updated_by) == (world.teacher, world.teacher)
    assert before <= active.approved_at <= timezone.now()
    assert list(GoalComment.objects.filter(goal=goal).values_list("kind", "author", "body")) == [
        ("approved", world.teacher.pk, "Love this goal!")
    ]


def test_approving_without_a_comment_adds_no_comment(world):
    goal = goal_approve(actor=world.teacher, goal=_proposed(world))

    assert goal.status == "active"
    assert GoalComment.objects.filter(goal=goal).count() == 0


def test_a_school_admin_may_approve_too(world):
    goal = goal_approve(actor=world.admin, goal=_proposed(world))

    assert (goal.status, goal.approved_by) == ("active", world.admin)


def test_the_advisor_returns_a_proposed_goal_to_draft_with_what_to_change(world):
    goal = _proposed(world)

    returned = goal_return(actor=world.teacher, goal=goal, comment="  Add a date, please  ")

    assert (returned.status, returned.version) == ("draft", 2)
    assert returned.return_comment == "Add a date, please"
    assert list(GoalComment.objects.filter(goal=goal).values_list("kind", "author", "body")) == [
        ("returned", world.teacher.pk, "Add a date, please")
    ]


def test_returning_needs_a_comment_and_changes_nothing_without_one(world):
    goal = _proposed(world)
    before = _snapshot(goal)

    with pytest.raises(ValidationFailed) as raised:
        goal_return(actor=world.teacher, goal=goal, comment="   ")

    assert (raised.value.field, raised.value.message) == (
        "comment",
        "Say what to change before returning it.",
    )
    assert _snapshot(goal) == before


def test_proposing_again_after_a_return_clears_the_return_comment(world):
    goal = goal_return(actor=world.teacher, goal=_proposed(world), comment="Add a date")

    again = goal_propose(actor=world.student, goal=goal)

    assert (again.status, again.return_comment, again.version) == ("proposed", "", 3)


def test_a_teacher_suggests_a_goal_which_waits_for_the_student(world):
    goal = _suggested(world)

    assert (goal.status, goal.origin, goal.version) == ("proposed", "teacher", 1)
    assert (goal.student, goal.suggested_by, goal.approved_by) == (
        world.student,
        world.teacher,
        None,
    )


def test_the_student_accepts_a_suggestion_which_becomes_active_approved_by_the_suggester(world):
    goal = _suggested(world)
    before = timezone.now()

    active = goal_accept_suggestion(actor=world.student, goal=goal)

    assert (active.status, active.origin, active.version) == ("active", "teacher", 2)
    assert (active.approved_by, active.updated_by) == (world.teacher, world.student)
    assert before <= active.approved_at <= timezone.now()


def test_the_student_declines_a_suggestion_which_is_set_aside_with_their_reason(world):
    goal = _suggested(world)
    before = timezone.now()

    declined = goal_decline_suggestion(actor=world.student, goal=goal, reason="  Not this term ")

    assert (declined.status, declined.reflection, declined.version) == (
        "abandoned",
        "Not this term",
        2,
    )
    assert before <= declined.closed_at <= timezone.now()
    assert declined.approved_by is None


@pytest.mark.parametrize("outcome", ["achieved", "not_met", "abandoned"])
def test_the_student_closes_an_active_goal_with_a_reflection(world, outcome):
    goal = _active(world)
    before = timezone.now()

    closed = goal_close(
        actor=world.student, goal=goal, outcome=outcome, reflection="  I read every night  "
    )

    assert (closed.status, closed.reflection, closed.version) == (outcome, "I read every night", 3)
    assert before <= closed.closed_at <= timezone.now()
    assert closed.is_closed


def test_a_teacher_may_close_an_accepted_suggestion(world):
    closed = goal_close(
        actor=world.teacher, goal=_accepted(world), outcome="not_met", reflection="Next term"
    )

    assert (closed.status, closed.updated_by) == ("not_met", world.teacher)


def test_closing_needs_a_reflection_and_changes_nothing_without_one(world):
    goal = _active(world)
    before = _snapshot(goal)

    with pytest.raises(ValidationFailed) as raised:
        goal_close(actor=world.student, goal=goal, outcome="achieved", reflection="  ")

    assert (raised.value.field, raised.value.message) == (
        "reflection",
        "Write a short reflection: what you learned along the way.",
    )
    assert _snapshot(goal) == before
    assert _fresh(goal).closed_at is None


def test_closing_needs_a_known_outcome(world):
    goal = _active(world)
    before = _snapshot(goal)

    with pytest.raises(ValidationFailed) as raised:
        goal_close(actor=world.student, goal=goal, outcome="draft", reflection="Hmm")

    assert (raised.value.field, raised.value.message) == (
        "outcome",
        "Choose achieved, not met or set aside.",
    )
    assert _snapshot(goal) == before


# --- the state machine: every other (status, action) pair is refused -------------------------


def test_the_invalid_transition_table_is_complete():
    """9 states x 7 actions: 9 arrows of the diagram are allowed, the other 54 are refused."""
    assert {(s, a) for s in STATES for a in ACTIONS} >= ALLOWED
    assert len(INVALID) == 54


@pytest.mark.parametrize(("state", "action"), INVALID, ids=[f"{a}-{s}" for s, a in INVALID])
def test_an_invalid_transition_is_refused_and_changes_nothing(world, state, action):
    goal = STATES[state](world)
    before = _snapshot(goal)

    with pytest.raises(ValidationFailed) as raised:
        ACTIONS[action](world, goal)

    assert (raised.value.code, raised.value.field) == ("invalid_transition", "status")
    assert _snapshot(goal) == before


def test_the_refusal_says_why_in_a_sentence(world):
    goal = _active(world)

    with pytest.raises(ValidationFailed) as raised:
        goal_propose(actor=world.student, goal=goal)

    assert raised.value.message == "A goal that is active can't be proposed."


def test_accepting_the_students_own_proposal_is_refused_as_a_transition(world):
    goal = _proposed(world)

    with pytest.raises(ValidationFailed) as raised:
        goal_accept_suggestion(actor=world.student, goal=goal)

    assert raised.value.code == "invalid_transition"
    assert raised.value.message == "Only a teacher's suggestion is accepted this way."


def test_approving_a_teachers_suggestion_is_refused_the_student_decides(world):
    goal = _suggested(world)

    with pytest.raises(ValidationFailed) as raised:
        goal_approve(actor=world.teacher, goal=goal)

    assert raised.value.code == "invalid_transition"
    assert raised.value.message == (
        "This is a teacher's suggestion: the student accepts or declines it."
    )
    assert _fresh(goal).status == "proposed"


@pytest.mark.parametrize("state", ["draft", "proposed", "suggested", "active", "accepted"])
def test_an_open_goal_may_be_revised(world, state):
    goal = STATES[state](world)

    revised = goal_update(
        actor=world.student,
        goal=goal,
        expected_version=goal.version,
        changes={"title": "Read 5 novels this term"},
    )

    assert (revised.title, revised.status, revised.version) == (
        "Read 5 novels this term",
        goal.status,
        goal.version + 1,
    )


@pytest.mark.parametrize("state", CLOSED_STATES)
def test_revising_a_closed_goal_is_an_invalid_transition(world, state):
    goal = STATES[state](world)
    before = _snapshot(goal)

    with pytest.raises(ValidationFailed) as raised:
        goal_update(
            actor=world.student,
            goal=goal,
            expected_version=goal.version,
            changes={"title": "Rewrite history"},
        )

    assert (raised.value.code, raised.value.field) == ("invalid_transition", "status")
    assert _snapshot(goal) == before


@pytest.mark.parametrize("state", CLOSED_STATES)
def test_a_closed_goal_is_never_revised(world, state):
    goal = STATES[state](world)
    before = _snapshot(goal)

    with pytest.raises((NotAllowed, ValidationFailed)):
        goal_update(
            actor=world.student,
            goal=goal,
            expected_version=goal.version,
            changes={"title": "Rewrite history"},
        )

    assert _snapshot(goal) == before


# --- who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor", ["other_student", "guardian", "other_guardian", "other_teacher", "other_admin"]
)
def test_only_the_student_and_their_teachers_write_a_students_goal(world, actor):
    with pytest.raises(NotAllowed) as raised:
        goal_create(actor=getattr(world, actor), student=world.student, title=TITLE)

    assert raised.value.message == "Students set their own goals; their teachers may suggest one."
    assert Goal.objects.count() == 0


def test_only_students_have_goals(world):
    with pytest.raises(ValidationFailed, match=r"Only students have goals\."):
        goal_create(actor=world.teacher, student=world.teacher, title=TITLE)

    assert Goal.objects.count() == 0


def test_a_teachers_suggestion_is_proposed_even_when_not_asked_to(world):
    goal = goal_create(actor=world.teacher, student=world.student, title=SUGGESTION, propose=False)

    assert (goal.status, goal.origin) == ("proposed", "teacher")


@pytest.mark.parametrize("actor", ["teacher", "guardian", "other_student"])
def test_only_the_student_proposes_their_draft(world, actor):
    goal = _draft(world)
    before = _snapshot(goal)

    with pytest.raises(NotAllowed):
        goal_propose(actor=getattr(world, actor), goal=goal)

    assert _snapshot(goal) == before


@pytest.mark.parametrize(
    "actor",
    ["student", "guardian", "other_guardian", "other_student", "other_teacher", "other_admin"],
)
def test_only_the_students_teachers_approve(world, actor):
    goal = _proposed(world)
    before = _snapshot(goal)

    with pytest.raises(NotAllowed):
        goal_approve(actor=getattr(world, actor), goal=goal, comment="Approved!")

    assert _snapshot(goal) == before


@pytest.mark.parametrize("actor", ["student", "guardian", "other_teacher"])
def test_only_the_students_teachers_return(world, actor):
    goal = _proposed(world)
    before = _snapshot(goal)

    with pytest.raises(NotAllowed):
        goal_return(actor=getattr(world, actor), goal=goal, comment="Change it")

    assert _snapshot(goal) == before


@pytest.mark.parametrize("actor", ["teacher", "guardian", "other_student"])
def test_only_the_student_accepts_or_declines_a_suggestion(world, actor):
    goal = _suggested(world)
    before = _snapshot(goal)

    with pytest.raises(NotAllowed):
        goal_accept_suggestion(actor=getattr(world, actor), goal=goal)
    with pytest.raises(NotAllowed):
        goal_decline_suggestion(actor=getattr(world, actor), goal=goal)

    assert _snapshot(goal) == before


@pytest.mark.parametrize("actor", ["guardian", "other_student", "other_teacher", "other_admin"])
def test_only_the_student_and_their_teachers_close_a_goal(world, actor):
    goal = _active(world)
    before = _snapshot(goal)

    with pytest.raises(NotAllowed):
        goal_close(actor=getattr(world, actor), goal=goal, outcome="achieved", reflection="Done")

    assert _snapshot(goal) == before


@pytest.mark.parametrize("actor", ["guardian", "other_guardian", "other_student", "other_teacher"])
def test_guardians_and_strangers_cannot_revise_a_goal(world, actor):
    goal = _active(world)
    before = _snapshot(goal)

    with pytest.raises(NotAllowed):
        goal_update(
            actor=getattr(world, actor),
            goal=goal,
            expected_version=goal.version,
            changes={"title": "Hacked"},
        )

    assert _snapshot(goal) == before


def test_the_students_teacher_revises_an_active_goal(world):
    goal = _active(world)

    revised = goal_update(
        actor=world.teacher,
        goal=goal,
        expected_version=2,
        changes={"success_criteria": "  Finish 5 novels  ", "target_date": dt.date(2027, 1, 15)},
    )

    assert (revised.success_criteria, revised.target_date) == (
        "Finish 5 novels",
        dt.date(2027, 1, 15),
    )
    assert (revised.title, revised.status, revised.version) == (TITLE, "active", 3)
    assert revised.updated_by == world.teacher


def test_a_teacher_cannot_revise_a_private_draft_they_cannot_see(world):
    goal = _draft(world)
    before = _snapshot(goal)

    with pytest.raises(NotAllowed):
        goal_update(
            actor=world.teacher, goal=goal, expected_version=1, changes={"title": "Teacher's idea"}
        )

    assert _snapshot(goal) == before


# --- what a goal may hold -----------------------------------------------------------------------


def test_a_goal_cannot_be_untitled(world):
    with pytest.raises(ValidationFailed) as raised:
        goal_create(actor=world.student, student=world.student, title="   ")

    assert (raised.value.field, raised.value.message) == ("title", "Give your goal a title.")
    assert Goal.objects.count() == 0


def test_a_goal_takes_only_its_own_schools_categories(world):
    foreign = GoalCategory.objects.create(school=world.other_school, name="Reading")

    with pytest.raises(ValidationFailed) as raised:
        _draft(world, category=foreign)

    assert raised.value.field == "category"
    assert Goal.objects.count() == 0


def test_a_goal_takes_a_known_horizon(world):
    with pytest.raises(ValidationFailed) as raised:
        _draft(world, horizon="forever")

    assert raised.value.field == "horizon"


def test_revising_cannot_touch_the_status_or_other_fields(world):
    goal = _proposed(world)
    before = _snapshot(goal)

    with pytest.raises(ValidationFailed, match=r"Unknown goal field: status\."):
        goal_update(
            actor=world.student, goal=goal, expected_version=1, changes={"status": "active"}
        )

    assert _snapshot(goal) == before


def test_a_new_goal_gets_its_steps_in_order_and_the_current_term(world):
    today = timezone.localdate()
    Term.objects.create(
        school=world.school,
        title="School year",
        kind=Term.Kind.SCHOOL_YEAR,
        start_date=today - dt.timedelta(days=100),
        end_date=today + dt.timedelta(days=100),
    )
    term = Term.objects.create(
        school=world.school,
        title="Fall",
        kind=Term.Kind.TERM,
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=10),
    )

    goal = _draft(
        world, steps=[("  Pick 4 novels ", dt.date(2026, 12, 1)), ("   ", None), ("Log each", None)]
    )

    assert goal.term == term
    assert list(goal.steps.values_list("title", "due_date", "order", "done")) == [
        ("Pick 4 novels", dt.date(2026, 12, 1), 0, False),
        ("Log each", None, 2, False),
    ]


def test_action_steps_are_added_and_ticked_off_by_the_student(world):
    goal = _active(world)

    step = action_step_add(actor=world.student, goal=goal, title="  Visit the library  ")
    before = timezone.now()
    done = action_step_set_done(actor=world.student, step=step, done=True)

    assert (done.title, done.order, done.done) == ("Visit the library", 0, True)
    assert before <= done.done_at <= timezone.now()
    undone = action_step_set_done(actor=world.student, step=step, done=False)
    assert (undone.done, undone.done_at) == (False, None)


def test_guardians_do_not_change_action_steps(world):
    goal = _active(world)
    step = action_step_add(actor=world.student, goal=goal, title="Visit the library")

    with pytest.raises(NotAllowed):
        action_step_add(actor=world.guardian, goal=goal, title="Read with me")
    with pytest.raises(NotAllowed):
        action_step_set_done(actor=world.guardian, step=step, done=True)

    assert list(ActionStep.objects.filter(goal=goal).values_list("title", "done")) == [
        ("Visit the library", False)
    ]


# --- optimistic concurrency and history ---------------------------------------------------------


def test_the_second_editor_from_the_same_version_is_told_who_saved_and_nothing_is_overwritten(
    world,
):
    goal = _active(world)  # version 2
    goal_update(
        actor=world.student,
        goal=goal,
        expected_version=2,
        changes={"title": "Read 5 novels this term"},
    )

    with pytest.raises(Conflict) as raised:
        goal_update(
            actor=world.teacher,
            goal=goal,
            expected_version=2,
            changes={"title": "Read 3 novels this term", "why": "Teacher's reason"},
        )

    assert raised.value.code == "conflict"
    assert raised.value.message == (
        "Sam Rivera changed this goal while you were editing, so nothing was overwritten. "
        "Their version is shown; make your change again."
    )
    fresh = _fresh(goal)
    assert (fresh.title, fresh.why, fresh.version, fresh.updated_by) == (
        "Read 5 novels this term",
        "",
        3,
        world.student,
    )


def test_revising_an_active_goal_keeps_its_earlier_version(world):
    goal = _active(world)

    goal_update(
        actor=world.student,
        goal=goal,
        expected_version=2,
        changes={"title": "Read 6 novels this term", "success_criteria": "6 novels, logged"},
    )

    events = list(
        Goal.pgh_event_model.objects.filter(pgh_obj_id=goal.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    assert [(e.pgh_label, e.title, e.status, e.version) for e in events] == [
        ("insert", TITLE, "proposed", 1),
        ("update", TITLE, "active", 2),
        ("update", "Read 6 novels this term", "active", 3),
    ]
    assert events[2].pgh_context.metadata["user"] == world.student.pk
    assert events[2].pgh_context.metadata["service"] == "goal_update"
    assert goal_versions(goal=goal) == [
        {
            "replaced_at": events[2].pgh_created_at,
            "title": TITLE,
            "success_criteria": CRITERIA,
            "target_date": None,
        }
    ]
    assert _fresh(goal).title == "Read 6 novels this term"


def test_a_goal_with_unchanged_wording_has_no_earlier_versions(world):
    goal = _active(world)

    assert goal_versions(goal=goal) == []


# --- check-ins ---------------------------------------------------------------------------------


def test_the_student_checks_in_with_the_progress_they_enter(world):
    goal = _active(world)

    checkin = checkin_record(
        actor=world.student,
        goal=goal,
        confidence=4,
        progress=40,
        what_helped="  Reading before bed ",
        what_got_in_the_way=" Football practice ",
        next_step=" Start book 3 ",
    )

    assert (checkin.progress, checkin.progress_derived, checkin.confidence) == (40, False, 4)
    assert (checkin.what_helped, checkin.what_got_in_the_way, checkin.next_step) == (
        "Reading before bed",
        "Football practice",
        "Start book 3",
    )
    assert (checkin.goal, checkin.author) == (goal, world.student)
    assert CheckIn.objects.filter(goal=goal).count() == 1


def test_progress_comes_from_mastery_when_one_of_two_linked_targets_is_mastered(world, maths):
    goal = _active(world, competencies=[maths.t1, maths.t2])
    evidence_record(actor=world.teacher, student=world.student, competency=maths.t1, score=3)

    checkin = checkin_record(actor=world.student, goal=goal, confidence=3)

    assert (checkin.progress, checkin.progress_derived) == (50, True)


@pytest.mark.parametrize(
    ("t1_scores", "t2_scores", "expected"),
    [
        ([], [], 0),  # linked but no evidence yet: 0 of the way
        ([2], [], 33),  # (2/3 + 0) / 2 = 33.3 %
        ([3], [2], 83),  # (1 + 2/3) / 2 = 83.3 %
        ([2], [1], 50),  # (2/3 + 1/3) / 2
        ([4], [4], 100),  # above the mastery level counts as all the way
        ([4, 2], [], 45),  # decaying average 65 %: 4 × .35 + 2 × .65 = 2.7; 2.7/3 / 2 = 45 %
    ],
)
def test_progress_from_linked_competencies_is_the_mean_share_of_the_mastery_level(
    world, maths, t1_scores, t2_scores, expected
):
    goal = _active(world, competencies=[maths.t1, maths.t2])
    for competency, scores in ((maths.t1, t1_scores), (maths.t2, t2_scores)):
        for i, score in enumerate(scores):
            evidence_record(
                actor=world.teacher,
                student=world.student,
                competency=competency,
                score=score,
                observed_on=dt.date(2026, 9, 1) + dt.timedelta(days=i),
            )

    assert progress_from_competencies(goal) == expected
    checkin = checkin_record(actor=world.student, goal=goal, confidence=2)
    assert (checkin.progress, checkin.progress_derived) == (expected, True)


def test_another_students_mastery_does_not_count(world, maths):
    f.enroll(world.math, world.other_student)
    goal = _active(world, competencies=[maths.t1])
    evidence_record(actor=world.teacher, student=world.other_student, competency=maths.t1, score=4)

    assert progress_from_competencies(goal) == 0


def test_progress_entered_wins_over_mastery(world, maths):
    goal = _active(world, competencies=[maths.t1])
    evidence_record(actor=world.teacher, student=world.student, competency=maths.t1, score=4)

    checkin = checkin_record(actor=world.student, goal=goal, confidence=5, progress=10)

    assert (checkin.progress, checkin.progress_derived) == (10, False)


def test_without_linked_competencies_the_progress_must_be_given(world):
    goal = _active(world)

    with pytest.raises(ValidationFailed) as raised:
        checkin_record(actor=world.student, goal=goal, confidence=3)

    assert (raised.value.field, raised.value.message) == (
        "progress",
        "How far along are you? Give a percent.",
    )
    assert progress_from_competencies(goal) is None
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize("confidence", [0, 6, -1])
def test_confidence_is_from_1_to_5(world, confidence):
    goal = _active(world)

    with pytest.raises(ValidationFailed) as raised:
        checkin_record(actor=world.student, goal=goal, confidence=confidence, progress=50)

    assert (raised.value.field, raised.value.message) == (
        "confidence",
        "Confidence is from 1 to 5.",
    )
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize("progress", [-1, 101])
def test_progress_is_a_percent(world, progress):
    goal = _active(world)

    with pytest.raises(ValidationFailed) as raised:
        checkin_record(actor=world.student, goal=goal, confidence=3, progress=progress)

    assert (raised.value.field, raised.value.message) == (
        "progress",
        "Progress is a percent from 0 to 100.",
    )
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize("progress", [0, 100])
def test_progress_bounds_are_accepted(world, progress):
    checkin = checkin_record(
        actor=world.student, goal=_active(world), confidence=1, progress=progress
    )

    assert checkin.progress == progress


def test_a_goal_closed_while_the_student_had_it_open_takes_no_checkin(world):
    goal = _active(world)  # the student's check-in form shows it active...
    goal_close(actor=world.teacher, goal=goal, outcome="achieved", reflection="Done")  # ...then

    with pytest.raises(ValidationFailed) as raised:
        checkin_record(actor=world.student, goal=goal, confidence=3, progress=90)

    assert raised.value.code == "invalid_transition"
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize("actor", ["teacher", "guardian", "other_student"])
def test_only_the_student_checks_in(world, actor):
    goal = _active(world)

    with pytest.raises(NotAllowed):
        checkin_record(actor=getattr(world, actor), goal=goal, confidence=3, progress=50)

    assert CheckIn.objects.count() == 0


# --- comments ----------------------------------------------------------------------------------


def test_a_guardians_comment_is_encouragement(world):
    goal = _active(world)

    comment = goal_comment_add(actor=world.guardian, goal=goal, body="  So proud of you!  ")

    assert (comment.kind, comment.author, comment.body) == (
        "encouragement",
        world.guardian,
        "So proud of you!",
    )


@pytest.mark.parametrize("actor", ["teacher", "student", "admin"])
def test_the_student_and_their_teachers_comment(world, actor):
    goal = _active(world)

    comment = goal_comment_add(actor=getattr(world, actor), goal=goal, body="Keep going")

    assert (comment.kind, comment.author, comment.body) == (
        "comment",
        getattr(world, actor),
        "Keep going",
    )


@pytest.mark.parametrize(
    "actor", ["other_guardian", "other_teacher", "other_student", "other_admin"]
)
def test_others_cannot_comment(world, actor):
    goal = _active(world)

    with pytest.raises(NotAllowed):
        goal_comment_add(actor=getattr(world, actor), goal=goal, body="Hi")

    assert GoalComment.objects.count() == 0


@pytest.mark.parametrize("actor", ["teacher", "guardian"])
def test_nobody_else_comments_on_a_private_draft(world, actor):
    goal = _draft(world)

    with pytest.raises(NotAllowed, match=r"This goal is still a draft\."):
        goal_comment_add(actor=getattr(world, actor), goal=goal, body="Hi")

    assert GoalComment.objects.count() == 0


def test_the_student_notes_on_their_own_draft(world):
    comment = goal_comment_add(actor=world.student, goal=_draft(world), body="Ask Ms Nguyen")

    assert comment.kind == "comment"


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Write something first."), ("x" * 2001, "Keep comments under 2000 characters.")],
)
def test_a_comment_has_something_to_say_briefly(world, body, message):
    with pytest.raises(ValidationFailed) as raised:
        goal_comment_add(actor=world.teacher, goal=_active(world), body=body)

    assert (raised.value.field, raised.value.message) == ("body", message)
    assert GoalComment.objects.count() == 0


# --- who sees which goals ------------------------------------------------------------------------


def _titles_seen_by(viewer) -> list[str]:
    return sorted(Goal.objects.filter(visible_goals_q(viewer)).values_list("title", flat=True))


EVERYONE = [
    "student",
    "guardian",
    "teacher",
    "admin",
    "other_student",
    "other_guardian",
    "other_teacher",
    "other_admin",
]


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [(v, v == "student") for v in EVERYONE],
)
def test_a_draft_is_seen_only_by_its_student(world, viewer, sees):
    _draft(world)

    assert _titles_seen_by(getattr(world, viewer)) == ([TITLE] if sees else [])


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [(v, v in {"student", "guardian", "teacher", "admin"}) for v in EVERYONE],
)
def test_once_proposed_the_goal_is_seen_by_the_students_people(world, viewer, sees):
    goal_propose(actor=world.student, goal=_draft(world))

    assert _titles_seen_by(getattr(world, viewer)) == ([TITLE] if sees else [])


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [(v, v in {"student", "guardian", "teacher", "admin"}) for v in EVERYONE],
)
def test_a_teachers_suggestion_is_seen_at_once(world, viewer, sees):
    _suggested(world)

    assert _titles_seen_by(getattr(world, viewer)) == ([SUGGESTION] if sees else [])


def test_anonymous_visitors_see_no_goals(world):
    _active(world)

    assert _titles_seen_by(AnonymousUser()) == []


# --- categories ----------------------------------------------------------------------------------


def test_a_new_school_starts_with_the_usual_four_categories(world):
    names = [c.name for c in goal_categories_for(school_id=world.school.pk)]

    assert names == ["Literacy", "Numeracy", "Social-emotional", "Personal"]
    assert GoalCategory.objects.filter(school=world.other_school).count() == 4


def test_reading_the_categories_never_writes(world, django_assert_num_queries):
    GoalCategory.objects.filter(school=world.school).delete()

    with django_assert_num_queries(1):
        assert goal_categories_for(school_id=world.school.pk) == []
    assert not GoalCategory.objects.filter(school=world.school).exists()


def test_setting_up_a_school_again_keeps_its_own_categories(world):
    from goals.services import goal_categories_default_create

    GoalCategory.objects.filter(school=world.school).update(is_active=False)
    own = GoalCategory.objects.create(school=world.school, name="Wellbeing")

    goal_categories_default_create(school=world.school)

    assert goal_categories_for(school_id=world.school.pk) == [own]
