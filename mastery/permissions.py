"""Who may see and record evidence: built on the people rules of ``profiles.permissions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q

from profiles.models import Enrollment, Membership, Role, User
from profiles.permissions import (
    administered_school_ids,
    can_view_staff_fields,
    staff_students_q,
    visible_students_q,
)

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


def reviewable_evidence_q(viewer: User | AnonymousUser) -> Q:
    """Filter for ``Evidence.objects``: evidence this viewer reviews (accepts with a level or
    returns). A submission belongs to the teachers of the student's sections where its learning
    target is taught, and to the school's admins (decision 0020): a maths teacher does not
    score a student's writing."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    if viewer.is_superuser:
        return Q()
    from .models import SectionCompetency

    taught_here = SectionCompetency.objects.filter(
        competency_id=OuterRef("competency_id"),
        section__is_active=True,
        section__enrollments__user_id=viewer.pk,
        section__enrollments__role=Enrollment.Role.TEACHER,
        section__enrollments__is_active=True,
    ).filter(
        section__enrollments__user_id=OuterRef("student_id"),
        section__enrollments__role=Enrollment.Role.STUDENT,
        section__enrollments__is_active=True,
    )
    school_students = Membership.objects.filter(
        role=Role.STUDENT,
        school_id__in=administered_school_ids(viewer),
    ).values_list("user_id", flat=True)
    return Q(Exists(taught_here)) | Q(student_id__in=school_students)


def can_review_evidence(actor: User | AnonymousUser, evidence: Evidence) -> bool:
    from .models import Evidence

    return Evidence.objects.filter(reviewable_evidence_q(actor), pk=evidence.pk).exists()


def can_submit_evidence(actor: User | AnonymousUser, student: User) -> bool:
    """A student submits their own evidence (prior learning, a link to their work)."""
    return actor.is_authenticated and actor.pk == student.pk


def can_change_evidence(actor: User | AnonymousUser, evidence: Evidence) -> bool:
    return can_record_evidence(actor, evidence.student)
