"""The agenda is assembled from the template and the student's own data: goals with check-ins
and progress, mastery growth since the last conference, work samples with reflections, and last
conference's commitments with whether they were kept. Scoped to the viewer; a fixed number of
queries whatever the size of the record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conferences import services as svc
from conferences.models import ConferenceWindow
from conferences.selectors import (
    agenda_assemble,
    conference_get_for_viewer,
    family_conferences_for,
    schedule_for_teacher,
)
from goals.models import GoalCategory
from goals.services import checkin_record, goal_approve, goal_create
from mastery.models import MasteryRecord
from mastery.services import evidence_record
from tests.conferences.support import at, conference_setup, in_state, term_for

pytestmark = pytest.mark.django_db


def _goal(world, title, category_name, maths_target=None, progress=40, propose=True):
    category = GoalCategory.objects.get(school=world.school, name=category_name)
    goal = goal_create(
        actor=world.student,
        student=world.student,
        title=title,
        category=category,
        competencies=[maths_target] if maths_target else [],
        propose=propose,
    )
    if not propose:
        return goal
    goal = goal_approve(actor=world.teacher, goal=goal)
    checkin_record(
        actor=world.student, goal=goal, confidence=4, progress=progress, next_step="Practice"
    )
    return goal


def _categories(world):
    from goals.selectors import goal_categories_for

    goal_categories_for(school_id=world.school.pk)


def test_the_agenda_brings_goals_by_category_with_progress_and_evidence(world, maths):
    _categories(world)
    evidence_record(actor=world.teacher, student=world.student, competency=maths.t1, score=3)
    _goal(world, "Master unit rates", "Numeracy", maths.t1, progress=75)
    _goal(world, "Read four novels", "Literacy", progress=50)
    _goal(world, "My private draft", "Literacy", propose=False)
    conference = in_state(world, "preparing")

    agenda = agenda_assemble(viewer=world.guardian, conference=conference)

    by_category = {
        g.category: [(line.goal.title, line.progress) for line in g.goals]
        for g in agenda.goal_groups
    }
    assert by_category == {
        "Literacy": [("Read four novels", 50)],
        "Numeracy": [("Master unit rates", 75)],
    }
    numeracy = next(g for g in agenda.goal_groups if g.category == "Numeracy").goals[0]
    assert numeracy.checkins == 1
    assert numeracy.last_next_step == "Practice"
    assert [(r.competency.code, r.mastered) for r in numeracy.evidence] == [("7.RP.1", True)]
    # Drafts are not reviewed at the conference, not even on the student's own agenda.
    mine = agenda_assemble(viewer=world.student, conference=conference)
    titles = [line.goal.title for g in mine.goal_groups for line in g.goals]
    assert sorted(titles) == ["Master unit rates", "Read four novels"]


def test_growth_is_since_the_last_conference(world, maths):
    conference_setup(world, days_ahead=-20)
    first = in_state(world, "held")
    held_on = world.school.local(first.held_at).date()
    # Mastered before the last conference: not new this time.
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t1,
        score=3,
        observed_on=held_on - dt.timedelta(days=3),
    )
    # Mastered after it: new. Working on: below mastery.
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t3,
        score=4,
        observed_on=held_on + dt.timedelta(days=2),
    )
    evidence_record(actor=world.teacher, student=world.student, competency=maths.t4, score=2)
    MasteryRecord.objects.filter(student=world.student, competency=maths.t3).update(
        first_mastered_on=held_on + dt.timedelta(days=2)
    )
    MasteryRecord.objects.filter(student=world.student, competency=maths.t1).update(
        first_mastered_on=held_on - dt.timedelta(days=3)
    )
    second = _next_conference(world)
    agenda = agenda_assemble(viewer=world.student, conference=second)
    assert agenda.previous == first
    assert agenda.since == held_on
    assert [r.competency.code for r in agenda.newly_mastered] == ["7.RP.3"]
    assert [r.competency.code for r in agenda.working_on] == ["7.EE.1"]


def _next_conference(world):
    term = term_for(world)
    day = world.school.today() + dt.timedelta(days=40)
    window = svc.window_create(
        actor=world.admin,
        school=world.school,
        term=term,
        name="Next conferences",
        starts_on=day,
        ends_on=day,
        mode=ConferenceWindow.Mode.ASSIGNED,
    )
    svc.conferences_create_for_window(actor=world.admin, window=window)
    return window.conferences.get(student=world.student)


def test_last_conferences_commitments_come_back_with_whether_they_were_kept(world):
    first = in_state(world, "held")
    kept = svc.commitment_add(actor=world.teacher, conference=first, who="student", text="Planner")
    svc.commitment_add(actor=world.teacher, conference=first, who="family", text="Quiet hour")
    svc.commitment_review(actor=world.teacher, commitment=kept, outcome="kept")
    agenda = agenda_assemble(viewer=world.guardian, conference=_next_conference(world))
    assert [(c.text, c.outcome) for c in agenda.previous_commitments] == [
        ("Planner", "kept"),
        ("Quiet hour", "open"),
    ]
    assert agenda.kept_count == 1


def test_sections_follow_the_template_with_the_students_answers_and_samples(world, maths):
    conference = in_state(world, "preparing")
    evidence = evidence_record(
        actor=world.teacher, student=world.student, competency=maths.t2, score=3, title="Poster"
    )
    svc.work_sample_add(
        actor=world.student,
        conference=conference,
        evidence=evidence,
        proud_of="Clear diagram",
        do_differently="Start earlier",
    )
    agenda = agenda_assemble(viewer=world.teacher, conference=conference)
    assert [s.number for s in agenda.sections] == list(range(1, 9))
    assert agenda.sections[0].response == "Hello everyone, thank you for coming."
    assert agenda.total_minutes == 32
    assert [(s.evidence.title, s.proud_of, s.do_differently) for s in agenda.samples] == [
        ("Poster", "Clear diagram", "Start earlier")
    ]


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _agenda_afresh(world, pk):
    conference = conference_get_for_viewer(viewer=world.student, conference_id=pk)
    return agenda_assemble(viewer=world.student, conference=conference)


def test_the_agenda_takes_the_same_queries_for_a_small_and_a_large_record(world, maths):
    _categories(world)
    conference = in_state(world, "preparing")
    evidence_record(actor=world.teacher, student=world.student, competency=maths.t1, score=3)
    _goal(world, "One goal", "Literacy", maths.t1)
    small = _queries(lambda: _agenda_afresh(world, conference.pk))
    for i, target in enumerate([maths.t1, maths.t2, maths.t3, maths.t4, maths.t5]):
        evidence_record(
            actor=world.teacher, student=world.student, competency=target, score=2 + i % 3
        )
        _goal(world, f"Goal {i}", "Numeracy", target)
    large = _queries(lambda: _agenda_afresh(world, conference.pk))
    assert small == large
    assert large <= 14


def test_the_schedule_shows_slots_people_conflicts_and_interpreters(world):
    setup = conference_setup(world, capacity=2)
    svc.conference_schedule(actor=world.teacher, conference=setup.conference, slot=setup.slots[1])
    svc.rsvp_respond(
        actor=world.guardian, conference=setup.conference, response="another_time", note="Mornings"
    )
    svc.interpreter_request(actor=world.guardian, conference=setup.conference, language="Polish")
    svc.slot_create(
        actor=world.teacher,
        window=setup.window,
        advisor=world.teacher,
        starts_at=at(world, setup.window.starts_on, 19),
        ends_at=at(world, setup.window.starts_on, 20),
        is_blocked=True,
    )
    board = schedule_for_teacher(viewer=world.teacher, window=setup.window, windows=[setup.window])
    rows = board.days[0][1]
    assert [len(r.conferences) for r in rows] == [0, 1, 0, 0, 0]
    assert rows[-1].slot.is_blocked
    assert [(i.kind, i.text) for i in board.issues] == [
        ("another_time", "Gina Rivera asks for another time: Mornings")
    ]
    assert [c.interpreter_language for c in board.interpreters] == ["Polish"]
    # Another teacher's schedule has none of it.
    theirs = schedule_for_teacher(
        viewer=world.other_teacher, window=setup.window, windows=[setup.window]
    )
    assert theirs.conferences == [] and theirs.days == []


def test_families_see_only_their_own_childrens_conferences_and_free_times(world):
    setup = conference_setup(world, mode="booking")
    mine = family_conferences_for(viewer=world.guardian)
    assert [c.child for fw in mine for c in fw.children] == [world.student]
    assert mine[0].booking_open
    assert [s.pk for s in mine[0].children[0].slots] == [s.pk for s in setup.slots]
    assert family_conferences_for(viewer=world.other_guardian) == []
