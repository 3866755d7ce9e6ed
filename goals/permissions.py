"""Who sees and changes goals, built on the people rules of ``profiles.permissions``.

A student's drafts are their own until they propose them; teachers see what is proposed onward
(and the suggestions they make); guardians read everything past draft and may encourage.
Approving and returning a student's proposal is their advisor's (and their school admin's); the
student's other teachers comment and suggest (decision 0020).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from profiles.models import GuardianLink, User
from profiles.permissions import advised_students_q, staff_students_q, visible_students_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import Goal


def visible_goals_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``Goal.objects``."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    visible = Q(student__in=User.objects.filter(visible_students_q(viewer)))
    not_private_draft = ~Q(status="draft", origin="student")
    return visible & (Q(student=viewer) | not_private_draft)


def is_staff_for(viewer: User | AnonymousUser, student_id: int) -> bool:
    return User.objects.filter(staff_students_q(viewer), pk=student_id).exists()


def is_guardian_of(viewer: User | AnonymousUser, student_id: int) -> bool:
    return (
        viewer.is_authenticated
        and GuardianLink.objects.filter(
            guardian_id=viewer.pk, student_id=student_id, is_active=True
        ).exists()
    )


def can_edit_goal(viewer: User | AnonymousUser, goal: Goal) -> bool:
    """The student and their teachers revise an open goal; guardians never edit goals."""
    if not goal.is_open:
        return False
    if goal.status == "draft" and goal.origin == "student":
        return viewer.pk == goal.student_id  # a private draft until it is proposed
    return viewer.pk == goal.student_id or is_staff_for(viewer, goal.student_id)


def is_advisor_for(viewer: User | AnonymousUser, student_id: int) -> bool:
    """The student's advisor, or an admin of the student's school."""
    return User.objects.filter(advised_students_q(viewer), pk=student_id).exists()


def can_review_goal(viewer: User | AnonymousUser, goal: Goal) -> bool:
    """The student's advisor (and their school admin) approves and returns a proposed goal."""
    return is_advisor_for(viewer, goal.student_id)


def can_suggest_goal(viewer: User | AnonymousUser, student_id: int) -> bool:
    """Any teacher of the student (their advisor among them) and school admins suggest goals."""
    return is_staff_for(viewer, student_id)


def can_close_goal(viewer: User | AnonymousUser, goal: Goal) -> bool:
    """The student and their teachers close an active goal."""
    return viewer.pk == goal.student_id or is_staff_for(viewer, goal.student_id)


def can_comment_on_goal(viewer: User | AnonymousUser, goal: Goal) -> bool:
    return (
        viewer.pk == goal.student_id
        or is_staff_for(viewer, goal.student_id)
        or is_guardian_of(viewer, goal.student_id)
    )
