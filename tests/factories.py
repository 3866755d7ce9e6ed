"""factory_boy factories for the domain; tests build exactly what they need."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from profiles.models import (
    Enrollment,
    GuardianLink,
    LearnerProfile,
    Membership,
    Role,
    School,
    Section,
    Term,
    User,
)

PASSWORD = "correct-horse-battery-staple"


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"School {n}")

    @factory.post_generation
    def _setup(obj, create, extracted, **kwargs):
        """Every school gets its defaults when it is created, as in the app."""
        if create:
            from profiles.services import school_setup

            school_setup(school=obj)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.STUDENT


def student(school: School, *, grade: str = "7", **kwargs: object) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, school=school, role=Role.STUDENT, grade_level=grade)
    LearnerProfile.objects.create(student=user)
    return user


def teacher(school: School, **kwargs: object) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, school=school, role=Role.TEACHER)
    return user


def guardian(school: School, *children: User, **kwargs: object) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, school=school, role=Role.GUARDIAN)
    for child in children:
        GuardianLink.objects.create(guardian=user, student=child, relationship="parent")
    return user


def school_admin(school: School, **kwargs: object) -> User:
    user = UserFactory(is_staff=True, **kwargs)
    Membership.objects.create(user=user, school=school, role=Role.ADMIN)
    return user


class TermFactory(DjangoModelFactory):
    class Meta:
        model = Term

    school = factory.SubFactory(SchoolFactory)
    title = factory.Sequence(lambda n: f"Term {n}")
    start_date = dt.date(2026, 8, 24)
    end_date = dt.date(2027, 1, 22)


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Section {n}")
    kind = Section.Kind.CLASS


def enroll(section: Section, *users: User, role: str = Enrollment.Role.STUDENT) -> None:
    for user in users:
        Enrollment.objects.create(section=section, user=user, role=role)
