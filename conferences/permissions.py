"""Who sees and runs conferences, built on the people rules of ``profiles.permissions``.

- A conference is seen by its student, their guardians, their teachers (the advisor among
  them) and the school's admins; nobody at another school.
- The advisor of the conference and the school's admins run it: schedule, review, hold, write
  notes and the summary. The student prepares it. Guardians answer the invitation, book and ask
  for an interpreter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from profiles.models import GuardianLink, Membership, Role, User
from profiles.permissions import administered_school_ids, visible_students_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import Conference

NOBODY = Q(pk__in=[])


def member_school_ids(viewer: User | AnonymousUser) -> list[int]:
    if not viewer.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user_id=viewer.pk, is_active=True)
        .values_list("school_id", flat=True)
        .distinct()
    )


def staff_school_ids(viewer: User | AnonymousUser) -> list[int]:
    if not viewer.is_authenticated:
        return []
    return list(
        Membership.objects.filter(
            user_id=viewer.pk, is_active=True, role__in=[Role.TEACHER, Role.ADMIN]
        )
        .values_list("school_id", flat=True)
        .distinct()
    )


def visible_conferences_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``Conference.objects``."""
    if not viewer.is_authenticated:
        return NOBODY
    if viewer.is_superuser:
        return Q()
    return Q(student__in=User.objects.filter(visible_students_q(viewer))) | Q(advisor=viewer)


def visible_windows_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``ConferenceWindow.objects`` (and templates): the schools one belongs to."""
    if not viewer.is_authenticated:
        return NOBODY
    if viewer.is_superuser:
        return Q()
    return Q(school_id__in=member_school_ids(viewer))


def visible_slots_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``ConferenceSlot.objects``: staff see every slot of their school; students
    and families see the open (not blocked) ones, which they book from."""
    if not viewer.is_authenticated:
        return NOBODY
    if viewer.is_superuser:
        return Q()
    staff = staff_school_ids(viewer)
    return Q(window__school_id__in=staff) | Q(
        window__school_id__in=member_school_ids(viewer), is_blocked=False
    )


def is_guardian_of(viewer: User | AnonymousUser, student_id: int) -> bool:
    return bool(
        viewer.is_authenticated
        and GuardianLink.objects.filter(
            guardian_id=viewer.pk, student_id=student_id, is_active=True
        ).exists()
    )


def is_school_admin(viewer: User | AnonymousUser, school_id: int) -> bool:
    if not viewer.is_authenticated:
        return False
    if viewer.is_superuser:
        return True
    return school_id in list(administered_school_ids(viewer))


def can_run_conference(viewer: User | AnonymousUser, conference: Conference) -> bool:
    """The conference's advisor and the school's admins schedule, review, hold and summarise."""
    if not viewer.is_authenticated:
        return False
    return viewer.pk == conference.advisor_id or is_school_admin(
        viewer, conference.window.school_id
    )


def can_prepare_conference(viewer: User | AnonymousUser, conference: Conference) -> bool:
    return viewer.is_authenticated and viewer.pk == conference.student_id


def can_manage_slots(viewer: User | AnonymousUser, *, advisor_id: int, school_id: int) -> bool:
    """An advisor keeps their own slots and blocks; a school admin keeps everyone's."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == advisor_id:
        return Membership.objects.filter(
            user_id=viewer.pk, school_id=school_id, role=Role.TEACHER, is_active=True
        ).exists()
    return is_school_admin(viewer, school_id)
