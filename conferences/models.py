"""Student-led conferences: templates (the framing documents), windows per term, slots with
rooms and capacity, a conference per student with attendees and RSVPs, the agenda the student
prepares, work samples, commitments, next-term goals and the reminders sent.

Invariants live here as constraints:

- an advisor is never in two slots at once (an exclusion constraint over the slot's time range);
- a student or guardian is never at two conferences at once, so siblings' conferences never
  overlap (an exclusion constraint over each attendee's denormalised time range);
- one conference per student and window; one reminder per conference and event;
- a slot ends after it starts; capacity and minutes stay in range.
"""

from __future__ import annotations

from typing import Any

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    BigIntegerRangeField,
    DateTimeRangeField,
    RangeOperators,
)
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils import timezone

from goals.models import Goal, GoalCategory
from mastery.models import Evidence
from profiles.models import School, Term, tracked_events


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class SameId(Func):
    """``[id, id]`` as an int8range. An exclusion constraint says "the same person, at an
    overlapping time" with ``SameId(person) &&`` instead of ``person =``, so it needs only
    PostgreSQL's own GiST range support, not the btree_gist extension (which the embedded
    PostgreSQL of bin/run does not ship)."""

    function = "int8range"
    output_field = BigIntegerRangeField()

    def __init__(self, expression: Any, **extra: Any) -> None:
        super().__init__(expression, expression, Value("[]"), **extra)


class SectionKind(models.TextChoices):
    """What material the agenda brings into a section; ``custom`` shows only its prompts."""

    WELCOME = "welcome", "Welcome and introductions"
    ABOUT_ME = "about_me", "About me"
    GOALS_REVIEW = "goals_review", "Goals review"
    WORK_SAMPLES = "work_samples", "Work samples"
    GROWTH = "growth", "Growth areas"
    NEXT_GOALS = "next_goals", "Goals for next term"
    COMMITMENTS = "commitments", "Commitments"
    QUESTIONS = "questions", "Family questions"
    CUSTOM = "custom", "Other"


class ConferenceTemplate(models.Model):
    """The framing documents of a school's conferences: ordered agenda sections."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="conference_templates"
    )
    name = models.CharField(max_length=128)
    description = models.TextField(max_length=2000, blank=True)
    checklist = models.JSONField(
        default=list, blank=True, help_text="The student's rehearsal checklist: a list of items."
    )
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["school", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="conference_template_name"),
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_default=True), name="one_default_template"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total_minutes(self) -> int:
        return sum(s.minutes for s in self.sections.all())


class TemplateSection(models.Model):
    """One agenda section: a title, the prompts the student answers, and its minutes."""

    template = models.ForeignKey(
        ConferenceTemplate, on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=SectionKind.choices, default=SectionKind.CUSTOM)
    title = models.CharField(max_length=128)
    prompts = models.JSONField(default=list, blank=True, help_text="A list of questions.")
    minutes = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )

    class Meta:
        ordering = ["template", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=60), name="section_minutes_1_to_60"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ConferenceWindow(models.Model):
    """A term's conference days. The school assigns slots, or opens booking to families."""

    class Mode(models.TextChoices):
        ASSIGNED = "assigned", "The school assigns slots"
        BOOKING = "booking", "Families book their own"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="conference_windows")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="conference_windows")
    name = models.CharField(max_length=128)
    template = models.ForeignKey(ConferenceTemplate, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.ASSIGNED)
    booking_opens_at = models.DateTimeField(null=True, blank=True)
    booking_closes_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school", "-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="window_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(booking_opens_at__isnull=True)
                | Q(booking_closes_at__isnull=True)
                | Q(booking_closes_at__gt=F("booking_opens_at")),
                name="booking_closes_after_it_opens",
            ),
            models.UniqueConstraint(fields=["school", "name"], name="window_name_per_school"),
        ]

    def __str__(self) -> str:
        return self.name

    def booking_open(self, now: object) -> bool:
        return bool(
            self.mode == self.Mode.BOOKING
            and self.booking_opens_at is not None
            and self.booking_opens_at <= now  # type: ignore[operator]
            and (self.booking_closes_at is None or now < self.booking_closes_at)  # type: ignore[operator]
        )

    def booking_not_yet_open(self, now: object) -> bool:
        return self.mode == self.Mode.ASSIGNED or (
            self.booking_opens_at is None or now < self.booking_opens_at  # type: ignore[operator]
        )


