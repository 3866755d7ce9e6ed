"""Every write about people and profiles goes through here."""

from __future__ import annotations

from typing import Any

import pghistory
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.module_loading import import_string

from core.errors import Conflict, NotAllowed, ValidationFailed
from core.services import service

from .models import (
    STAFF_ONLY_FIELDS,
    STUDENT_VOICE_FIELDS,
    LearnerProfile,
    Membership,
    Role,
    School,
    User,
)
from .permissions import (
    administered_school_ids,
    can_edit_staff_fields,
    can_edit_student_voice,
    roles_of,
)

MAX_FIELD_LENGTH = 5000


def school_setup(*, school: School) -> None:
    """Create what a school needs before anyone reads it (a GET never writes): each app's
    defaults (its risk policy, its conference template…), idempotently.

    The steps are named in ``settings.LEARNHUB_SCHOOL_SETUP``, so profiles calls the apps above
    it without importing them. Called wherever a school is created (the roster import, the
    admin, the demo) and by each app's data migration for the schools that already exist."""
    for path in settings.LEARNHUB_SCHOOL_SETUP:
        import_string(path)(school=school)


def learner_profile_for(student: User) -> LearnerProfile:
    """The student's profile, created empty on first use (students always have one)."""
    profile, _ = LearnerProfile.objects.get_or_create(student=student)
    return profile


@service
def membership_create(
    *, actor: User, user: User, school: School, role: str, grade_level: str = ""
) -> Membership:
    """Give a person a role at a school (idempotent): an operator, or an admin of that school."""
    if role not in Role.values:
        raise ValidationFailed("Choose student, teacher, guardian or school admin.", field="role")
    if (
        not actor.is_superuser
        and not administered_school_ids(actor).filter(school_id=school.pk).exists()
    ):
        raise NotAllowed("Only the school's admins can add people to it.")
    membership, created = Membership.objects.get_or_create(
        user=user, school=school, role=role, defaults={"grade_level": grade_level[:16]}
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    if role == Role.STUDENT:
        LearnerProfile.objects.get_or_create(student=user)
    return membership


@transaction.atomic
def learner_profile_update(
    *,
    actor: User,
    student: User,
    expected_version: int,
    changes: dict[str, Any],
) -> LearnerProfile:
    """Change some profile fields, refusing the edit if someone saved in between.

    ``expected_version`` is the version the editor started from: when another person saved
    since, nothing is written and :class:`Conflict` says who changed it.
    """
    unknown = set(changes) - set(STUDENT_VOICE_FIELDS) - set(STAFF_ONLY_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown profile field: {', '.join(sorted(unknown))}.")
    if (
        Role.STUDENT not in roles_of(student)
        and not student.memberships.filter(role=Role.STUDENT).exists()
    ):
        raise ValidationFailed("Only students have a learner profile.")
    if any(f in STUDENT_VOICE_FIELDS for f in changes) and not can_edit_student_voice(
        actor, student
    ):
        raise NotAllowed("Only the student and their teachers can edit About me.")
    if any(f in STAFF_ONLY_FIELDS for f in changes) and not can_edit_staff_fields(actor, student):
        raise NotAllowed("Only the student's teachers and school admins can edit support notes.")
    cleaned: dict[str, str] = {}
    for name, value in changes.items():
        text = str(value or "").strip()
        if len(text) > MAX_FIELD_LENGTH:
            raise ValidationFailed(
                f"Keep this under {MAX_FIELD_LENGTH} characters.", field=name, code="too_long"
            )
        cleaned[name] = text

    profile = learner_profile_for(student)
    with pghistory.context(user=actor.pk, service="learner_profile_update"):
        updated = LearnerProfile.objects.filter(pk=profile.pk, version=expected_version).update(
            **cleaned, version=F("version") + 1, updated_by=actor
        )
    if not updated:
        profile.refresh_from_db()
        by = profile.updated_by.display_name if profile.updated_by else "someone else"
        raise Conflict(
            f"{by} changed this profile while you were editing, so nothing was overwritten. "
            "Their version is shown below and your text is still in the form: "
            "combine the two and save again."
        )
    profile.refresh_from_db()
    return profile
