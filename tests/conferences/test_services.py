"""Conference services as specifications: the state machine (every valid and invalid
transition), slots and blocks (an advisor is never in two places), family booking (siblings
side by side, never overlapping), RSVP, interpreter requests, preparation with optimistic
concurrency, and the follow-through (commitments, summary, next-term goals as drafts)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from conferences import services as svc
from conferences.models import (
    Attendee,
    Conference,
    ConferenceSlot,
    ConferenceTemplate,
    ConferenceWindow,
    NextTermGoal,
)
from core.errors import Conflict, NotAllowed, ValidationFailed
from goals.models import Goal
from profiles.models import Enrollment, GuardianLink, Section
from tests import factories as f
from tests.conferences.support import at, conference_setup, in_state, scheduled

pytestmark = pytest.mark.django_db

STATES = ["scheduled", "preparing", "submitted", "ready", "held", "cancelled"]


# --- the default template --------------------------------------------------------------------


def test_every_school_gets_the_default_template_from_the_data_file(world):
    template = ConferenceTemplate.objects.get(school=world.school, is_default=True)
    kinds = list(template.sections.order_by("order").values_list("kind", flat=True))
    assert kinds == [
        "welcome",
        "about_me",
        "goals_review",
        "work_samples",
        "growth",
        "next_goals",
        "commitments",
        "questions",
    ]
    work = template.sections.get(kind="work_samples")
    assert "What I'm proud of." in work.prompts
    assert "What I'd do differently next time." in work.prompts
    assert template.checklist and all(isinstance(i, str) for i in template.checklist)


def test_school_setup_twice_creates_one_default_template(world):
    from profiles.services import school_setup

    school_setup(school=world.school)
    school_setup(school=world.school)
    assert ConferenceTemplate.objects.filter(school=world.school).count() == 1


# --- transitions -----------------------------------------------------------------------------


def _to(world, status):
    if status == "cancelled":
        conference = in_state(world, "scheduled")
        return svc.conference_cancel(actor=world.teacher, conference=conference)
    return in_state(world, status)


ACTIONS = {
    "submit": lambda w, c: svc.conference_submit(actor=w.student, conference=c),
    "return": lambda w, c: svc.conference_return(actor=w.teacher, conference=c, comment="More"),
    "approve": lambda w, c: svc.conference_approve(actor=w.teacher, conference=c),
    "hold": lambda w, c: svc.conference_hold(
        actor=w.teacher, conference=c, now=timezone.now() + dt.timedelta(days=30)
    ),
    "cancel": lambda w, c: svc.conference_cancel(actor=w.teacher, conference=c),
}
VALID = {
    ("submit", "preparing"): "submitted",
    ("return", "submitted"): "preparing",
    ("approve", "submitted"): "ready",
    ("hold", "ready"): "held",
    ("cancel", "scheduled"): "cancelled",
    ("cancel", "preparing"): "cancelled",
    ("cancel", "submitted"): "cancelled",
    ("cancel", "ready"): "cancelled",
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("start", STATES)
def test_each_transition_goes_where_it_should_or_is_refused_with_a_reason(world, action, start):
    conference = _to(world, start)
    expected = VALID.get((action, start))
    if expected is None:
        with pytest.raises(ValidationFailed) as refused:
            ACTIONS[action](world, conference)
        assert refused.value.code == "invalid_transition"
        assert refused.value.message  # a sentence for people
        conference.refresh_from_db()
        assert conference.status == start
    else:
        assert ACTIONS[action](world, conference).status == expected
        conference.refresh_from_db()
        assert conference.status == expected


def test_the_first_saved_answer_moves_a_scheduled_conference_to_preparing(world):
    setup = scheduled(world)
    section = setup.window.template.sections.first()
    svc.agenda_item_save(
        actor=world.student, conference=setup.conference, section=section, response="Hi!"
    )
    setup.conference.refresh_from_db()
    assert setup.conference.status == "preparing"


def test_returning_needs_a_comment_and_keeps_section_comments(world):
    conference = in_state(world, "submitted")
    with pytest.raises(ValidationFailed):
        svc.conference_return(actor=world.teacher, conference=conference, comment="  ")
    section = conference.window.template.sections.get(kind="work_samples")
    svc.conference_return(
        actor=world.teacher,
        conference=conference,
        comment="Add a second sample",
        section_comments={section.pk: "Pick one from science too"},
    )
    conference.refresh_from_db()
    assert conference.status == "preparing"
    assert conference.review_comment == "Add a second sample"
    assert conference.items.get(section=section).advisor_comment == "Pick one from science too"


def test_only_the_student_prepares_and_submits(world):
    conference = in_state(world, "preparing")
    for person in (world.teacher, world.guardian, world.other_student):
        with pytest.raises(NotAllowed):
            svc.conference_submit(actor=person, conference=conference)


def test_only_the_advisor_or_a_school_admin_reviews(world):
    conference = in_state(world, "submitted")
    for person in (world.student, world.guardian, world.other_teacher, world.other_admin):
        with pytest.raises(NotAllowed):
            svc.conference_approve(actor=person, conference=conference)
    assert svc.conference_approve(actor=world.admin, conference=conference).status == "ready"


def test_a_conference_is_not_held_before_its_time(world):
    conference = in_state(world, "ready")
    with pytest.raises(ValidationFailed) as refused:
        svc.conference_hold(
            actor=world.teacher,
            conference=conference,
            now=conference.slot.starts_at - dt.timedelta(minutes=1),
        )
    assert refused.value.code == "invalid_transition"


def test_preparing_is_closed_once_submitted(world):
    conference = in_state(world, "submitted")
    section = conference.window.template.sections.first()
    with pytest.raises(ValidationFailed) as refused:
        svc.agenda_item_save(
            actor=world.student, conference=conference, section=section, response="late"
        )
    assert refused.value.code == "invalid_transition"


# --- slots, blocks and the advisor in one place ----------------------------------------------


def test_an_advisor_cannot_be_in_two_slots_at_once(world):
    setup = conference_setup(world)
    first = setup.slots[0]
    with pytest.raises(Conflict, match="two places at once"):
        svc.slot_create(
            actor=world.teacher,
            window=setup.window,
            advisor=world.teacher,
            starts_at=first.starts_at + dt.timedelta(minutes=10),
            ends_at=first.ends_at + dt.timedelta(minutes=10),
        )
    assert ConferenceSlot.objects.filter(advisor=world.teacher).count() == len(setup.slots)


def test_the_database_refuses_overlapping_slots_for_one_advisor(world):
    setup = conference_setup(world)
    first = setup.slots[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ConferenceSlot.objects.create(
            window=setup.window,
            advisor=world.teacher,
            starts_at=first.starts_at + dt.timedelta(minutes=5),
            ends_at=first.ends_at,
        )


def test_two_advisors_may_share_a_time(world):
    setup = conference_setup(world)
    first = setup.slots[0]
    slot = svc.slot_create(
        actor=world.other_teacher,
        window=setup.window,
        advisor=world.other_teacher,
        starts_at=first.starts_at,
        ends_at=first.ends_at,
    )
    assert slot.pk


def test_advisors_block_times_only_before_booking_opens(world):
    setup = conference_setup(world, mode="booking")
    day = setup.window.starts_on
    with pytest.raises(ValidationFailed) as refused:
        svc.slot_create(
            actor=world.teacher,
            window=setup.window,
            advisor=world.teacher,
            starts_at=at(world, day, 18),
            ends_at=at(world, day, 19),
            is_blocked=True,
        )
    assert refused.value.code == "booking_open"
    before = setup.window.booking_opens_at - dt.timedelta(hours=1)
    block = svc.slot_create(
        actor=world.teacher,
        window=setup.window,
        advisor=world.teacher,
        starts_at=at(world, day, 18),
        ends_at=at(world, day, 19),
        is_blocked=True,
        block_reason="Dentist",
        now=before,
    )
    assert block.is_blocked


def test_a_blocked_time_takes_no_conference(world):
    setup = conference_setup(world)
    day = setup.window.starts_on
    block = svc.slot_create(
        actor=world.teacher,
        window=setup.window,
        advisor=world.teacher,
        starts_at=at(world, day, 19),
        ends_at=at(world, day, 20),
        is_blocked=True,
    )
    with pytest.raises(ValidationFailed, match="away"):
        svc.conference_schedule(actor=world.teacher, conference=setup.conference, slot=block)


def test_teachers_keep_only_their_own_slots(world):
    setup = conference_setup(world)
    with pytest.raises(NotAllowed):
        svc.slot_create(
            actor=world.other_teacher,
            window=setup.window,
            advisor=world.teacher,
            starts_at=at(world, setup.window.starts_on, 20),
            ends_at=at(world, setup.window.starts_on, 21),
        )


def test_slots_are_generated_back_to_back_in_school_time(world):
    setup = conference_setup(world, slots=0)
    made = svc.slots_generate(
        actor=world.teacher,
        window=setup.window,
        advisor=world.teacher,
        day=setup.window.starts_on,
        start=dt.time(16, 0),
        end=dt.time(17, 30),
        minutes=30,
        room="Library",
        capacity=3,
    )
    local = [world.school.local(s.starts_at).strftime("%H:%M") for s in made]
    assert local == ["16:00", "16:30", "17:00"]
    assert {s.capacity for s in made} == {3}


# --- scheduling, capacity and the family at one conference at a time ------------------------


def test_a_full_slot_takes_no_more_families(world):
    setup = conference_setup(world)
    sibling = f.student(world.school, email="sib@example.org", given_name="Sia")
    f.enroll(world.advisory, sibling)
    svc.conferences_create_for_window(actor=world.admin, window=setup.window)
    other = Conference.objects.get(window=setup.window, student=sibling)
    svc.conference_schedule(actor=world.teacher, conference=setup.conference, slot=setup.slots[0])
    with pytest.raises(Conflict, match="full"):
        svc.conference_schedule(actor=world.teacher, conference=other, slot=setup.slots[0])


def _siblings(world):
    """world.student's sibling in another advisory, so two advisors, one family."""
    setup = conference_setup(world, mode="booking", capacity=2)
    sibling = f.student(world.school, email="sib@example.org", given_name="Sia", grade="5")
    GuardianLink.objects.create(guardian=world.guardian, student=sibling)
    advisory = f.SectionFactory(school=world.school, name="Advisory 5", kind=Section.Kind.ADVISORY)
    f.enroll(advisory, world.other_teacher, role=Enrollment.Role.TEACHER)
    f.enroll(advisory, sibling)
    svc.conferences_create_for_window(actor=world.admin, window=setup.window)
    their_slots = [
        svc.slot_create(
            actor=world.other_teacher,
            window=setup.window,
            advisor=world.other_teacher,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            room="Room 5",
        )
        for s in setup.slots
    ]
    return setup, sibling, their_slots


