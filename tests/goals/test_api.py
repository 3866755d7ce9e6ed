"""The goals REST API under /api/v1/: goals scoped like the pages, the co-setting flow, every
refused transition a readable 400, optimistic concurrency, and every write through the goals
services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from goals.models import ActionStep, CheckIn, Goal, GoalComment
from goals.selectors import goal_categories_for
from goals.services import (
    action_step_add,
    checkin_record,
    goal_approve,
    goal_close,
    goal_comment_add,
    goal_create,
)
from tests import factories as f
from tests.mastery.conftest import build_maths

READING = "Read four novels this term"
FRACTIONS = "Get confident with fractions"


@pytest.fixture
def api():
    return APIClient()


def as_(api, user):
    api.force_authenticate(user)
    return api


def draft(world, title="Keep a reading journal"):
    return goal_create(actor=world.student, student=world.student, title=title)


def proposed(world, title=FRACTIONS):
    return goal_create(actor=world.student, student=world.student, title=title, propose=True)


def active(world, title=READING):
    return goal_approve(actor=world.teacher, goal=proposed(world, title))


def suggestion(world, title="Join the chess club"):
    return goal_create(actor=world.teacher, student=world.student, title=title)


def titles(response):
    assert response.status_code == 200, response.content[:500]
    return sorted(row["title"] for row in response.json()["results"])


def detail(goal):
    return reverse("api:goal-detail", kwargs={"pk": goal.pk})


def act(name, goal):
    return reverse(f"api:goal-{name}", kwargs={"pk": goal.pk})


# --- who sees which goals ----------------------------------------------------------------------


def test_student_sees_their_own_goals_including_drafts(world, api):
    draft(world, "Keep a reading journal")
    proposed(world, FRACTIONS)
    active(world, READING)
    body = as_(api, world.student).get(reverse("api:goal-list"))
    assert titles(body) == [FRACTIONS, "Keep a reading journal", READING]


@pytest.mark.parametrize("persona", ["teacher", "guardian", "admin"])
def test_teacher_guardian_and_admin_see_the_students_goals_past_draft(world, api, persona):
    hidden = draft(world, "Keep a reading journal")
    proposed(world, FRACTIONS)
    active(world, READING)
    suggestion(world, "Join the chess club")
    client = as_(api, getattr(world, persona))
    assert titles(client.get(reverse("api:goal-list"))) == [
        FRACTIONS,
        "Join the chess club",
        READING,
    ]
    assert client.get(detail(hidden)).status_code == 404


@pytest.mark.parametrize(
    "persona", ["other_student", "other_teacher", "other_guardian", "other_admin"]
)
def test_people_outside_the_students_circle_see_none_of_their_goals(world, api, persona):
    goal = active(world)
    suggestion(world)
    client = as_(api, getattr(world, persona))
    assert client.get(reverse("api:goal-list")).json()["count"] == 0
    assert client.get(detail(goal)).status_code == 404
    assert client.get(act("checkins", goal)).status_code == 404
    assert client.get(act("comments", goal)).status_code == 404
    step = action_step_add(actor=world.student, goal=goal, title="Library on Fridays")
    assert client.get(reverse("api:action-step-detail", kwargs={"pk": step.pk})).status_code == 404


def test_anonymous_callers_are_refused(world, api):
    goal = active(world)
    assert api.get(reverse("api:goal-list")).status_code in (401, 403)
    assert api.post(act("close", goal), {"outcome": "achieved"}).status_code in (401, 403)


def test_a_goal_reads_with_its_category_competencies_steps_and_latest_check_in(world, api):
    maths = build_maths(world)
    numeracy = next(
        c for c in goal_categories_for(school_id=world.school.pk) if c.name == "Numeracy"
    )
    goal = goal_create(
        actor=world.student,
        student=world.student,
        title="Master unit rates",
        why="I want to cook for my family",
        category=numeracy,
        horizon="year",
        success_criteria="Level 3 on 7.RP.1",
        target_date=dt.date(2027, 3, 1),
        competencies=[maths.t2, maths.t1],
        steps=[("Practice 10 problems a week", dt.date(2026, 11, 1))],
        propose=True,
    )
    goal = goal_approve(actor=world.teacher, goal=goal)
    checkin_record(actor=world.student, goal=goal, confidence=2, progress=10)
    checkin_record(actor=world.student, goal=goal, confidence=4, progress=35)
    body = as_(api, world.guardian).get(detail(goal)).json()
    step = goal.steps.get()
    assert {k: v for k, v in body.items() if k not in ("created_at", "updated_at")} == {
        "id": goal.pk,
        "student": world.student.pk,
        "title": "Master unit rates",
        "why": "I want to cook for my family",
        "category": {"id": numeracy.pk, "name": "Numeracy"},
        "horizon": "year",
        "success_criteria": "Level 3 on 7.RP.1",
        "target_date": "2027-03-01",
        "competencies": sorted([maths.t1.pk, maths.t2.pk]),
        "status": "active",
        "origin": "student",
        "suggested_by": None,
        "approved_by": {"id": world.teacher.pk, "display_name": "Tess Nguyen"},
        "approved_at": body["approved_at"],
        "return_comment": "",
        "reflection": "",
        "closed_at": None,
        "version": 2,
        "latest_progress": 35,
        "latest_confidence": 4,
        "steps": [
            {
                "id": step.pk,
                "goal": goal.pk,
                "title": "Practice 10 problems a week",
                "due_date": "2026-11-01",
                "done": False,
                "done_at": None,
                "order": 0,
            }
        ],
    }
    assert body["approved_at"] is not None


def test_goals_filter_by_student_status_category_and_origin(world, api):
    literacy = next(
        c for c in goal_categories_for(school_id=world.school.pk) if c.name == "Literacy"
    )
    goal_create(
        actor=world.student,
        student=world.student,
        title=READING,
        category=literacy,
        propose=True,
    )
    active(world, FRACTIONS)
    suggestion(world, "Join the chess club")
    kid = f.student(world.school, email="kim@example.org")
    f.enroll(world.math, kid)
    goal_create(actor=kid, student=kid, title="Run a 5k", propose=True)
    client = as_(api, world.teacher)
    url = reverse("api:goal-list")
    assert titles(client.get(url, {"status": "active"})) == [FRACTIONS]
    assert titles(client.get(url, {"origin": "teacher"})) == ["Join the chess club"]
    assert titles(client.get(url, {"category": literacy.pk})) == [READING]
    assert titles(client.get(url, {"student": kid.pk})) == ["Run a 5k"]
    assert titles(client.get(url, {"student": world.student.pk, "status": "proposed"})) == [
        "Join the chess club",
        READING,
    ]


@pytest.mark.parametrize(
    "params", [{"status": "done"}, {"origin": "x"}, {"student": "abc"}, {"category": "-1"}]
)
def test_bad_filters_are_a_400_never_a_500(world, api, params):
    response = as_(api, world.teacher).get(reverse("api:goal-list"), params)
    assert response.status_code == 400


# --- the co-setting flow -----------------------------------------------------------------------


def test_student_proposes_teacher_approves_student_checks_in_guardian_encourages(world, api):
    student = as_(APIClient(), world.student)
    created = student.post(
        reverse("api:goal-list"),
        {
            "title": READING,
            "why": "I love stories",
            "success_criteria": "4 books, a journal entry each",
            "target_date": "2027-01-10",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    goal_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert created.json()["origin"] == "student"
    assert created.json()["student"] == world.student.pk
    goal = Goal.objects.get(pk=goal_id)

    # The teacher doesn't see a draft until it is proposed.
    teacher = as_(APIClient(), world.teacher)
    assert teacher.get(detail(goal)).status_code == 404
    proposed_ = student.post(act("propose", goal))
    assert proposed_.status_code == 200
    assert proposed_.json()["status"] == "proposed"

    approved = teacher.post(act("approve", goal), {"comment": "Great choice!"}, format="json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "active"
    assert approved.json()["approved_by"] == {"id": world.teacher.pk, "display_name": "Tess Nguyen"}

    checked = student.post(
        act("checkins", goal),
        {"confidence": 4, "progress": 25, "what_helped": "Reading at bedtime"},
        format="json",
    )
    assert checked.status_code == 201, checked.content
    assert {k: checked.json()[k] for k in ("progress", "confidence", "author")} == {
        "progress": 25,
        "confidence": 4,
        "author": world.student.pk,
    }

    guardian = as_(APIClient(), world.guardian)
    encouraged = guardian.post(act("comments", goal), {"body": "So proud of you"}, format="json")
    assert encouraged.status_code == 201
    assert encouraged.json()["kind"] == "encouragement"
    assert encouraged.json()["author"] == {"id": world.guardian.pk, "display_name": "Gina Rivera"}

    seen = guardian.get(detail(goal)).json()
    assert (seen["status"], seen["latest_progress"], seen["latest_confidence"]) == ("active", 25, 4)
    comments = student.get(act("comments", goal)).json()
    assert [(c["kind"], c["body"]) for c in comments] == [
        ("approved", "Great choice!"),
        ("encouragement", "So proud of you"),
    ]
    checkins = teacher.get(act("checkins", goal)).json()
    assert [(c["progress"], c["what_helped"]) for c in checkins] == [(25, "Reading at bedtime")]


def test_teacher_returns_a_proposal_with_a_comment_and_it_is_the_students_draft_again(world, api):
    goal = proposed(world)
    response = as_(api, world.teacher).post(
        act("return", goal), {"comment": "Make it measurable"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["return_comment"]) == (
        "draft",
        "Make it measurable",
    )
    assert api.get(detail(goal)).status_code == 404
    assert GoalComment.objects.get(goal=goal).kind == "returned"


def test_student_creates_and_proposes_in_one_go_with_competencies_and_category(world, api):
    maths = build_maths(world)
    numeracy = next(
        c for c in goal_categories_for(school_id=world.school.pk) if c.name == "Numeracy"
    )
    response = as_(api, world.student).post(
        reverse("api:goal-list"),
        {
            "title": "Master unit rates",
            "category": numeracy.pk,
            "horizon": "year",
            "competencies": [maths.t1.pk],
            "propose": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["category"], body["competencies"], body["horizon"]) == (
        "proposed",
        {"id": numeracy.pk, "name": "Numeracy"},
        [maths.t1.pk],
        "year",
    )


def test_student_closes_an_active_goal_with_a_reflection(world, api):
    goal = active(world)
    response = as_(api, world.student).post(
        act("close", goal),
        {"outcome": "achieved", "reflection": "Audiobooks on the bus helped"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reflection"]) == ("achieved", "Audiobooks on the bus helped")
    assert body["closed_at"] is not None


def test_student_adds_a_step_and_ticks_it_off(world, api):
    goal = active(world)
    client = as_(api, world.student)
    added = client.post(
        act("steps", goal), {"title": "Library on Fridays", "due_date": "2026-12-01"}, format="json"
    )
    assert added.status_code == 201
    step_id = added.json()["id"]
    assert added.json()["due_date"] == "2026-12-01"
    url = reverse("api:action-step-detail", kwargs={"pk": step_id})
    ticked = client.patch(url, {"done": True}, format="json")
    assert ticked.status_code == 200
    assert ticked.json()["done"] is True
    assert ActionStep.objects.get(pk=step_id).done_at is not None
    assert as_(api, world.teacher).get(url).json()["done"] is True


def test_guardian_cannot_add_or_tick_off_steps(world, api):
    goal = active(world)
    step = action_step_add(actor=world.student, goal=goal, title="Library on Fridays")
    client = as_(api, world.guardian)
    assert client.post(act("steps", goal), {"title": "x"}, format="json").status_code == 403
    url = reverse("api:action-step-detail", kwargs={"pk": step.pk})
    assert client.patch(url, {"done": True}, format="json").status_code == 403
    step.refresh_from_db()
    assert (step.done, goal.steps.count()) == (False, 1)


# --- teacher suggestions -----------------------------------------------------------------------


def test_teacher_suggests_a_goal_and_the_student_accepts_it(world, api):
    response = as_(api, world.teacher).post(
        reverse("api:goal-list"),
        {"student": world.student.pk, "title": "Join the chess club"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["origin"], body["suggested_by"]) == (
        "proposed",
        "teacher",
        {"id": world.teacher.pk, "display_name": "Tess Nguyen"},
    )
    goal = Goal.objects.get(pk=body["id"])
    accepted = as_(api, world.student).post(act("accept", goal))
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["approved_by"]["id"]) == (
        "active",
        world.teacher.pk,
    )


def test_student_declines_a_suggestion_with_a_reason(world, api):
    goal = suggestion(world)
    response = as_(api, world.student).post(
        act("decline", goal), {"reason": "Too busy with band"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reflection"]) == (
        "abandoned",
        "Too busy with band",
    )


def test_only_the_student_accepts_a_suggestion(world, api):
    goal = suggestion(world)
    response = as_(api, world.teacher).post(act("accept", goal))
    assert response.status_code == 403
    assert response.json() == {
        "code": "not_allowed",
        "detail": "Only the student accepts a suggested goal.",
    }


def test_a_teacher_must_name_the_student(world, api):
    response = as_(api, world.teacher).post(
        reverse("api:goal-list"), {"title": "Join the chess club"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Say which student the goal is for.",
        "field": "student",
    }


def test_guardian_cannot_set_a_goal_for_their_child(world, api):
    response = as_(api, world.guardian).post(
        reverse("api:goal-list"), {"student": world.student.pk, "title": "Tidy room"}, format="json"
    )
    assert response.status_code == 403
    assert Goal.objects.count() == 0


def test_teacher_cannot_suggest_a_goal_to_a_student_they_dont_see(world, api):
    response = as_(api, world.teacher).post(
        reverse("api:goal-list"),
        {"student": world.other_student.pk, "title": "Join the chess club"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["student"] == ["No such student, or not one you can see."]
    assert Goal.objects.count() == 0


# --- refused transitions -----------------------------------------------------------------------


def _closed(world):
    return goal_close(actor=world.student, goal=active(world), outcome="achieved", reflection="Yes")


CLOSE = {"outcome": "achieved", "reflection": "Done"}
INVALID_TRANSITIONS = [
    # (who, how the goal is made, action, body, the service's sentence)
    ("teacher", active, "approve", {}, "A goal that is active can't be approved."),
    ("teacher", active, "return", {"comment": "x"}, "A goal that is active can't be returned."),
    ("student", draft, "close", CLOSE, "A goal that is draft can't be closed as achieved."),
    (
        "student",
        proposed,
        "close",
        CLOSE,
        "A goal that is waiting for approval can't be closed as achieved.",
    ),
    ("student", active, "propose", {}, "A goal that is active can't be proposed."),
    ("student", proposed, "propose", {}, "A goal that is waiting for approval can't be proposed."),
    ("student", _closed, "close", CLOSE, "A goal that is achieved can't be closed as achieved."),
    (
        "teacher",
        suggestion,
        "approve",
        {},
        "This is a teacher's suggestion: the student accepts or declines it.",
    ),
    (
        "teacher",
        suggestion,
        "return",
        {"comment": "x"},
        "A teacher's suggestion can't be returned.",
    ),
    ("student", proposed, "accept", {}, "Only a teacher's suggestion is accepted this way."),
    ("student", proposed, "decline", {}, "Only a teacher's suggestion is declined."),
    (
        "student",
        proposed,
        "checkins",
        {"confidence": 3, "progress": 10},
        "A goal that is waiting for approval can't be checked in on.",
    ),
]


@pytest.mark.parametrize(
    ("persona", "make", "name", "body", "detail_"),
    INVALID_TRANSITIONS,
    ids=[f"{name}-{make.__name__}" for _, make, name, _, _ in INVALID_TRANSITIONS],
)
def test_every_invalid_transition_is_a_400_with_the_reason(
    world, api, persona, make, name, body, detail_
):
    goal = make(world)
    before = Goal.objects.values().get(pk=goal.pk)
    response = as_(api, getattr(world, persona)).post(act(name, goal), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"code": "invalid_transition", "detail": detail_, "field": "status"}
    assert Goal.objects.values().get(pk=goal.pk) == before
    assert CheckIn.objects.count() == 0


def test_returning_without_a_comment_is_a_400_on_the_comment(world, api):
    goal = proposed(world)
    response = as_(api, world.teacher).post(act("return", goal), {}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Say what to change before returning it.",
        "field": "comment",
    }
    goal.refresh_from_db()
    assert goal.status == "proposed"


def test_closing_without_a_reflection_or_with_an_unknown_outcome_is_a_400(world, api):
    goal = active(world)
    client = as_(api, world.student)
    blank = client.post(act("close", goal), {"outcome": "achieved"}, format="json")
    assert blank.json() == {
        "code": "invalid",
        "detail": "Write a short reflection: what you learned along the way.",
        "field": "reflection",
    }
    unknown = client.post(act("close", goal), {"outcome": "won", "reflection": "x"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["outcome"] == ['"won" is not a valid choice.']
    goal.refresh_from_db()
    assert goal.status == "active"


def test_check_in_needs_progress_on_a_goal_without_competencies(world, api):
    goal = active(world)
    response = as_(api, world.student).post(act("checkins", goal), {"confidence": 3}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "How far along are you? Give a percent.",
        "field": "progress",
    }


def test_check_in_without_progress_takes_it_from_the_linked_competencies(world, api):
    from mastery.services import evidence_record

    maths = build_maths(world)
    goal = goal_create(
        actor=world.student,
        student=world.student,
        title="Unit rates and proportions",
        competencies=[maths.t1, maths.t2],
        propose=True,
    )
    goal = goal_approve(actor=world.teacher, goal=goal)
    evidence_record(actor=world.teacher, student=world.student, competency=maths.t1, score=3)
    response = as_(api, world.student).post(act("checkins", goal), {"confidence": 3}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["progress"], response.json()["progress_derived"]) == (50, True)


@pytest.mark.parametrize(
    "body",
    [{"confidence": 6, "progress": 10}, {"confidence": 3, "progress": 101}, {"progress": 10}],
)
def test_check_in_values_out_of_range_are_a_400(world, api, body):
    goal = active(world)
    response = as_(api, world.student).post(act("checkins", goal), body, format="json")
    assert response.status_code == 400
    assert CheckIn.objects.count() == 0


def test_only_the_student_checks_in(world, api):
    goal = active(world)
    response = as_(api, world.teacher).post(
        act("checkins", goal), {"confidence": 3, "progress": 10}, format="json"
    )
    assert response.status_code == 403


def test_guardian_cannot_approve_or_close(world, api):
    client = as_(api, world.guardian)
    assert client.post(act("approve", proposed(world))).status_code == 403
    assert client.post(act("close", active(world)), CLOSE, format="json").status_code == 403


def test_empty_comment_is_a_400(world, api):
    goal = active(world)
    response = as_(api, world.guardian).post(act("comments", goal), {"body": "  "}, format="json")
    assert response.json() == {
        "code": "invalid",
        "detail": "Write something first.",
        "field": "body",
    }
    assert GoalComment.objects.count() == 0


def test_other_guardian_cannot_comment(world, api):
    goal = active(world)
    response = as_(api, world.other_guardian).post(
        act("comments", goal), {"body": "Hi"}, format="json"
    )
    assert response.status_code == 404
    goal_comment_add(actor=world.teacher, goal=goal, body="Keep going")
    assert GoalComment.objects.count() == 1


# --- revising: optimistic concurrency ----------------------------------------------------------


def test_student_revises_their_goal_with_the_version_they_read(world, api):
    goal = active(world)
    response = as_(api, world.student).patch(
        detail(goal),
        {"title": "Read five novels this term", "version": goal.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["version"]) == (
        "Read five novels this term",
        goal.version + 1,
    )


def test_stale_version_is_a_409_and_nothing_is_overwritten(world, api):
    goal = active(world)
    read_version = goal.version
    as_(api, world.student).patch(
        detail(goal), {"title": "Read five novels", "version": read_version}, format="json"
    )
    response = as_(api, world.teacher).patch(
        detail(goal), {"title": "Read two novels", "version": read_version}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "detail": "Sam Rivera changed this goal while you were editing, so nothing was "
        "overwritten. Their version is shown; make your change again.",
    }
    goal.refresh_from_db()
    assert (goal.title, goal.version) == ("Read five novels", read_version + 1)


def test_patch_without_version_is_a_400_with_a_message(world, api):
    goal = active(world)
    response = as_(api, world.student).patch(detail(goal), {"title": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Send the goal's current version with your change.",
        "field": "version",
    }


def test_guardian_cannot_patch_their_childs_goal(world, api):
    goal = active(world)
    response = as_(api, world.guardian).patch(
        detail(goal), {"title": "Tidy room", "version": goal.version}, format="json"
    )
    assert response.status_code == 403
    goal.refresh_from_db()
    assert goal.title == READING


def test_a_closed_goal_cannot_be_revised(world, api):
    goal = _closed(world)
    response = as_(api, world.student).patch(
        detail(goal), {"title": "Read ten", "version": goal.version}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_transition",
        "detail": "A goal that is achieved can't be revised.",
        "field": "status",
    }
    goal.refresh_from_db()
    assert goal.title == READING


def test_revising_links_competencies_and_clears_the_category(world, api):
    maths = build_maths(world)
    literacy = next(
        c for c in goal_categories_for(school_id=world.school.pk) if c.name == "Literacy"
    )
    goal = goal_create(
        actor=world.student, student=world.student, title="Unit rates", category=literacy
    )
    response = as_(api, world.student).patch(
        detail(goal),
        {"category": None, "competencies": [maths.t3.pk], "version": goal.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["category"], response.json()["competencies"]) == (None, [maths.t3.pk])


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "version": 1},
        {"title": "x" * 201, "version": 1},
        {"horizon": "forever", "version": 1},
        {"target_date": "soon", "version": 1},
        {"category": 999999, "version": 1},
        {"competencies": [999999], "version": 1},
        {"version": "one"},
        {"title": "nul\x00", "version": 1},
    ],
)
def test_bad_input_is_a_400_never_a_500(world, api, body):
    goal = draft(world)
    response = as_(api, world.student).patch(detail(goal), body, format="json")
    assert response.status_code == 400, response.content
    goal.refresh_from_db()
    assert goal.version == 1


def test_another_schools_category_is_refused(world, api):
    theirs = goal_categories_for(school_id=world.other_school.pk)[0]
    response = as_(api, world.student).post(
        reverse("api:goal-list"), {"title": "Read", "category": theirs.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["category"] == ["No such category, or not one you can see."]


def test_bad_json_is_a_400(world, api):
    response = as_(api, world.student).post(
        reverse("api:goal-list"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_openapi_schema_describes_the_goal_endpoints(world, api):
    response = as_(api, world.teacher).get(reverse("api-schema"), {"format": "json"})
    paths = response.json()["paths"]
    for path in (
        "/api/v1/goals/",
        "/api/v1/goals/{id}/",
        "/api/v1/goals/{id}/propose/",
        "/api/v1/goals/{id}/approve/",
        "/api/v1/goals/{id}/return/",
        "/api/v1/goals/{id}/accept/",
        "/api/v1/goals/{id}/decline/",
        "/api/v1/goals/{id}/close/",
        "/api/v1/goals/{id}/checkins/",
        "/api/v1/goals/{id}/comments/",
        "/api/v1/goals/{id}/steps/",
        "/api/v1/action-steps/{id}/",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/goals/{id}/"]) == {"get", "patch"}
