"""What a family reads on a child's progress page: levels by name and meaning, not points."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from mastery.models import ProficiencyLevel
from mastery.services import evidence_record


def test_a_parent_sees_the_level_name_and_what_it_means_not_points(world, maths, client):
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t1,
        score=3,
        observed_on=dt.date(2026, 9, 15),
    )
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t2,
        score=2,
        observed_on=dt.date(2026, 9, 16),
    )
    client.force_login(world.guardian)
    page = client.get(reverse("student-progress", args=[world.student.pk])).content.decode()
    recent = page.split('id="recent-heading"')[1]
    assert "3.00" not in recent and "2.00" not in recent and "1.00" not in recent
    assert "<strong>Meets</strong>" in recent
    assert "mastered: meets the standard for this learning target" in recent
    assert "<strong>Approaching</strong>" in recent
    assert (
        '<strong>Approaching</strong> <span class="muted">'
        "(working toward mastery, which is “Meets”)</span>" in recent
    )
    assert "((" not in recent and "))" not in recent


def test_a_levels_own_description_is_what_it_means(world, maths, client):
    ProficiencyLevel.objects.filter(scale__school=world.school, label="Exceeds").update(
        description="Applies it in new situations"
    )
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t1,
        score=4,
        observed_on=dt.date(2026, 9, 15),
    )
    client.force_login(world.guardian)
    page = client.get(reverse("student-progress", args=[world.student.pk])).content.decode()
    assert (
        '<strong>Exceeds</strong> <span class="muted">(Applies it in new situations)</span>' in page
    )


def test_every_family_page_says_who_to_contact(world, maths, client):
    from goals.services import goal_create

    goal = goal_create(actor=world.student, student=world.student, title="Read 4", propose=True)
    client.force_login(world.guardian)
    pages = [
        reverse("family-home"),
        reverse("student-detail", args=[world.student.pk]),
        reverse("student-progress", args=[world.student.pk]),
        reverse("student-goals", args=[world.student.pk]),
        reverse("goal-detail", args=[goal.pk]),
        reverse("family-conferences"),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert "Sam's advisor: <strong>Tess Nguyen</strong>" in page, url
        assert 'href="mailto:tess@example.org"' in page, url
        assert "Omar" not in page, url  # not the other child's teacher


def test_staff_pages_do_not_show_the_family_contact(world, client):
    client.force_login(world.teacher)
    page = client.get(reverse("student-detail", args=[world.student.pk])).content.decode()
    assert "Contact the advisor" not in page


def test_a_page_about_one_child_names_only_that_childs_advisor(world, maths, client):
    """Given Gina is also Olive's guardian, and Olive's advisor is Omar: Sam's pages name only
    Tess, Olive's only Omar, and the family home both."""
    from goals.services import goal_create
    from profiles.models import Enrollment, GuardianLink, Section
    from tests import factories as f

    GuardianLink.objects.create(
        guardian=world.guardian, student=world.other_student, relationship="parent"
    )
    olives = f.SectionFactory(
        school=world.school, name="Advisory Haddad", kind=Section.Kind.ADVISORY
    )
    f.enroll(olives, world.other_teacher, role=Enrollment.Role.TEACHER)
    f.enroll(olives, world.other_student)
    goal = goal_create(actor=world.student, student=world.student, title="Read 4", propose=True)
    client.force_login(world.guardian)
    tess = "Sam's advisor: <strong>Tess Nguyen</strong>"
    omar = "Olive's advisor: <strong>Omar Haddad</strong>"
    for url in [
        reverse("student-detail", args=[world.student.pk]),
        reverse("student-progress", args=[world.student.pk]),
        reverse("student-goals", args=[world.student.pk]),
        reverse("goal-detail", args=[goal.pk]),
    ]:
        page = client.get(url).content.decode()
        assert tess in page and omar not in page, url
    page = client.get(reverse("student-progress", args=[world.other_student.pk])).content.decode()
    assert omar in page and tess not in page
    page = client.get(reverse("family-home")).content.decode()
    assert tess in page and omar in page