def test_a_family_books_all_its_children_side_by_side(world):
    setup, sibling, their_slots = _siblings(world)
    booked = svc.family_book(
        actor=world.guardian,
        window=setup.window,
        choices={world.student.pk: setup.slots[0], sibling.pk: their_slots[1]},
        interpreter_language="Spanish",
    )
    assert [c.slot_id for c in booked] == [setup.slots[0].pk, their_slots[1].pk]
    assert {c.interpreter_language for c in booked} == {"Spanish"}
    guardian_rows = Attendee.objects.filter(user=world.guardian).order_by("starts_at")
    assert [a.starts_at for a in guardian_rows] == [
        setup.slots[0].starts_at,
        their_slots[1].starts_at,
    ]


def test_siblings_conferences_never_overlap(world):
    setup, sibling, their_slots = _siblings(world)
    with pytest.raises(Conflict) as refused:
        svc.family_book(
            actor=world.guardian,
            window=setup.window,
            choices={world.student.pk: setup.slots[0], sibling.pk: their_slots[0]},
        )
    assert refused.value.code == "family_overlap"
    assert not Conference.objects.filter(window=setup.window, slot__isnull=False).exists()


def test_the_school_cannot_put_siblings_at_the_same_time_either(world):
    setup, sibling, their_slots = _siblings(world)
    svc.conference_schedule(actor=world.teacher, conference=setup.conference, slot=setup.slots[0])
    theirs = Conference.objects.get(window=setup.window, student=sibling)
    with pytest.raises(Conflict) as refused:
        svc.conference_schedule(actor=world.other_teacher, conference=theirs, slot=their_slots[0])
    assert refused.value.code == "family_overlap"
    theirs.refresh_from_db()
    assert theirs.slot_id is None


