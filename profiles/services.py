"""Every write about people and profiles goes through here."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.services import service

from .models import (
    STAFF_ONLY_FIELDS,
    STUDENT_VOICE_FIELDS,
    LearnerProfile,
    Membership,
    Role,
    RosterImport,
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


@service
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
    if profile.version == expected_version and all(
        getattr(profile, name) == text for name, text in cleaned.items()
    ):
        return profile  # nothing changes (a form saved as it was): no new version, no history
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


# --- Schools and their OneRoster sourcedId (the operator's part of onboarding) ----------------

MAX_SOURCED_ID = 255


@service
def school_sourced_id_bind(*, actor: User | None, school: School, sourced_id: str) -> School:
    """Bind ``school`` to the sourcedId its OneRoster exports use, so its school admins can
    import them. Only an operator (``actor`` None: the command line) or a superuser may."""
    if actor is not None and not actor.is_superuser:
        raise NotAllowed("Only a LearnHub operator binds a school to its OneRoster sourcedId.")
    sid = sourced_id.strip()
    if not sid or len(sid) > MAX_SOURCED_ID or "\x00" in sid or "," in sid:
        raise ValidationFailed(
            "A sourcedId is 1 to 255 characters, without commas.", field="sourced_id"
        )
    other = School.objects.filter(sourced_id=sid).exclude(pk=school.pk).first()
    if other is not None:
        raise Conflict(f"{sid} is already the sourcedId of {other.name}.", field="sourced_id")
    if school.sourced_id != sid:
        school.sourced_id = sid
        school.save(update_fields=["sourced_id"])
    return school


@service
def school_create(*, actor: User | None, name: str, sourced_id: str = "") -> School:
    """A new school with its defaults (and, when given, its OneRoster sourcedId)."""
    if actor is not None and not actor.is_superuser:
        raise NotAllowed("Only a LearnHub operator adds schools.")
    name = name.strip()
    if not name or len(name) > 255 or "\x00" in name:
        raise ValidationFailed("A school's name is 1 to 255 characters.", field="name")
    school = School.objects.create(name=name)
    school_setup(school=school)
    if sourced_id:
        school_sourced_id_bind(actor=actor, school=school, sourced_id=sourced_id)
    return school


# --- Roster imports: preview, then confirm (the profiles.oneroster package does the work) ---

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _may_import(actor: User) -> bool:
    if actor.is_superuser:
        return True
    return bool(
        actor.is_active
        and actor.is_staff
        and Membership.objects.filter(user=actor, role=Role.ADMIN, is_active=True).exists()
    )


def _preview_max_age() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "LEARNHUB_ROSTER_PREVIEW_MAX_AGE", 3600)))


def _discard(records: Any) -> None:
    records.update(status=RosterImport.Status.DISCARDED, upload=b"")


def roster_import_expired(record: RosterImport) -> bool:
    return record.created_at < timezone.now() - _preview_max_age()


@service
def roster_import_preview(*, actor: User, upload: bytes, source_name: str) -> RosterImport:
    """Check an uploaded export and store what it would change, without changing anything.

    The record is *previewed* (the file's bytes kept with their SHA-256 and the plan's digest)
    or *rejected* with every problem. The uploader's earlier previews, and everybody's expired
    ones, are discarded (their bytes dropped)."""
    from .oneroster import roster_plan

    if not _may_import(actor):
        raise NotAllowed("Only school admins and operators import rosters.")
    if len(upload) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            "The file is larger than 50 MB: import it with manage.py import_oneroster.",
            field="file",
        )
    previews = RosterImport.objects.filter(status=RosterImport.Status.PREVIEWED)
    _discard(previews.filter(created_by=actor))
    _discard(previews.filter(created_at__lt=timezone.now() - _preview_max_age()))
    plan = roster_plan(source=io.BytesIO(upload), source_name=source_name, actor=actor)
    record = plan.record
    if not plan.rejected:
        record.upload = upload
        record.upload_sha256 = hashlib.sha256(upload).hexdigest()
        record.plan_digest = plan.digest
    record.save()
    return record


def _own_preview(*, actor: User, roster_import_id: int) -> RosterImport:
    record = (
        RosterImport.objects.select_for_update()
        .filter(pk=roster_import_id, created_by=actor)
        .first()
    )
    if record is None:
        raise NotFound("There is no such roster import of yours.")
    if record.status != RosterImport.Status.PREVIEWED:
        raise Conflict(
            f"This import is {record.get_status_display().lower()}: there is no preview to "
            "confirm. Upload the file again to import it.",
            code="not_previewed",
        )
    if roster_import_expired(record):
        raise Conflict(
            "This preview is more than an hour old: upload the file again to see what it "
            "would change now.",
            code="expired",
        )
    return record


@service
def roster_import_confirm(
    *, actor: User, roster_import_id: int, digest: str, confirmation: str = ""
) -> RosterImport:
    """Apply exactly what a preview showed.

    ``digest`` is the one the confirming person saw. The stored file is checked against its
    hash and planned again; when LearnHub changed since (another digest), nothing is written
    and :class:`Conflict` (code ``stale_preview``) says so. A plan that deactivates more than
    the allowed share of a school's people needs ``confirmation``: its phrase, typed."""
    from .oneroster import normalize_phrase, roster_plan

    record = _own_preview(actor=actor, roster_import_id=roster_import_id)
    data = bytes(record.upload)
    if hashlib.sha256(data).hexdigest() != record.upload_sha256:
        raise Conflict(
            "The stored file does not match the one that was previewed: upload it again.",
            code="changed_file",
        )
    stale = Conflict(
        "LearnHub changed since this preview was made, so it no longer shows exactly what the "
        "import would do. Nothing was written: check the preview again and confirm it.",
        code="stale_preview",
    )
    if digest != record.plan_digest:
        raise stale
    plan = roster_plan(
        source=io.BytesIO(data), source_name=record.source_name, actor=actor, lock=True
    )
    if plan.rejected or plan.digest != record.plan_digest:
        raise stale
    if plan.confirmation and normalize_phrase(confirmation) != plan.confirmation:
        raise ValidationFailed(
            f'This import deactivates many people: type "{plan.confirmation}" to confirm it.',
            field="confirmation",
            code="confirmation_needed",
        )
    try:
        with transaction.atomic():
            return plan.apply(record=record)
    except DatabaseError as exc:
        rejected = plan._importer.rejected_by_database(exc)
        record.status = RosterImport.Status.REJECTED
        record.errors = rejected.errors
        record.upload = b""
        record.save()
        return record


@service
def roster_import_refresh(*, actor: User, roster_import_id: int) -> RosterImport:
    """Plan a preview again from its stored file, against LearnHub as it is now."""
    from .oneroster import roster_plan

    record = _own_preview(actor=actor, roster_import_id=roster_import_id)
    plan = roster_plan(
        source=io.BytesIO(bytes(record.upload)), source_name=record.source_name, actor=actor
    )
    record.summary = plan.record.summary
    record.errors = plan.record.errors
    if plan.rejected:
        record.status = RosterImport.Status.REJECTED
        record.upload = b""
        record.plan_digest = ""
    else:
        record.plan_digest = plan.digest
    record.save()
    return record


@service
def roster_import_discard(*, actor: User, roster_import_id: int) -> RosterImport:
    """Drop a preview (and its stored file) without importing it."""
    record = (
        RosterImport.objects.select_for_update()
        .filter(pk=roster_import_id, created_by=actor, status=RosterImport.Status.PREVIEWED)
        .first()
    )
    if record is None:
        raise NotFound("There is no such preview of yours.")
    record.status = RosterImport.Status.DISCARDED
    record.upload = b""
    record.save(update_fields=["status", "upload"])
    return record
