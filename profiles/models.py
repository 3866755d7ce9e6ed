"""Schools, terms, sections, people and their roles, guardian links and learner profiles."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any, ClassVar

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


def tracked_events() -> tuple[pghistory.RowEvent, ...]:
    """Insert, update and delete, recorded by database triggers (bulk writes included).
    A fresh set per model: pghistory binds each tracker to the model it decorates."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


@pghistory.track(
    *tracked_events(),
    exclude=["password", "last_login"],
    model_name="UserEvent",
)
class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; roles come from memberships, so one person may hold several."""

    email = models.EmailField("email address", max_length=254)
    given_name = models.CharField(max_length=150)
    family_name = models.CharField(max_length=150)
    preferred_name = models.CharField(max_length=150, blank=True)
    sourced_id = models.CharField(
        "OneRoster sourcedId", max_length=255, null=True, blank=True, unique=True
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "may use the admin site", default=False, help_text="School admins and operators."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["given_name", "family_name"]

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}".strip()

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.preferred_name or self.given_name

    @property
    def initials(self) -> str:
        first = (self.preferred_name or self.given_name)[:1]
        return f"{first}{self.family_name[:1]}".upper()


def default_time_zone() -> str:
    return str(settings.TIME_ZONE)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            "Use an IANA time zone such as America/New_York or Europe/Berlin."
        ) from exc


class School(models.Model):
    name = models.CharField(max_length=255)
    sourced_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    identifier = models.CharField(max_length=255, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="Dates shown to people, and “today” in the rules, use this time zone.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(str(settings.TIME_ZONE))

    def today(self) -> datetime.date:
        """Today's date where the school is."""
        return timezone.localdate(timezone=self.tzinfo)

    def local(self, moment: datetime.datetime) -> datetime.datetime:
        """An aware moment in the school's time zone."""
        return timezone.localtime(moment, timezone=self.tzinfo)


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    TEACHER = "teacher", "Teacher"
    GUARDIAN = "guardian", "Guardian"
    ADMIN = "admin", "School admin"


class Membership(models.Model):
    """One role a person holds at one school."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    grade_level = models.CharField(max_length=16, blank=True, help_text="Students only.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["school", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "role"], name="membership_unique_role"
            ),
        ]
        indexes = [models.Index(fields=["school", "role"])]

    def __str__(self) -> str:
        return f"{self.user.display_name}: {self.get_role_display()} at {self.school}"


class Term(models.Model):
    class Kind(models.TextChoices):
        SCHOOL_YEAR = "schoolYear", "School year"
        SEMESTER = "semester", "Semester"
        TERM = "term", "Term"
        GRADING_PERIOD = "gradingPeriod", "Grading period"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="terms")
    title = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TERM)
    start_date = models.DateField()
    end_date = models.DateField()
    school_year = models.CharField(max_length=16, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    # One OneRoster academic session is a term at every school whose classes use it (a
    # district's "Fall 2026"), so the sourcedId is unique per school, not globally.
    sourced_id = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["school", "start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="term_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["school", "sourced_id"], name="term_sourced_id_unique_per_school"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_date:%b %Y} – {self.end_date:%b %Y})"

    def is_current(self, today: Any = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.start_date <= today <= self.end_date)


class Section(models.Model):
    """A class or an advisory group: teachers and students."""

    class Kind(models.TextChoices):
        CLASS = "class", "Class"
        ADVISORY = "advisory", "Advisory"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CLASS)
    course_title = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=128, blank=True)
    grade_levels = models.CharField(max_length=64, blank=True)
    terms = models.ManyToManyField(Term, blank=True, related_name="sections")
    sourced_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    is_active = models.BooleanField(default=True)
    members: models.ManyToManyField[User, Enrollment] = models.ManyToManyField(
        User, through="Enrollment", related_name="sections"
    )

    class Meta:
        ordering = ["school", "kind", "name", "code"]

    def __str__(self) -> str:
        return f"{self.name} {self.code}".strip()


@pghistory.track(*tracked_events(), model_name="EnrollmentEvent")
class Enrollment(models.Model):
    class Role(models.TextChoices):
        TEACHER = "teacher", "Teacher"
        STUDENT = "student", "Student"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=16, choices=Role.choices)
    is_primary = models.BooleanField(default=False)
    sourced_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["section", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "user", "role"], name="enrollment_unique_role"
            ),
        ]
        indexes = [models.Index(fields=["user", "role", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user.display_name} in {self.section} ({self.role})"


@pghistory.track(*tracked_events(), model_name="GuardianLinkEvent")
class GuardianLink(models.Model):
    """A guardian may have several children; a child several guardians."""

    guardian = models.ForeignKey(User, on_delete=models.CASCADE, related_name="child_links")
    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="guardian_links")
    relationship = models.CharField(max_length=64, blank=True, help_text="e.g. mother, grandparent")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["student", "guardian"]
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="guardian_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(guardian=models.F("student")),
                name="guardian_is_not_own_student",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian.display_name} → {self.student.display_name}"


STUDENT_VOICE_FIELDS = (
    "strengths",
    "needs",
    "interests",
    "learning_preferences",
    "aspirations",
)
STAFF_ONLY_FIELDS = ("support_notes", "accommodations")


@pghistory.track(*tracked_events(), model_name="LearnerProfileEvent")
class LearnerProfile(models.Model):
    """The learner in their own words, plus support information only staff may see."""

    student = models.OneToOneField(User, on_delete=models.CASCADE, related_name="learner_profile")
    strengths = models.TextField(blank=True, help_text="What I am good at.")
    needs = models.TextField(blank=True, help_text="What I am working on.")
    interests = models.TextField(blank=True, help_text="What I love to do and learn about.")
    learning_preferences = models.TextField(blank=True, help_text="How I learn best.")
    aspirations = models.TextField(blank=True, help_text="What I hope to do and become.")
    support_notes = models.TextField(blank=True, help_text="Staff only.")
    accommodations = models.TextField(blank=True, help_text="Staff only.")
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped on every save; an edit based on an older version is refused."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="profile_version_positive"
            )
        ]

    def __str__(self) -> str:
        return f"Learner profile of {self.student.display_name}"

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f).strip() for f in STUDENT_VOICE_FIELDS)


class RosterImport(models.Model):
    """One OneRoster upload or command run: its preview, then its outcome and per-row report.

    An admin upload is first *previewed*: the file's bytes are kept here (and nowhere else)
    with their SHA-256 and the digest of the planned changes, until the uploader confirms it
    (*applied*, the bytes are dropped), discards it, or it expires (*discarded*)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed, not applied yet"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"
        DISCARDED = "discarded", "Preview discarded"

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    source_name = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    upload = models.BinaryField(
        default=b"", blank=True, help_text="The uploaded file, kept only while it is previewed."
    )
    upload_sha256 = models.CharField(max_length=64, blank=True)
    plan_digest = models.CharField(
        max_length=64, blank=True, help_text="Names every change the preview showed."
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.get_status_display()}, {self.created_at:%Y-%m-%d %H:%M})"

    @property
    def summary_text(self) -> str:
        """e.g. "3 created, 12 updated, 0 deactivated" over all the file's records."""
        parts = []
        for key in ("created", "updated", "deactivated", "unchanged"):
            total = sum(
                v.get(key, 0)
                for v in self.summary.values()
                if isinstance(v, dict) and "unchanged" in v
            )
            parts.append(f"{total} {key}")
        return ", ".join(parts)