def test_families_book_only_while_booking_is_open_and_only_their_own(world):
    setup = conference_setup(world, mode="booking")
    with pytest.raises(NotAllowed):
        svc.family_book(
            actor=world.other_guardian,
            window=setup.window,
            choices={world.student.pk: setup.slots[0]},
        )
    later = setup.window.booking_closes_at + dt.timedelta(minutes=1)
    with pytest.raises(ValidationFailed) as refused:
        svc.family_book(
            actor=world.guardian,
            window=setup.window,
            choices={world.student.pk: setup.slots[0]},
            now=later,
        )
    assert refused.value.code == "booking_closed"


def test_an_assigned_window_has_no_family_booking(world):
    setup = conference_setup(world)
    with pytest.raises(ValidationFailed, match="Booking isn't open"):
        svc.family_book(
            actor=world.guardian, window=setup.window, choices={world.student.pk: setup.slots[0]}
        )


def test_moving_a_conference_asks_everyone_again(world):
    setup = scheduled(world)
    svc.rsvp_respond(actor=world.guardian, conference=setup.conference, response="accepted")
    svc.conference_schedule(actor=world.teacher, conference=setup.conference, slot=setup.slots[2])
    row = Attendee.objects.get(conference=setup.conference, user=world.guardian)
    assert (row.rsvp, row.starts_at) == ("pending", setup.slots[2].starts_at)


