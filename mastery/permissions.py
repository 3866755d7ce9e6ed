"""Who may see and record evidence: built on the people rules of ``profiles.permissions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from profiles.models import Membership, User
from profiles.permissions import can_view_staff_fields, staff_students_q, visible_students_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import Evidence


def visible_evidence_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``Evidence.objects``: evidence about students the viewer may see. Students
    see their own submissions too; everyone else sees only what a teacher accepted, except staff,
    who also see what waits for them."""
    visible = Q(student__in=User.objects.filter(visible_students_q(viewer)))
    if not viewer.is_authenticated:
        return visible
    staff = Q(student__in=User.objects.filter(staff_students_q(viewer)))
    return visible & (Q(status="accepted") | Q(student=viewer) | staff)


def visible_mastery_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``MasteryRecord.objects``."""
    return Q(student__in=User.objects.filter(visible_students_q(viewer)))


def visible_frameworks_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``Framework.objects``: frameworks of schools the viewer belongs to."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    if viewer.is_superuser:
        return Q()
    return Q(
        school_id__in=Membership.objects.filter(user=viewer, is_active=True).values_list(
            "school_id", flat=True
        )
    )


def can_record_evidence(actor: User | AnonymousUser, student: User) -> bool:
    """Teachers of the student and school admins score evidence."""
    return can_view_staff_fields(actor, student)


def can_submit_evidence(actor: User | AnonymousUser, student: User) -> bool:
    """A student submits their own evidence (prior learning, a link to their work)."""
    return actor.is_authenticated and actor.pk == student.pk


def can_change_evidence(actor: User | AnonymousUser, evidence: Evidence) -> bool:
    return can_record_evidence(actor, evidence.student)