class ConferenceSlot(models.Model):
    """A time with an advisor in a room, for up to ``capacity`` families at once; or a time the
    advisor blocked (away), which no conference can take."""

    window = models.ForeignKey(ConferenceWindow, on_delete=models.CASCADE, related_name="slots")
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conference_slots"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    room = models.CharField(max_length=64, blank=True)
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    is_blocked = models.BooleanField(default=False, help_text="The advisor is away.")
    block_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["window", "starts_at", "advisor", "id"]
        indexes = [models.Index(fields=["advisor", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=12), name="slot_capacity_1_to_12"
            ),
            ExclusionConstraint(
                name="advisor_in_one_slot_at_a_time",
                violation_error_message=(
                    "This advisor already has a slot or a blocked time then: an advisor "
                    "can't be in two places at once."
                ),
                expressions=[
                    (SameId("advisor"), RangeOperators.OVERLAPS),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        # In the active time zone: the signed-in person's school's (profiles.zones).
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} {self.room}".strip()


@pghistory.track(*tracked_events(), model_name="ConferenceEvent")
class Conference(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PREPARING = "preparing", "Preparing"
        SUBMITTED = "submitted", "Submitted for review"
        READY = "ready", "Ready"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    window = models.ForeignKey(
        ConferenceWindow, on_delete=models.CASCADE, related_name="conferences"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conferences"
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="advised_conferences"
    )
    slot = models.ForeignKey(
        ConferenceSlot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conferences",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    review_comment = models.TextField(max_length=4000, blank=True)
    checklist = models.JSONField(default=list, blank=True, help_text="Rehearsal items ticked.")
    interpreter_language = models.CharField(
        max_length=64, blank=True, help_text="Asked for by the family; empty for none."
    )
    notes = models.TextField(max_length=10000, blank=True, help_text="The advisor's notes.")
    summary = models.TextField(max_length=6000, blank=True, help_text="For the family.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    goals_created_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["window", "student__family_name", "student__given_name", "id"]
        indexes = [models.Index(fields=["student", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["window", "student"], name="one_conference_a_window"),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_at__isnull=False),
                name="held_conference_has_held_at",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="conference_version_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.window}: {self.student_id}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED


class Attendee(models.Model):
    """Who comes: the student, their guardians, the advisor, and others invited (a coach, a
    grandparent). Each person's time is copied from the slot, so the database refuses a student
    or guardian at two conferences at once: siblings' conferences never overlap."""

    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        GUARDIAN = "guardian", "Family"
        ADVISOR = "advisor", "Advisor"
        OTHER = "other", "Invited"

    class Rsvp(models.TextChoices):
        PENDING = "pending", "Not answered yet"
        ACCEPTED = "accepted", "Coming"
        ANOTHER_TIME = "another_time", "Asked for another time"

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conference_attendances",
    )
    name = models.CharField(max_length=150, blank=True, help_text="For people without a login.")
    email = models.EmailField(max_length=254, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices)
    rsvp = models.CharField(max_length=16, choices=Rsvp.choices, default=Rsvp.PENDING)
    rsvp_note = models.CharField(max_length=500, blank=True)
    rsvp_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True, editable=False)
    ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True, editable=False)

    class Meta:
        ordering = ["conference", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "user"],
                condition=Q(user__isnull=False),
                name="attendee_once_per_conference",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""), name="attendee_has_a_name"
            ),
            ExclusionConstraint(
                name="family_at_one_conference_at_a_time",
                violation_error_message=(
                    "This person already has a conference at that time: siblings' "
                    "conferences never overlap."
                ),
                expressions=[
                    (SameId("user"), RangeOperators.OVERLAPS),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=Q(
                    role__in=["student", "guardian"],
                    is_active=True,
                    user__isnull=False,
                    starts_at__isnull=False,
                    ends_at__isnull=False,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.user_id)


class AgendaItem(models.Model):
    """The student's answer to one section's prompts, and the advisor's comment on it."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(TemplateSection, on_delete=models.CASCADE, related_name="+")
    response = models.TextField(max_length=4000, blank=True)
    advisor_comment = models.TextField(max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["conference", "section__order"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "section"], name="one_item_a_section"),
        ]

    def __str__(self) -> str:
        return f"{self.conference_id}/{self.section_id}"


class WorkSample(models.Model):
    """A piece of the student's own evidence they chose to show, with their reflections."""

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="work_samples"
    )
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="+")
    proud_of = models.TextField("what I'm proud of", max_length=2000, blank=True)
    do_differently = models.TextField("what I'd do differently", max_length=2000, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["conference", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "evidence"], name="sample_once"),
        ]

    def __str__(self) -> str:
        return f"Sample {self.evidence_id}"


@pghistory.track(*tracked_events(), model_name="CommitmentEvent")
class Commitment(models.Model):
    """A next step someone promises at the conference: who, what, by when; at the next
    conference it is marked kept or not."""

    class Who(models.TextChoices):
        STUDENT = "student", "Student"
        FAMILY = "family", "Family"
        ADVISOR = "advisor", "Advisor"

    class Outcome(models.TextChoices):
        OPEN = "open", "Not reviewed yet"
        KEPT = "kept", "Kept"
        NOT_KEPT = "not_kept", "Not kept"

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="commitments")
    who = models.CharField(max_length=16, choices=Who.choices)
    text = models.CharField(max_length=500)
    due_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conference", "who", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class NextTermGoal(models.Model):
    """A goal for next term named at the conference; turned into the student's draft goal in
    one action after it (``goal`` is then set, so it is never turned twice)."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="next_goals")
    title = models.CharField(max_length=200)
    why = models.TextField(max_length=2000, blank=True)
    category = models.ForeignKey(
        GoalCategory, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    goal = models.OneToOneField(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_conference"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conference", "id"]

    def __str__(self) -> str:
        return self.title


class ConferenceReminder(models.Model):
    """One email per conference and event (invitation, the day before, the summary after) to
    its guardians and student: the unique constraint makes a rerun send nothing twice."""

    class Event(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        DAY_BEFORE = "day_before", "The day before"
        SUMMARY = "summary", "Summary afterwards"

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="reminders")
    event = models.CharField(max_length=16, choices=Event.choices)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "event"], name="conference_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} for conference {self.conference_id}"