def test_a_cancelled_conference_frees_the_familys_time(world):
    setup, sibling, their_slots = _siblings(world)
    svc.conference_schedule(actor=world.teacher, conference=setup.conference, slot=setup.slots[0])
    svc.conference_cancel(actor=world.teacher, conference=setup.conference)
    theirs = Conference.objects.get(window=setup.window, student=sibling)
    svc.conference_schedule(actor=world.other_teacher, conference=theirs, slot=their_slots[0])
    assert Conference.objects.get(pk=theirs.pk).slot_id == their_slots[0].pk


# --- RSVP, interpreter, invitations ----------------------------------------------------------


def test_guardians_accept_or_ask_for_another_time_with_a_note(world):
    setup = scheduled(world)
    with pytest.raises(ValidationFailed, match="times would work"):
        svc.rsvp_respond(actor=world.guardian, conference=setup.conference, response="another_time")
    row = svc.rsvp_respond(
        actor=world.guardian,
        conference=setup.conference,
        response="another_time",
        note="After 5 pm please",
    )
    assert (row.rsvp, row.rsvp_note) == ("another_time", "After 5 pm please")
    with pytest.raises(ValidationFailed):
        svc.rsvp_respond(actor=world.guardian, conference=setup.conference, response="maybe")


def test_only_invited_people_answer(world):
    setup = scheduled(world)
    for person in (world.other_guardian, world.teacher):
        with pytest.raises(NotAllowed):
            svc.rsvp_respond(actor=person, conference=setup.conference, response="accepted")


