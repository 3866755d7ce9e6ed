"""Who may see and change what: predicates plus queryset filters, applied in the query.

A student sees only themself, a guardian only their linked children, a teacher the students of
their sections, a school admin everyone at their school; nobody sees another school.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from .models import Enrollment, GuardianLink, Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import Section, User


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The roles a person holds at any school (cached on the user object for the request)."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_learnhub_roles", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True)
        )
        user._learnhub_roles = cached  # type: ignore[attr-defined]
    return cached


def administered_school_ids(user: User) -> QuerySet[Membership, int]:
    return Membership.objects.filter(user=user, role=Role.ADMIN, is_active=True).values_list(
        "school_id", flat=True
    )


def _taught_section_ids(user: User) -> QuerySet[Enrollment, int]:
    return Enrollment.objects.filter(
        user=user, role=Enrollment.Role.TEACHER, is_active=True, section__is_active=True
    ).values_list("section_id", flat=True)


def _student_ids() -> QuerySet[Membership, int]:
    return Membership.objects.filter(role=Role.STUDENT).values_list("user_id", flat=True)


def taught_student_ids(user: User) -> QuerySet[Enrollment, int]:
    return Enrollment.objects.filter(
        section_id__in=_taught_section_ids(user),
        role=Enrollment.Role.STUDENT,
        is_active=True,
    ).values_list("user_id", flat=True)


def advised_student_ids(user: User) -> QuerySet[Enrollment, int]:
    """The students in the active advisories this person is an advisor (teacher) of."""
    from .models import Section

    advisories = Enrollment.objects.filter(
        user=user,
        role=Enrollment.Role.TEACHER,
        is_active=True,
        section__is_active=True,
        section__kind=Section.Kind.ADVISORY,
    ).values_list("section_id", flat=True)
    return Enrollment.objects.filter(
        section_id__in=advisories, role=Enrollment.Role.STUDENT, is_active=True
    ).values_list("user_id", flat=True)


def _administered_student_ids(viewer: User) -> QuerySet[Membership, int]:
    """The students of the schools this viewer runs as a school admin (a subquery)."""
    return Membership.objects.filter(
        role=Role.STUDENT, school_id__in=administered_school_ids(viewer)
    ).values_list("user_id", flat=True)


def advised_students_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``User.objects``: the students whose advisor this viewer is, or (for a school
    admin) who are at a school they run. Approving and returning goals is theirs."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    is_student = Q(pk__in=_student_ids())
    if viewer.is_superuser:
        return is_student
    return is_student & (
        Q(pk__in=advised_student_ids(viewer)) | Q(pk__in=_administered_student_ids(viewer))
    )


def visible_students_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``User.objects``: the students this viewer may see."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    is_student = Q(pk__in=_student_ids())
    if viewer.is_superuser:
        return is_student
    return is_student & (
        Q(pk=viewer.pk)
        | Q(
            pk__in=GuardianLink.objects.filter(guardian=viewer, is_active=True).values_list(
                "student_id", flat=True
            )
        )
        | Q(pk__in=taught_student_ids(viewer))
        | Q(pk__in=_administered_student_ids(viewer))
    )


def staff_students_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``User.objects``: the students whose staff-only fields this viewer may see."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    is_student = Q(pk__in=_student_ids())
    if viewer.is_superuser:
        return is_student
    return is_student & (
        Q(pk__in=taught_student_ids(viewer)) | Q(pk__in=_administered_student_ids(viewer))
    )


def visible_sections_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``Section.objects``: sections the viewer teaches, attends, whose students are
    their children, or that belong to a school they run."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    if viewer.is_superuser:
        return Q()
    child_ids = GuardianLink.objects.filter(guardian=viewer, is_active=True).values_list(
        "student_id", flat=True
    )
    return (
        Q(
            pk__in=Enrollment.objects.filter(user=viewer, is_active=True).values_list(
                "section_id", flat=True
            )
        )
        | Q(
            pk__in=Enrollment.objects.filter(
                user_id__in=child_ids, role=Enrollment.Role.STUDENT, is_active=True
            ).values_list("section_id", flat=True)
        )
        | Q(school_id__in=administered_school_ids(viewer))
    )


def visible_guardian_links_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``GuardianLink.objects``: a guardian's own links, a student's own guardians,
    the guardians of a teacher's students, and everyone's at a school admin's school."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    if viewer.is_superuser:
        return Q()
    return (
        Q(guardian=viewer)
        | Q(student=viewer)
        | Q(student_id__in=taught_student_ids(viewer))
        | Q(
            student_id__in=Membership.objects.filter(
                role=Role.STUDENT,
                school_id__in=administered_school_ids(viewer),
            ).values_list("user_id", flat=True)
        )
    )


def _student_matches(q: Q, student: User) -> bool:
    from .models import User

    return User.objects.filter(q, pk=student.pk).exists()


def can_view_student(viewer: User | AnonymousUser, student: User) -> bool:
    return _student_matches(visible_students_q(viewer), student)


def can_view_staff_fields(viewer: User | AnonymousUser, student: User) -> bool:
    """Support notes and accommodations: the student's teachers and school admins only."""
    return _student_matches(staff_students_q(viewer), student)


def can_edit_student_voice(viewer: User | AnonymousUser, student: User) -> bool:
    """About me is the student's own voice, editable by the student and their teachers."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == student.pk and Role.STUDENT in roles_of(viewer):
        return True
    return can_view_staff_fields(viewer, student)


can_edit_staff_fields = can_view_staff_fields


def teachable_sections_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``Section.objects``: what ``can_teach_section`` allows, as one condition (so a
    page reads the section and checks it in one query)."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    if viewer.is_superuser:
        return Q()
    return Q(
        pk__in=Enrollment.objects.filter(
            user=viewer, role=Enrollment.Role.TEACHER, is_active=True
        ).values_list("section_id", flat=True)
    ) | Q(school_id__in=administered_school_ids(viewer))


def can_teach_section(viewer: User | AnonymousUser, section: Section) -> bool:
    """The section's active teachers and its school's admins work with its roster."""
    if not viewer.is_authenticated:
        return False
    if viewer.is_superuser:
        return True
    return (
        Enrollment.objects.filter(
            section=section, user=viewer, role=Enrollment.Role.TEACHER, is_active=True
        ).exists()
        or Membership.objects.filter(
            user=viewer, school_id=section.school_id, role=Role.ADMIN, is_active=True
        ).exists()
    )
