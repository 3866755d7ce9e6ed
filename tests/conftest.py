"""Shared fixtures: a small school with every kind of person the authorization rules name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from profiles.models import Enrollment, School, Section, User

from . import factories as f

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test itself (fixtures, assertions) are safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _broker_memory_reset() -> None:
    """A send that failed in one test (Redis made to fail) must not hold the next one back."""
    from core.tasks import broker_reset

    broker_reset()


@pytest.fixture(scope="session", autouse=True)
def _read_beside_stopped(django_db_setup: None) -> Iterator[None]:
    """The scan's second connection (core.reads) is kept between uses: close it before the test
    database is dropped (this fixture's teardown runs before django_db_setup's)."""
    yield
    from core.reads import read_beside_stop

    read_beside_stop()


@dataclass
class World:
    school: School
    other_school: School
    student: User
    other_student: User
    guardian: User
    other_guardian: User
    teacher: User
    other_teacher: User
    admin: User
    other_admin: User
    advisory: Section
    math: Section
    other_section: Section


@pytest.fixture
def world(db: None) -> World:
    """student and other_student at one school; teacher teaches only student (advisory + math);
    other_teacher teaches other_student; guardian is student's, other_guardian other_student's;
    admin runs the school, other_admin runs a second school."""
    school = f.SchoolFactory(name="Maple Grove Learning Community")
    other_school = f.SchoolFactory(name="Riverside Academy")
    student = f.student(school, email="sam@example.org", given_name="Sam", family_name="Rivera")
    other_student = f.student(
        school, email="olive@example.org", given_name="Olive", family_name="Chen"
    )
    guardian = f.guardian(
        school, student, email="gina@example.org", given_name="Gina", family_name="Rivera"
    )
    other_guardian = f.guardian(
        school, other_student, email="oscar@example.org", given_name="Oscar", family_name="Chen"
    )
    teacher = f.teacher(school, email="tess@example.org", given_name="Tess", family_name="Nguyen")
    other_teacher = f.teacher(
        school, email="omar@example.org", given_name="Omar", family_name="Haddad"
    )
    admin = f.school_admin(school, email="ada@example.org", given_name="Ada", family_name="Park")
    other_admin = f.school_admin(
        other_school, email="otto@example.org", given_name="Otto", family_name="Berg"
    )
    advisory = f.SectionFactory(school=school, name="Advisory Nguyen", kind=Section.Kind.ADVISORY)
    math = f.SectionFactory(school=school, name="Math 7", code="M7-1")
    other_section = f.SectionFactory(school=school, name="Science 7", code="S7-2")
    f.enroll(advisory, teacher, role=Enrollment.Role.TEACHER)
    f.enroll(math, teacher, role=Enrollment.Role.TEACHER)
    f.enroll(advisory, student)
    f.enroll(math, student)
    f.enroll(other_section, other_teacher, role=Enrollment.Role.TEACHER)
    f.enroll(other_section, other_student)
    return World(
        school,
        other_school,
        student,
        other_student,
        guardian,
        other_guardian,
        teacher,
        other_teacher,
        admin,
        other_admin,
        advisory,
        math,
        other_section,
    )