def test_a_family_asks_for_an_interpreter_in_a_language(world):
    setup = scheduled(world)
    conference = svc.interpreter_request(
        actor=world.guardian, conference=setup.conference, language="Tagalog"
    )
    assert conference.interpreter_language == "Tagalog"
    with pytest.raises(NotAllowed):
        svc.interpreter_request(
            actor=world.other_guardian, conference=setup.conference, language="x"
        )
    with pytest.raises(ValidationFailed):
        svc.interpreter_request(
            actor=world.guardian, conference=setup.conference, language="x" * 65
        )


def test_the_student_invites_someone_else(world):
    setup = scheduled(world)
    row = svc.attendee_invite(
        actor=world.student, conference=setup.conference, name="Coach Lee", email="lee@example.org"
    )
    assert (row.role, row.name) == ("other", "Coach Lee")
    with pytest.raises(NotAllowed):
        svc.attendee_invite(actor=world.other_student, conference=setup.conference, name="X")


# --- preparing -------------------------------------------------------------------------------


def test_two_tabs_saving_the_same_section_get_a_conflict_not_a_lost_answer(world):
    setup = scheduled(world)
    section = setup.window.template.sections.first()
    first = svc.agenda_item_save(
        actor=world.student, conference=setup.conference, section=section, response="One"
    )
    svc.agenda_item_save(
        actor=world.student,
        conference=setup.conference,
        section=section,
        response="Two",
        expected_version=first.version,
    )
    with pytest.raises(Conflict):
        svc.agenda_item_save(
            actor=world.student,
            conference=setup.conference,
            section=section,
            response="Stale",
            expected_version=first.version,
        )
    assert setup.conference.items.get(section=section).response == "Two"


def test_answers_refuse_nul_bytes_and_overlong_text(world):
    setup = scheduled(world)
    section = setup.window.template.sections.first()
    for bad in ("a\x00b", "x" * 4001):
        with pytest.raises(ValidationFailed):
            svc.agenda_item_save(
                actor=world.student, conference=setup.conference, section=section, response=bad
            )


def test_work_samples_are_the_students_own_evidence(world, maths):
    from mastery.services import evidence_record

    setup = scheduled(world)
    mine = evidence_record(actor=world.teacher, student=world.student, competency=maths.t1, score=3)
    theirs_student = f.student(world.school, email="x@example.org")
    f.enroll(world.math, theirs_student)
    theirs = evidence_record(
        actor=world.teacher, student=theirs_student, competency=maths.t1, score=2
    )
    sample = svc.work_sample_add(
        actor=world.student, conference=setup.conference, evidence=mine, proud_of="My steps"
    )
    assert sample.proud_of == "My steps"
    with pytest.raises(ValidationFailed):
        svc.work_sample_add(actor=world.student, conference=setup.conference, evidence=theirs)
    with pytest.raises(ValidationFailed, match="already"):
        svc.work_sample_add(actor=world.student, conference=setup.conference, evidence=mine)


def test_the_checklist_takes_only_the_templates_items(world):
    setup = scheduled(world)
    items = setup.window.template.checklist
    conference = svc.checklist_set(
        actor=world.student, conference=setup.conference, items=items[:2]
    )
    assert conference.checklist == items[:2]
    with pytest.raises(ValidationFailed):
        svc.checklist_set(actor=world.student, conference=setup.conference, items=["Made up"])


# --- during and after ------------------------------------------------------------------------


def test_notes_written_by_two_people_conflict_instead_of_overwriting(world):
    conference = in_state(world, "ready")
    version = conference.version
    svc.conference_notes_save(
        actor=world.teacher, conference=conference, notes="First", expected_version=version
    )
    with pytest.raises(Conflict):
        svc.conference_notes_save(
            actor=world.admin, conference=conference, notes="Second", expected_version=version
        )
    conference.refresh_from_db()
    assert conference.notes == "First"


