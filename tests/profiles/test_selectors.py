"""Access helpers fetch and check in one call (CONVENTIONS 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from core.errors import NotFound
from profiles.models import Term
from profiles.selectors import school_of_student, section_get_for_teacher, term_current_for
from tests import factories as f


@pytest.mark.parametrize("persona", ["teacher", "admin"])
def test_the_sections_teacher_and_its_schools_admin_get_the_section(world, persona):
    section = section_get_for_teacher(viewer=getattr(world, persona), section_id=world.math.pk)
    assert section == world.math


@pytest.mark.parametrize("persona", ["student", "guardian", "other_teacher", "other_admin"])
def test_anyone_else_gets_the_one_not_found_error(world, persona):
    with pytest.raises(NotFound, match=r"No such section, or not one you teach\."):
        section_get_for_teacher(viewer=getattr(world, persona), section_id=world.math.pk)


def test_a_section_that_does_not_exist_is_the_same_not_found_error(world):
    with pytest.raises(NotFound, match=r"No such section, or not one you teach\."):
        section_get_for_teacher(viewer=world.teacher, section_id=world.math.pk + 10_000)


def test_a_page_answers_the_not_found_error_with_a_404(world, client):
    client.force_login(world.other_teacher)
    response = client.get(reverse("section-grid", args=[world.math.pk]))
    assert response.status_code == 404


def test_a_students_school_is_theirs_and_nobody_elses(world):
    assert school_of_student(student=world.student) == world.school
    assert school_of_student(student=world.teacher) is None


def test_the_current_grading_period_is_the_shortest_term_that_is_not_the_year(world):
    today = dt.date(2026, 10, 1)
    f.TermFactory(
        school=world.school,
        title="Year",
        kind=Term.Kind.SCHOOL_YEAR,
        start_date=dt.date(2026, 8, 20),
        end_date=dt.date(2027, 6, 10),
    )
    fall = f.TermFactory(
        school=world.school,
        title="Fall",
        kind=Term.Kind.SEMESTER,
        start_date=dt.date(2026, 8, 20),
        end_date=dt.date(2026, 12, 20),
    )
    assert term_current_for(school=world.school, today=today, grading_period=True) == fall
