"""Who reviews a student's submitted evidence: the teachers of the student's sections where that
learning target is taught, and school admins (decision 0020) — on the page, in the API and in
the service alike."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import NotAllowed
from mastery.models import Framework
from mastery.permissions import can_review_evidence
from mastery.selectors import evidence_waiting_for
from mastery.services import (
    REVIEW_REFUSAL,
    evidence_accept,
    evidence_submit,
    framework_link_sections,
)
from profiles.models import Enrollment
from tests import factories as f
from tests.mastery.conftest import _node


@pytest.fixture
def writing(world, maths):
    """A writing framework taught in English 7 by Wren, where world.student is enrolled; the
    student submits a piece of writing and a piece of maths."""
    english = f.SectionFactory(school=world.school, name="English 7", code="E7-1")
    wren = f.teacher(world.school, email="wren@example.org", given_name="Wren", family_name="Ali")
    f.enroll(english, wren, role=Enrollment.Role.TEACHER)
    f.enroll(english, world.student)
    fw = Framework.objects.create(school=world.school, title="Writing 7", identifier="fw-w7")
    target = _node(fw, "w1", "W.7.1", "Write arguments to support claims", order=1)
    framework_link_sections(framework=fw, sections=[english])
    essay = evidence_submit(actor=world.student, competency=target, note="My persuasive essay")
    budget = evidence_submit(actor=world.student, competency=maths.t3, note="My budget")
    return wren, essay, budget


def test_a_maths_teacher_does_not_review_a_students_writing(world, writing):
    wren, essay, budget = writing
    assert not can_review_evidence(world.teacher, essay)
    assert can_review_evidence(world.teacher, budget)
    assert can_review_evidence(wren, essay)
    assert not can_review_evidence(wren, budget)
    assert can_review_evidence(world.admin, essay)
    assert not can_review_evidence(world.other_admin, essay)


def test_the_review_queue_lists_only_targets_taught_in_the_teachers_sections(world, writing):
    wren, essay, budget = writing
    assert list(evidence_waiting_for(viewer=world.teacher)) == [budget]
    assert list(evidence_waiting_for(viewer=wren)) == [essay]
    assert list(evidence_waiting_for(viewer=world.admin)) == [essay, budget]


def test_the_service_refuses_a_maths_teacher_accepting_writing(world, writing):
    _, essay, _ = writing
    with pytest.raises(NotAllowed):
        evidence_accept(actor=world.teacher, evidence=essay, score=3)
    essay.refresh_from_db()
    assert essay.status == "submitted" and essay.score is None


def test_the_review_page_refuses_a_maths_teacher_and_lets_the_english_teacher(
    world, writing, client
):
    wren, essay, _ = writing
    client.force_login(world.teacher)
    page = client.get(reverse("evidence-review"))
    assert "My persuasive essay" not in page.content.decode()
    assert "My budget" in page.content.decode()
    refused = client.post(reverse("evidence-accept", args=[essay.pk]), {"score": "3"})
    assert refused.status_code == 403
    essay.refresh_from_db()
    assert essay.status == "submitted"
    client.force_login(wren)
    assert (
        client.post(reverse("evidence-accept", args=[essay.pk]), {"score": "3"}).status_code == 302
    )
    essay.refresh_from_db()
    assert essay.status == "accepted" and essay.reviewed_by == wren


def test_the_api_refuses_a_maths_teacher_accepting_or_returning_writing(world, writing):
    _, essay, _ = writing
    api = APIClient()
    api.force_authenticate(world.teacher)
    for name, body in (
        ("api:evidence-accept", {"score": 3}),
        ("api:evidence-return", {"comment": "x"}),
    ):
        response = api.post(reverse(name, args=[essay.pk]), body, format="json")
        assert response.status_code == 403
        assert response.json() == {"code": "not_allowed", "detail": REVIEW_REFUSAL}
    essay.refresh_from_db()
    assert essay.status == "submitted"


def test_a_teacher_who_left_the_section_no_longer_reviews(world, writing):
    wren, essay, _ = writing
    Enrollment.objects.filter(user=wren).update(is_active=False)
    assert not can_review_evidence(wren, essay)