def test_commitments_say_who_what_and_by_when_and_are_reviewed_later(world):
    conference = in_state(world, "held")
    due = world.school.today() + dt.timedelta(days=30)
    commitment = svc.commitment_add(
        actor=world.teacher, conference=conference, who="family", text="Quiet hour", due_on=due
    )
    assert (commitment.who, commitment.due_on, commitment.outcome) == ("family", due, "open")
    with pytest.raises(ValidationFailed):
        svc.commitment_add(actor=world.teacher, conference=conference, who="dog", text="Bark")
    with pytest.raises(NotAllowed):
        svc.commitment_add(actor=world.guardian, conference=conference, who="family", text="x")
    kept = svc.commitment_review(actor=world.teacher, commitment=commitment, outcome="kept")
    assert kept.outcome == "kept" and kept.reviewed_at is not None


def test_the_summary_is_written_after_the_conference(world):
    ready = in_state(world, "ready")
    with pytest.raises(ValidationFailed) as refused:
        svc.conference_summary_save(actor=world.teacher, conference=ready, summary="Too soon")
    assert refused.value.code == "invalid_transition"
    held = in_state(world, "held")
    saved = svc.conference_summary_save(actor=world.teacher, conference=held, summary="Great")
    assert saved.summary == "Great"


def test_next_term_goals_become_the_students_drafts_in_one_action_once(world):
    conference = in_state(world, "preparing")
    svc.next_goal_add(actor=world.student, conference=conference, title="Read five novels")
    conference = in_state(world, "held")
    svc.next_goal_add(actor=world.teacher, conference=conference, title="Join the debate club")
    before = Goal.objects.count()
    goals = svc.next_goals_to_drafts(actor=world.teacher, conference=conference)
    assert sorted(g.title for g in goals) == ["Join the debate club", "Read five novels"]
    assert {(g.student_id, g.status, g.origin) for g in goals} == {
        (world.student.pk, "draft", "student")
    }
    assert Goal.objects.count() == before + 2
    assert not NextTermGoal.objects.filter(conference=conference, goal__isnull=True).exists()
    with pytest.raises(ValidationFailed):
        svc.next_goals_to_drafts(actor=world.teacher, conference=conference)
    assert Goal.objects.count() == before + 2


def test_nobody_else_turns_goals_into_drafts(world):
    conference = in_state(world, "held")
    for person in (world.guardian, world.other_teacher):
        with pytest.raises(NotAllowed):
            svc.next_goals_to_drafts(actor=person, conference=conference)


def test_conferences_are_created_once_per_advisee(world):
    setup = conference_setup(world)
    assert svc.conferences_create_for_window(actor=world.admin, window=setup.window) == []
    conference = setup.conference
    roles = sorted(conference.attendees.values_list("role", "user_id"))
    assert roles == sorted(
        [
            ("advisor", world.teacher.pk),
            ("guardian", world.guardian.pk),
            ("student", world.student.pk),
        ]
    )
    with pytest.raises(NotAllowed):
        svc.conferences_create_for_window(actor=world.other_teacher, window=setup.window)


def test_windows_are_the_school_admins_and_use_the_schools_terms(world):
    from tests.conferences.support import term_for

    term = term_for(world)
    other_term = f.TermFactory(school=world.other_school)
    with pytest.raises(NotAllowed):
        svc.window_create(
            actor=world.teacher,
            school=world.school,
            term=term,
            name="W",
            starts_on=term.start_date,
            ends_on=term.start_date,
        )
    with pytest.raises(ValidationFailed):
        svc.window_create(
            actor=world.admin,
            school=world.school,
            term=other_term,
            name="W",
            starts_on=term.start_date,
            ends_on=term.start_date,
        )
    with pytest.raises(ValidationFailed):
        svc.window_create(
            actor=world.admin,
            school=world.school,
            term=term,
            name="W",
            starts_on=term.start_date,
            ends_on=term.start_date,
            mode=ConferenceWindow.Mode.BOOKING,
        )
