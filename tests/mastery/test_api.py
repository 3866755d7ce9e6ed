"""The mastery REST API under /api/v1/: frameworks, competencies, evidence, mastery records and a
student's pathway, scoped to the caller; every write goes through the mastery services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from mastery.models import Competency, Evidence, Framework, MasteryRecord
from mastery.selectors import scale_default_for
from mastery.services import REVIEW_REFUSAL, evidence_record, evidence_submit
from tests import factories as f

SEP = dt.date(2026, 9, 15)
OCT = dt.date(2026, 10, 1)
MEETS = {"points": 3.0, "label": "Meets", "colour": "#2e7d32"}
APPROACHING = {"points": 2.0, "label": "Approaching", "colour": "#f9a825"}


@pytest.fixture
def api():
    return APIClient()


def as_(api, user):
    api.force_authenticate(user)
    return api


def record(world, maths, score, *, competency=None, on=SEP, student=None):
    return evidence_record(
        actor=world.teacher,
        student=student or world.student,
        competency=competency or maths.t1,
        score=score,
        observed_on=on,
    )


def submit(world, maths, note="I built a scale model of the school"):
    return evidence_submit(actor=world.student, competency=maths.t1, note=note)


def other_school_competency(world) -> Competency:
    fw = Framework.objects.create(
        school=world.other_school, title="Riverside maths", identifier="r"
    )
    return Competency.objects.create(framework=fw, identifier="r1", code="R.1", statement="Add")


EVERYONE_ELSE = ["other_student", "other_guardian", "other_teacher", "other_admin"]


# --- frameworks --------------------------------------------------------------------------------


def test_a_framework_carries_its_method_and_the_schools_default_scale(world, maths, api):
    body = as_(api, world.teacher).get(reverse("api:framework-list")).json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "id": maths.framework.pk,
        "title": "Math 7",
        "identifier": "fw-math-7",
        "uri": "",
        "subject": "Math",
        "calculation_method": "decaying_average",
        "calculation_parameter": 65,
        "scale": {
            "id": scale_default_for(school=world.school).pk,
            "name": "4-point scale",
            "levels": [
                {"points": 4.0, "label": "Exceeds", "colour": "#1b5e20", "is_mastery": False},
                {"points": 3.0, "label": "Meets", "colour": "#2e7d32", "is_mastery": True},
                {"points": 2.0, "label": "Approaching", "colour": "#f9a825", "is_mastery": False},
                {"points": 1.0, "label": "Beginning", "colour": "#e65100", "is_mastery": False},
            ],
        },
    }


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("student", True),
        ("other_student", True),
        ("guardian", True),
        ("teacher", True),
        ("other_teacher", True),
        ("admin", True),
        ("other_admin", False),
    ],
)
def test_frameworks_are_seen_by_everyone_at_their_school_only(world, maths, api, persona, sees):
    client = as_(api, getattr(world, persona))
    listed = [r["id"] for r in client.get(reverse("api:framework-list")).json()["results"]]
    detail = client.get(reverse("api:framework-detail", kwargs={"pk": maths.framework.pk}))
    assert listed == ([maths.framework.pk] if sees else [])
    assert detail.status_code == (200 if sees else 404)


def test_anonymous_callers_are_refused(world, maths, api):
    assert api.get(reverse("api:framework-list")).status_code in (401, 403)
    assert api.get(reverse("api:evidence-list")).status_code in (401, 403)


# --- competencies ------------------------------------------------------------------------------


def test_competency_detail_names_its_place_in_the_tree_and_its_prerequisites(world, maths, api):
    body = as_(api, world.student).get(reverse("api:competency-detail", args=[maths.t2.pk])).json()
    assert body == {
        "id": maths.t2.pk,
        "framework": maths.framework.pk,
        "parent": maths.ratios.pk,
        "identifier": "rp2",
        "uri": "",
        "code": "7.RP.2",
        "statement": "Recognize proportional relationships",
        "short_statement": "",
        "kind": "",
        "grade_levels": "",
        "depth": 1,
        "is_leaf": True,
        "prerequisites": [maths.t1.pk],
    }


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [r["code"] for r in response.json()["results"]]


def test_competencies_list_in_tree_order_and_filter(world, maths, api):
    client = as_(api, world.teacher)
    url = reverse("api:competency-list")
    assert codes(client.get(url)) == [
        "7.RP",
        "7.RP.1",
        "7.RP.2",
        "7.RP.3",
        "7.EE",
        "7.EE.1",
        "7.EE.2",
    ]
    leaves = ["7.RP.1", "7.RP.2", "7.RP.3", "7.EE.1", "7.EE.2"]
    assert codes(client.get(url, {"is_leaf": "true"})) == leaves
    assert codes(client.get(url, {"parent": maths.expressions.pk})) == ["7.EE.1", "7.EE.2"]
    assert codes(client.get(url, {"framework": maths.framework.pk, "search": "percent"})) == [
        "7.RP.3"
    ]
    assert codes(client.get(url, {"search": "EE"})) == ["7.EE", "7.EE.1", "7.EE.2"]
    assert codes(client.get(url, {"section": world.math.pk})) == leaves
    assert codes(client.get(url, {"section": world.advisory.pk})) == []


def test_competencies_of_a_section_the_caller_cannot_see_are_not_listed(world, maths, api):
    client = as_(api, world.other_teacher)
    assert codes(client.get(reverse("api:competency-list"), {"section": world.math.pk})) == []


def test_another_schools_admin_sees_no_competencies(world, maths, api):
    client = as_(api, world.other_admin)
    assert codes(client.get(reverse("api:competency-list"))) == []
    detail = client.get(reverse("api:competency-detail", args=[maths.t1.pk]))
    assert detail.status_code == 404


# --- evidence: recording -----------------------------------------------------------------------


def test_teacher_records_evidence_and_the_mastery_record_is_current(world, maths, api):
    response = as_(api, world.teacher).post(
        reverse("api:evidence-list"),
        {
            "student": world.student.pk,
            "competency": maths.t1.pk,
            "section": world.math.pk,
            "score": 3,
            "observed_on": "2026-09-15",
            "title": "Unit rates quiz",
            "note": "Clear working",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    evidence = Evidence.objects.get()
    record = MasteryRecord.objects.get()
    assert {k: v for k, v in body.items() if k not in ("created_at", "updated_at")} == {
        "id": evidence.pk,
        "student": world.student.pk,
        "competency": maths.t1.pk,
        "section": world.math.pk,
        "score": 3.0,
        "observed_on": "2026-09-15",
        "kind": "assessment",
        "title": "Unit rates quiz",
        "note": "Clear working",
        "link": "",
        "status": "accepted",
        "author": "Tess Nguyen",
        "reviewed_by": None,
        "review_comment": "",
        "mastery": {
            "id": record.pk,
            "student": world.student.pk,
            "competency": maths.t1.pk,
            "score": 3.0,
            "level": MEETS,
            "mastered": True,
            "evidence_count": 1,
            "first_mastered_on": "2026-09-15",
            "last_evidence_on": "2026-09-15",
        },
    }
    listed = api.get(reverse("api:mastery-record-list"), {"student": world.student.pk}).json()
    assert listed["results"] == [body["mastery"]]


def test_a_second_score_is_rolled_up_with_the_first(world, maths, api):
    record(world, maths, 3, on=SEP)
    response = as_(api, world.teacher).post(
        reverse("api:evidence-list"),
        {"student": world.student.pk, "competency": maths.t1.pk, "score": "2", "observed_on": OCT},
        format="json",
    )
    mastery = response.json()["mastery"]
    # decaying average, 65% on the newer score: 0.65 × 2 + 0.35 × 3 = 2.35
    assert (mastery["score"], mastery["level"], mastery["mastered"]) == (2.35, APPROACHING, False)
    assert mastery["evidence_count"] == 2
    assert MasteryRecord.objects.get().score == Decimal("2.35")


def test_admin_records_evidence_too(world, maths, api):
    response = as_(api, world.admin).post(
        reverse("api:evidence-list"),
        {"student": world.student.pk, "competency": maths.t1.pk, "score": 4},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["observed_on"] == timezone.localdate().isoformat()  # today if left out
    assert Evidence.objects.get().author == world.admin


def test_guardian_cannot_create_evidence(world, maths, api):
    response = as_(api, world.guardian).post(
        reverse("api:evidence-list"),
        {"student": world.student.pk, "competency": maths.t1.pk, "score": 4},
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "not_allowed",
        "detail": "Only the student's teachers can record evidence for them.",
    }
    assert not Evidence.objects.exists()


def test_teacher_cannot_record_for_a_student_they_do_not_see(world, maths, api):
    response = as_(api, world.other_teacher).post(
        reverse("api:evidence-list"),
        {"student": world.student.pk, "competency": maths.t1.pk, "score": 4},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "student": ["No such student, or not one you can see."],
        "code": "invalid",
    }
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"score": "three"}, {"score": ["Give the score as a number."], "code": "invalid"}),
        (
            {"score": 5},
            {
                "code": "invalid",
                "detail": "A score on this scale is between 0 and 4.",
                "field": "score",
            },
        ),
        (
            {"score": -1},
            {"score": ["Ensure this value is greater than or equal to 0."], "code": "invalid"},
        ),
        (
            {"observed_on": "2999-01-01"},
            {
                "code": "invalid",
                "detail": "Evidence can't be dated in the future.",
                "field": "observed_on",
            },
        ),
        (
            {"observed_on": "yesterday"},
            {
                "observed_on": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ],
                "code": "invalid",
            },
        ),
        (
            {"kind": "rumour"},
            {"kind": ['"rumour" is not a valid choice.'], "code": "invalid"},
        ),
        (
            {"competency": "ratios"},
            {
                "code": "invalid",
                "detail": "Score a learning target, not a group of them.",
                "field": "competency",
            },
        ),
        (
            {"competency": "other school"},
            {"competency": ["No such competency, or not one you can see."], "code": "invalid"},
        ),
        (
            {"section": "science"},
            {"section": ["No such section, or not one you can see."], "code": "invalid"},
        ),
        (
            {"section": "advisory", "student": "olive"},
            {"student": ["No such student, or not one you can see."], "code": "invalid"},
        ),
        ({"student": None}, {"student": ["This field may not be null."], "code": "invalid"}),
    ],
)
def test_bad_evidence_is_a_400_with_a_message_and_writes_nothing(
    world, maths, api, change, expected
):
    named = {
        "ratios": maths.ratios.pk,
        "other school": None,
        "science": world.other_section.pk,
        "advisory": world.advisory.pk,
        "olive": world.other_student.pk,
    }
    if change.get("competency") == "other school":
        change = {**change, "competency": other_school_competency(world).pk}
    body = {"student": world.student.pk, "competency": maths.t1.pk, "score": 3}
    body.update({k: named.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    response = as_(api, world.teacher).post(reverse("api:evidence-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == expected
    assert not Evidence.objects.exists()
    assert not MasteryRecord.objects.exists()


def test_the_section_must_be_one_the_student_is_in(world, maths, api):
    world.other_section.enrollments.create(user=world.teacher, role="teacher")
    response = as_(api, world.teacher).post(
        reverse("api:evidence-list"),
        {
            "student": world.student.pk,
            "competency": maths.t1.pk,
            "score": 3,
            "section": world.other_section.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "section": ["This student isn't in that section."],
        "code": "invalid",
    }


# --- evidence: students submit, teachers review ------------------------------------------------


def test_student_submits_and_teacher_accepts_and_the_record_is_updated(world, maths, api):
    response = as_(api, world.student).post(
        reverse("api:evidence-list"),
        {
            "student": world.student.pk,
            "competency": maths.t1.pk,
            "note": "I priced groceries per kilo",
            "link": "https://example.org/my-work",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    submitted = response.json()
    assert (submitted["status"], submitted["score"], submitted["kind"]) == (
        "submitted",
        None,
        "prior_learning",
    )
    assert (submitted["author"], submitted["mastery"]) == ("Sam Rivera", None)

    client = as_(api, world.teacher)
    waiting = client.get(reverse("api:evidence-list"), {"status": "submitted"}).json()
    assert [r["id"] for r in waiting["results"]] == [submitted["id"]]
    accepted = client.post(
        reverse("api:evidence-accept", args=[submitted["id"]]),
        {"score": 3, "comment": "Nicely shown"},
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert (body["status"], body["score"], body["reviewed_by"], body["review_comment"]) == (
        "accepted",
        3.0,
        "Tess Nguyen",
        "Nicely shown",
    )
    assert (body["mastery"]["score"], body["mastery"]["mastered"]) == (3.0, True)
    record_ = MasteryRecord.objects.get(student=world.student, competency=maths.t1)
    assert (record_.mastered, record_.evidence_count) == (True, 1)


@pytest.mark.parametrize("score", [4, 0])
def test_a_students_submission_takes_no_score(world, maths, api, score):
    response = as_(api, world.student).post(
        reverse("api:evidence-list"),
        {"student": world.student.pk, "competency": maths.t1.pk, "score": score, "note": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Your teacher scores your evidence: leave out score and say what you did in "
        "note or link.",
        "field": "score",
    }
    assert not Evidence.objects.exists()


def test_a_submission_needs_a_note_or_a_link(world, maths, api):
    response = as_(api, world.student).post(
        reverse("api:evidence-list"),
        {"student": world.student.pk, "competency": maths.t1.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "empty",
        "detail": "Say what you did, or add a link to your work.",
        "field": "note",
    }


def test_a_student_cannot_post_for_another_student(world, maths, api):
    response = as_(api, world.student).post(
        reverse("api:evidence-list"),
        {"student": world.other_student.pk, "competency": maths.t1.pk, "note": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["student"] == ["No such student, or not one you can see."]


def test_return_needs_a_comment(world, maths, api):
    evidence = submit(world, maths)
    client = as_(api, world.teacher)
    url = reverse("api:evidence-return", args=[evidence.pk])
    response = client.post(url, {}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Tell the student what to add or change.",
        "field": "comment",
    }
    evidence.refresh_from_db()
    assert evidence.status == "submitted"

    returned = client.post(url, {"comment": "Add a photo of the model"}, format="json")
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["review_comment"]) == (
        "returned",
        "Add a photo of the model",
    )
    assert not MasteryRecord.objects.filter(mastered=True).exists()


def test_accept_needs_a_score_on_the_scale(world, maths, api):
    evidence = submit(world, maths)
    client = as_(api, world.teacher)
    url = reverse("api:evidence-accept", args=[evidence.pk])
    assert client.post(url, {}, format="json").json() == {
        "score": ["This field is required."],
        "code": "invalid",
    }
    assert client.post(url, {"score": 9}, format="json").json() == {
        "code": "invalid",
        "detail": "A score on this scale is between 0 and 4.",
        "field": "score",
    }
    evidence.refresh_from_db()
    assert (evidence.status, evidence.score) == ("submitted", None)


def test_evidence_already_reviewed_cannot_be_accepted_again(world, maths, api):
    evidence = record(world, maths, 3)
    response = as_(api, world.teacher).post(
        reverse("api:evidence-accept", args=[evidence.pk]), {"score": 4}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "already_reviewed",
        "detail": "This evidence was already reviewed.",
        "field": "status",
    }


@pytest.mark.parametrize(
    ("persona", "code", "detail"),
    [
        ("student", 403, REVIEW_REFUSAL),
        ("guardian", 404, None),  # guardians see accepted evidence only
        ("other_teacher", 404, None),
        ("other_admin", 404, None),
        ("other_student", 404, None),
    ],
)
def test_only_the_students_teachers_accept(world, maths, api, persona, code, detail):
    evidence = submit(world, maths)
    response = as_(api, getattr(world, persona)).post(
        reverse("api:evidence-accept", args=[evidence.pk]), {"score": 3}, format="json"
    )
    assert response.status_code == code
    if detail:
        assert response.json() == {"code": "not_allowed", "detail": detail}
    evidence.refresh_from_db()
    assert evidence.status == "submitted"


def test_a_student_cannot_return_their_own_submission(world, maths, api):
    evidence = submit(world, maths)
    response = as_(api, world.student).post(
        reverse("api:evidence-return", args=[evidence.pk]), {"comment": "meh"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == REVIEW_REFUSAL


# --- evidence: changing and deleting -----------------------------------------------------------


def test_patching_the_score_recomputes_the_record(world, maths, api):
    evidence = record(world, maths, 2)
    assert MasteryRecord.objects.get().mastered is False
    response = as_(api, world.teacher).patch(
        reverse("api:evidence-detail", args=[evidence.pk]),
        {"score": "3.5", "note": "Re-marked"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["score"], body["note"], body["observed_on"]) == (3.5, "Re-marked", "2026-09-15")
    assert body["mastery"]["score"] == 3.5
    assert body["mastery"]["level"] == MEETS
    assert body["mastery"]["mastered"] is True
    stored = MasteryRecord.objects.get()
    assert (float(stored.score), stored.mastered) == (3.5, True)


@pytest.mark.parametrize("persona", ["student", "guardian"])
def test_who_sees_evidence_but_does_not_teach_cannot_change_it(world, maths, api, persona):
    evidence = record(world, maths, 2)
    client = as_(api, getattr(world, persona))
    url = reverse("api:evidence-detail", args=[evidence.pk])
    patched = client.patch(url, {"score": 4}, format="json")
    assert patched.status_code == 403
    assert patched.json() == {
        "code": "not_allowed",
        "detail": "Only the student's teachers can change this evidence.",
    }
    deleted = client.delete(url)
    assert deleted.status_code == 403
    assert deleted.json()["detail"] == "Only the student's teachers can delete this evidence."
    evidence.refresh_from_db()
    assert evidence.score == 2


@pytest.mark.parametrize("persona", EVERYONE_ELSE)
def test_evidence_of_a_student_one_cannot_see_is_a_404(world, maths, api, persona):
    evidence = record(world, maths, 2)
    client = as_(api, getattr(world, persona))
    url = reverse("api:evidence-detail", args=[evidence.pk])
    assert client.get(url).status_code == 404
    assert client.patch(url, {"score": 4}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert Evidence.objects.count() == 1


def test_deleting_evidence_recomputes_the_record(world, maths, api):
    record(world, maths, 3, on=SEP)
    later = record(world, maths, 1, on=OCT)
    assert MasteryRecord.objects.get().mastered is False  # 0.65 × 1 + 0.35 × 3 = 1.7
    response = as_(api, world.teacher).delete(reverse("api:evidence-detail", args=[later.pk]))
    assert response.status_code == 204
    stored = MasteryRecord.objects.get()
    assert (float(stored.score), stored.mastered, stored.evidence_count) == (3.0, True, 1)
    assert stored.last_evidence_on == SEP


def test_put_is_not_offered(world, maths, api):
    evidence = record(world, maths, 2)
    response = as_(api, world.teacher).put(
        reverse("api:evidence-detail", args=[evidence.pk]), {"score": 3}, format="json"
    )
    assert response.status_code == 405


# --- evidence: who sees what, and filters ------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("teacher", {"accepted", "submitted"}),
        ("admin", {"accepted", "submitted"}),
        ("student", {"accepted", "submitted"}),
        ("guardian", {"accepted"}),
        ("other_teacher", set()),
        ("other_student", set()),
        ("other_guardian", set()),
        ("other_admin", set()),
    ],
)
def test_evidence_list_is_scoped_to_the_caller(world, maths, api, persona, sees):
    record(world, maths, 3)
    submit(world, maths)
    rows = as_(api, getattr(world, persona)).get(reverse("api:evidence-list")).json()["results"]
    assert {r["status"] for r in rows} == sees
    assert len(rows) == len(sees)
    assert all(r["student"] == world.student.pk for r in rows)


def test_evidence_filters(world, maths, api):
    a = record(world, maths, 3, on=SEP)
    b = record(world, maths, 2, competency=maths.t4, on=OCT)
    c = evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t2,
        score=1,
        observed_on=OCT,
        section=world.math,
    )
    s = submit(world, maths)
    client = as_(api, world.teacher)

    def ids(**params):
        response = client.get(reverse("api:evidence-list"), params)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids() == [s.pk, c.pk, b.pk, a.pk]  # newest first
    assert ids(competency=maths.t1.pk) == [s.pk, a.pk]
    assert ids(section=world.math.pk) == [c.pk]
    assert ids(status="submitted") == [s.pk]
    assert ids(observed_before="2026-09-30") == [a.pk]
    assert ids(observed_after="2026-09-30", status="accepted") == [c.pk, b.pk]
    assert ids(student=world.student.pk, competency=maths.t4.pk) == [b.pk]
    assert ids(student=world.other_student.pk) == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"status": "bogus"}, 400),
        ({"observed_after": "last week"}, 400),
        ({"student": "abc"}, 400),
        ({"student": "-1"}, 400),
        ({"student": "99999999999999999999"}, 400),
        ({"page": "zz"}, 400),
        ({"page": "99"}, 404),
    ],
)
def test_bad_evidence_filters_are_a_400_or_404_never_a_500(world, maths, api, params, status):
    record(world, maths, 3)
    response = as_(api, world.teacher).get(reverse("api:evidence-list"), params)
    assert response.status_code == status
    if status == 200:
        assert response.json()["count"] == 0


# --- recording a whole class -------------------------------------------------------------------


@pytest.fixture
def kid(world):
    kid = f.student(world.school, email="kai@example.org", given_name="Kai", family_name="Lund")
    f.enroll(world.math, kid)
    return kid


def bulk_body(world, maths, scores, **extra):
    return {
        "section": world.math.pk,
        "competency": maths.t1.pk,
        "observed_on": "2026-10-01",
        "title": "Unit rates quiz",
        "scores": scores,
        **extra,
    }


def test_teacher_records_a_class_in_one_request(world, maths, api, kid):
    idle = f.student(world.school, email="ida@example.org")
    f.enroll(world.math, idle)
    response = as_(api, world.teacher).post(
        reverse("api:evidence-bulk"),
        bulk_body(
            world,
            maths,
            [
                {"student": world.student.pk, "score": 3},
                {"student": kid.pk, "score": "1.5"},
                {"student": idle.pk, "score": None},
            ],
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    rows = response.json()
    assert [(r["student"], r["score"], r["title"], r["section"]) for r in rows] == [
        (world.student.pk, 3.0, "Unit rates quiz", world.math.pk),
        (kid.pk, 1.5, "Unit rates quiz", world.math.pk),
    ]
    assert {r["id"] for r in rows} == set(Evidence.objects.values_list("pk", flat=True))
    records = {
        r.student_id: (float(r.score), r.mastered, r.evidence_count)
        for r in MasteryRecord.objects.filter(competency=maths.t1)
    }
    assert records == {world.student.pk: (3.0, True, 1), kid.pk: (1.5, False, 1)}


def test_one_invalid_score_writes_nothing_for_the_class(world, maths, api, kid):
    response = as_(api, world.teacher).post(
        reverse("api:evidence-bulk"),
        bulk_body(
            world,
            maths,
            [{"student": world.student.pk, "score": 3}, {"student": kid.pk, "score": 7}],
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": f"Some scores are not valid: student {kid.pk}: "
        "A score on this scale is between 0 and 4.",
        "field": "scores",
    }
    assert not Evidence.objects.exists()
    assert not MasteryRecord.objects.exists()


def test_a_non_numeric_score_in_a_class_writes_nothing(world, maths, api, kid):
    response = as_(api, world.teacher).post(
        reverse("api:evidence-bulk"),
        bulk_body(
            world,
            maths,
            [{"student": world.student.pk, "score": 3}, {"student": kid.pk, "score": "B+"}],
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "scores": {"1": {"score": ["Give the score as a number."]}},
        "code": "invalid",
    }
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([{"student": 999999, "score": 3}], "Not students of this class: 999999."),
        ("olive", "Not students of this class: {olive}."),
        ("twice", "Each student once: {sam} listed twice."),
    ],
)
def test_a_class_score_for_someone_not_in_the_class_is_a_400(world, maths, api, scores, message):
    sam, olive = world.student.pk, world.other_student.pk
    if scores == "olive":
        scores = [{"student": sam, "score": 3}, {"student": olive, "score": 3}]
    elif scores == "twice":
        scores = [{"student": sam, "score": 3}, {"student": sam, "score": 2}]
    response = as_(api, world.teacher).post(
        reverse("api:evidence-bulk"), bulk_body(world, maths, scores), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "scores": [message.format(olive=olive, sam=sam)],
        "code": "invalid",
    }
    assert not Evidence.objects.exists()


def test_a_class_score_needs_at_least_one_score(world, maths, api):
    response = as_(api, world.teacher).post(
        reverse("api:evidence-bulk"),
        bulk_body(world, maths, [{"student": world.student.pk, "score": None}]),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Enter at least one score."


def test_a_class_score_on_another_schools_competency_is_a_400(world, maths, api):
    response = as_(api, world.teacher).post(
        reverse("api:evidence-bulk"),
        bulk_body(
            world,
            maths,
            [{"student": world.student.pk, "score": 3}],
            competency=other_school_competency(world).pk,
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "competency": ["No such competency, or not one you can see."],
        "code": "invalid",
    }


@pytest.mark.parametrize("persona", ["student", "guardian"])
def test_students_and_guardians_cannot_record_a_class(world, maths, api, persona):
    response = as_(api, getattr(world, persona)).post(
        reverse("api:evidence-bulk"),
        bulk_body(world, maths, [{"student": world.student.pk, "score": 3}]),
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "not_allowed",
        "detail": "Only the class's teachers can record its scores.",
    }
    assert not Evidence.objects.exists()


def test_another_teacher_cannot_record_a_class_they_do_not_see(world, maths, api):
    response = as_(api, world.other_teacher).post(
        reverse("api:evidence-bulk"),
        bulk_body(world, maths, [{"student": world.student.pk, "score": 3}]),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "section": ["No such section, or not one you can see."],
        "code": "invalid",
    }
    assert not Evidence.objects.exists()


def test_a_teacher_who_only_sees_a_section_cannot_record_it(world, maths, api):
    """A teacher who is also a guardian of a student in Math 7 sees the section, but does not
    teach it: the service refuses."""
    from profiles.models import GuardianLink

    GuardianLink.objects.create(guardian=world.other_teacher, student=world.student)
    response = as_(api, world.other_teacher).post(
        reverse("api:evidence-bulk"),
        bulk_body(world, maths, [{"student": world.student.pk, "score": 3}]),
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the class's teachers can record its scores."
    assert not Evidence.objects.exists()


# --- mastery records ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("teacher", True),
        ("admin", True),
        ("student", True),
        ("guardian", True),
        ("other_teacher", False),
        ("other_student", False),
        ("other_guardian", False),
        ("other_admin", False),
    ],
)
def test_mastery_records_are_scoped_to_the_caller(world, maths, api, persona, sees):
    record(world, maths, 3)
    stored = MasteryRecord.objects.get()
    client = as_(api, getattr(world, persona))
    rows = client.get(reverse("api:mastery-record-list")).json()["results"]
    detail = client.get(reverse("api:mastery-record-detail", args=[stored.pk]))
    assert [r["id"] for r in rows] == ([stored.pk] if sees else [])
    assert detail.status_code == (200 if sees else 404)
    if sees:
        assert detail.json() == {
            "id": stored.pk,
            "student": world.student.pk,
            "competency": maths.t1.pk,
            "score": 3.0,
            "level": MEETS,
            "mastered": True,
            "evidence_count": 1,
            "first_mastered_on": "2026-09-15",
            "last_evidence_on": "2026-09-15",
        }


def test_mastery_record_filters(world, maths, api):
    record(world, maths, 3, competency=maths.t1)
    record(world, maths, 2, competency=maths.t4)
    other_fw = Framework.objects.create(school=world.school, title="Science", identifier="sci")
    leaf = Competency.objects.create(framework=other_fw, identifier="s1", statement="Observe")
    record(world, maths, 4, competency=leaf)
    client = as_(api, world.teacher)

    def competencies(**params):
        response = client.get(reverse("api:mastery-record-list"), params)
        assert response.status_code == 200
        return sorted(r["competency"] for r in response.json()["results"])

    assert competencies() == sorted([maths.t1.pk, maths.t4.pk, leaf.pk])
    assert competencies(mastered="true") == sorted([maths.t1.pk, leaf.pk])
    assert competencies(mastered="false") == [maths.t4.pk]
    assert competencies(framework=maths.framework.pk) == sorted([maths.t1.pk, maths.t4.pk])
    assert competencies(competency=maths.t4.pk) == [maths.t4.pk]
    assert competencies(student=world.student.pk, framework=other_fw.pk) == [leaf.pk]
    assert competencies(student=world.other_student.pk) == []


# --- a student's pathway -----------------------------------------------------------------------


def test_pathway_gives_each_targets_status_level_and_missing_prerequisites(world, maths, api):
    record(world, maths, 3, competency=maths.t1)  # mastered: unlocks RP.2
    record(world, maths, 2, competency=maths.t4)  # started, not mastered: EE.2 stays locked
    response = as_(api, world.guardian).get(
        reverse("api:student-pathway", kwargs={"pk": world.student.pk})
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["student"] == world.student.pk
    [fw] = body["frameworks"]
    assert (fw["framework"], fw["title"], fw["mastered"], fw["in_progress"]) == (
        maths.framework.pk,
        "Math 7",
        1,
        1,
    )
    items = {i["code"]: i for i in fw["items"]}
    assert list(items) == ["7.RP.1", "7.RP.2", "7.RP.3", "7.EE.1", "7.EE.2"]
    assert items["7.RP.1"] == {
        "competency": maths.t1.pk,
        "code": "7.RP.1",
        "statement": "Compute unit rates",
        "domain": maths.ratios.pk,
        "status": "mastered",
        "level": MEETS,
        "score": 3.0,
        "evidence_count": 1,
        "missing_prerequisites": [],
    }
    assert items["7.EE.1"]["status"] == "in_progress"
    assert (items["7.EE.1"]["level"], items["7.EE.1"]["score"]) == (APPROACHING, 2.0)
    assert items["7.RP.2"]["status"] == "ready"
    assert items["7.RP.3"]["status"] == "ready"
    assert items["7.EE.2"] == {
        "competency": maths.t5.pk,
        "code": "7.EE.2",
        "statement": "Rewrite expressions in different forms",
        "domain": maths.expressions.pk,
        "status": "locked",
        "level": None,
        "score": None,
        "evidence_count": 0,
        "missing_prerequisites": [
            {"id": maths.t4.pk, "code": "7.EE.1", "statement": "Add and factor linear expressions"}
        ],
    }


def test_pathway_of_a_student_with_no_frameworks_is_empty(world, maths, api):
    response = as_(api, world.admin).get(
        reverse("api:student-pathway", kwargs={"pk": world.other_student.pk})
    )
    assert response.json() == {"student": world.other_student.pk, "frameworks": []}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("student", 200),
        ("guardian", 200),
        ("teacher", 200),
        ("admin", 200),
        ("other_student", 404),
        ("other_guardian", 404),
        ("other_teacher", 404),
        ("other_admin", 404),
    ],
)
def test_pathway_is_a_404_for_who_may_not_see_the_student(world, maths, api, persona, status):
    response = as_(api, getattr(world, persona)).get(
        reverse("api:student-pathway", kwargs={"pk": world.student.pk})
    )
    assert response.status_code == status
    if status == 404:
        assert response.json() == {
            "code": "not_found",
            "detail": "No such student, or not one you can see.",
        }


def test_pathway_of_someone_who_is_not_a_student_is_a_404(world, maths, api):
    client = as_(api, world.admin)
    assert client.get(reverse("api:student-pathway", args=[world.teacher.pk])).status_code == 404
    assert client.get("/api/v1/students/99999999999999999999/pathway/").status_code == 404


def test_openapi_schema_describes_the_mastery_endpoints(world, api):
    paths = as_(api, world.teacher).get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    for path, method in [
        ("/api/v1/frameworks/", "get"),
        ("/api/v1/competencies/{id}/", "get"),
        ("/api/v1/evidence/", "post"),
        ("/api/v1/evidence/{id}/", "patch"),
        ("/api/v1/evidence/bulk/", "post"),
        ("/api/v1/evidence/{id}/accept/", "post"),
        ("/api/v1/evidence/{id}/return/", "post"),
        ("/api/v1/mastery-records/", "get"),
        ("/api/v1/students/{id}/pathway/", "get"),
    ]:
        assert method in paths[path], path
    assert "put" not in paths["/api/v1/evidence/{id}/"]
