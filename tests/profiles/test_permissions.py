"""Who sees whom: predicates and the queryset filters behind every list."""

from __future__ import annotations

import pytest

from profiles.models import Enrollment, User
from profiles.permissions import (
    can_edit_student_voice,
    can_view_staff_fields,
    can_view_student,
    visible_sections_q,
    visible_students_q,
)


def _visible(world, viewer):
    return set(User.objects.filter(visible_students_q(viewer)).values_list("email", flat=True))


def test_student_sees_only_themself(world):
    assert _visible(world, world.student) == {"sam@example.org"}


def test_guardian_sees_only_their_linked_children(world):
    assert _visible(world, world.guardian) == {"sam@example.org"}
    assert _visible(world, world.other_guardian) == {"olive@example.org"}


def test_teacher_sees_students_of_their_sections_only(world):
    assert _visible(world, world.teacher) == {"sam@example.org"}
    assert _visible(world, world.other_teacher) == {"olive@example.org"}


def test_school_admin_sees_their_school_and_never_another(world):
    assert _visible(world, world.admin) == {"sam@example.org", "olive@example.org"}
    assert _visible(world, world.other_admin) == set()


def test_a_dropped_enrollment_ends_a_teachers_access(world):
    Enrollment.objects.filter(user=world.student, section=world.math).update(is_active=False)
    Enrollment.objects.filter(user=world.student, section=world.advisory).update(is_active=False)
    assert _visible(world, world.teacher) == set()


def test_one_person_may_hold_several_roles(world):
    """A teacher who is also a parent sees their class and their own child."""
    from profiles.models import GuardianLink, Membership, Role

    Membership.objects.create(user=world.teacher, school=world.school, role=Role.GUARDIAN)
    GuardianLink.objects.create(guardian=world.teacher, student=world.other_student)
    assert _visible(world, world.teacher) == {"sam@example.org", "olive@example.org"}
    # ...but as a parent, not as Olive's teacher: no staff-only fields.
    assert can_view_staff_fields(world.teacher, world.other_student) is False
    assert can_view_staff_fields(world.teacher, world.student) is True


@pytest.mark.parametrize(
    ("viewer", "view", "staff", "edit"),
    [
        ("student", True, False, True),
        ("guardian", True, False, False),
        ("teacher", True, True, True),
        ("admin", True, True, True),
        ("other_student", False, False, False),
        ("other_guardian", False, False, False),
        ("other_teacher", False, False, False),
        ("other_admin", False, False, False),
    ],
)
def test_predicates_for_one_student(world, viewer, view, staff, edit):
    person = getattr(world, viewer)
    assert can_view_student(person, world.student) is view
    assert can_view_staff_fields(person, world.student) is staff
    assert can_edit_student_voice(person, world.student) is edit


def test_sections_visible_to_each_role(world):
    from profiles.models import Section

    def names(viewer):
        return set(
            Section.objects.filter(visible_sections_q(viewer)).values_list("name", flat=True)
        )

    assert names(world.teacher) == {"Advisory Nguyen", "Math 7"}
    assert names(world.student) == {"Advisory Nguyen", "Math 7"}
    assert names(world.guardian) == {"Advisory Nguyen", "Math 7"}
    assert names(world.admin) == {"Advisory Nguyen", "Math 7", "Science 7"}
    assert names(world.other_admin) == set()


def test_teachable_sections_q_is_can_teach_section_as_a_filter(world):
    from profiles.models import Section
    from profiles.permissions import can_teach_section, teachable_sections_q

    Enrollment.objects.filter(section=world.other_section, user=world.other_teacher).update(
        is_active=False
    )  # a former teacher of the section: neither allows it
    people = [
        world.student,
        world.guardian,
        world.teacher,
        world.other_teacher,
        world.admin,
        world.other_admin,
    ]
    for person in people:
        allowed = {s.pk for s in Section.objects.all() if can_teach_section(person, s)}
        filtered = set(
            Section.objects.filter(teachable_sections_q(person)).values_list("pk", flat=True)
        )
        assert filtered == allowed, person
