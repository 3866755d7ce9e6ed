"""Who sees and acts on flags: staff only.

A flag is seen and worked by the student's teachers (the advisor among them, being the teacher
of the advisory section) and the school's admins. Students and guardians never see a flag, in
pages, API or exports: ``visible_flags_q`` matches nothing for them, whatever else they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from profiles.models import Enrollment, Membership, Role, User
from profiles.permissions import roles_of, staff_students_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import Flag

NOBODY = Q(pk__in=[])
STAFF_ROLES = frozenset({Role.TEACHER, Role.ADMIN})


def is_flag_staff(viewer: User | AnonymousUser) -> bool:
    """Teachers, school admins and operators: the only people a flag is ever shown to."""
    if not viewer.is_authenticated:
        return False
    return bool(viewer.is_superuser or roles_of(viewer) & STAFF_ROLES)


def visible_flags_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``Flag.objects``: flags about the students whose staff-only fields the viewer
    may see, never a flag about the viewer themself."""
    if not is_flag_staff(viewer):
        return NOBODY
    if viewer.is_superuser:
        return Q()
    return Q(student__in=User.objects.filter(staff_students_q(viewer))) & ~Q(student_id=viewer.pk)


def can_act_on_flag(viewer: User | AnonymousUser, flag: Flag) -> bool:
    from .models import Flag

    return Flag.objects.filter(visible_flags_q(viewer), pk=flag.pk).exists()


def student_teacher_ids_q(student_id: int) -> Q:
    """Filter for ``User.objects``: the active teachers of the student's active sections."""
    sections = Enrollment.objects.filter(
        user_id=student_id, role=Enrollment.Role.STUDENT, is_active=True, section__is_active=True
    ).values_list("section_id", flat=True)
    return Q(
        pk__in=Enrollment.objects.filter(
            section_id__in=sections, role=Enrollment.Role.TEACHER, is_active=True
        ).values_list("user_id", flat=True)
    )


def can_be_assigned(person: User, flag: Flag) -> bool:
    """A flag goes to one of the student's teachers (or an admin of the school)."""
    return (
        User.objects.filter(student_teacher_ids_q(flag.student_id), pk=person.pk).exists()
        or Membership.objects.filter(
            user=person, school_id=flag.school_id, role=Role.ADMIN, is_active=True
        ).exists()
    )
