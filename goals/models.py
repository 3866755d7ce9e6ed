"""Goals students set with their advisors, their action steps, check-ins and comments."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from mastery.models import Competency
from profiles.models import School, Term, tracked_events


class GoalCategory(models.Model):
    """literacy, numeracy, social-emotional, personal… a school can edit its list."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="goal_categories")
    name = models.CharField(max_length=64)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["school", "order", "name"]
        verbose_name_plural = "goal categories"
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="goal_category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class GoalTemplate(models.Model):
    """A framing for the goal-setting tool, e.g. a SMART goal: prompts and an example."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="goal_templates")
    name = models.CharField(max_length=128)
    category = models.ForeignKey(
        GoalCategory, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    prompts = models.JSONField(
        default=list, blank=True, help_text="Questions the tool asks, one per line item."
    )
    example_title = models.CharField(max_length=255, blank=True)
    example_criteria = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["school", "name"]

    def __str__(self) -> str:
        return self.name


class GoalSettings(models.Model):
    """Per-school settings for goals and reminders."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="goal_settings")
    checkin_nudge_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Nudge a student with an active goal and no check-in for this many days.",
    )

    class Meta:
        verbose_name_plural = "goal settings"

    def __str__(self) -> str:
        return f"Goal settings for {self.school}"


@pghistory.track(*tracked_events(), model_name="GoalEvent")
class Goal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROPOSED = "proposed", "Waiting for approval"
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        NOT_MET = "not_met", "Not met"
        ABANDONED = "abandoned", "Set aside"

    class Horizon(models.TextChoices):
        TERM = "term", "This term"
        YEAR = "year", "This year"
        LONGER = "longer", "Longer"

    class Origin(models.TextChoices):
        STUDENT = "student", "Proposed by the student"
        TEACHER = "teacher", "Suggested by a teacher"

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals"
    )
    title = models.CharField(max_length=200)
    why = models.TextField("why it matters to me", blank=True)
    category = models.ForeignKey(
        GoalCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="goals"
    )
    horizon = models.CharField(max_length=16, choices=Horizon.choices, default=Horizon.TERM)
    success_criteria = models.TextField("how I'll know I got there", blank=True)
    target_date = models.DateField(null=True, blank=True)
    term = models.ForeignKey(Term, on_delete=models.SET_NULL, null=True, blank=True)
    competencies = models.ManyToManyField(Competency, blank=True, related_name="goals")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.STUDENT)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField(blank=True)
    reflection = models.TextField(blank=True, help_text="Written when the goal is closed.")
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["student", "-created_at"]
        indexes = [models.Index(fields=["student", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["achieved", "not_met", "abandoned"])
                | models.Q(closed_at__isnull=False),
                name="closed_goal_has_closed_at",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="goal_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def status_text(self) -> str:
        """The status as people read it: a teacher's suggestion the student has not taken up
        waits for the student, not for an approval."""
        if self.status == self.Status.PROPOSED and self.origin == self.Origin.TEACHER:
            return "Suggested, waiting for the student"
        return self.get_status_display()

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.PROPOSED, self.Status.ACTIVE)

    @property
    def is_closed(self) -> bool:
        return not self.is_open


class ActionStep(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=200)
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["goal", "order", "id"]

    def __str__(self) -> str:
        return self.title


@pghistory.track(*tracked_events(), model_name="CheckInEvent")
class CheckIn(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="checkins")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="Percent of the way there."
    )
    progress_derived = models.BooleanField(
        default=False, help_text="Computed from the linked competencies' mastery."
    )
    confidence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    what_helped = models.TextField(blank=True)
    what_got_in_the_way = models.TextField(blank=True)
    next_step = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "check-in"
        verbose_name_plural = "check-ins"
        ordering = ["goal", "-created_at", "-id"]
        indexes = [models.Index(fields=["goal", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="checkin_progress_lte_100"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=1, confidence__lte=5),
                name="checkin_confidence_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.progress}% on {self.created_at:%Y-%m-%d}"


@pghistory.track(*tracked_events(), model_name="GoalCommentEvent")
class GoalComment(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        ENCOURAGEMENT = "encouragement", "Encouragement"
        RETURNED = "returned", "Returned for changes"
        APPROVED = "approved", "Approved"

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMMENT)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["goal", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class ReminderSent(models.Model):
    """One reminder per person, kind and ISO week: a rerun of the task sends nothing twice."""

    class Kind(models.TextChoices):
        CHECKIN_NUDGE = "checkin_nudge", "Check-in nudge"
        ADVISOR_SUMMARY = "advisor_summary", "Advisor's weekly summary"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    week = models.CharField(max_length=8, help_text="ISO year and week, e.g. 2026-W48.")
    sent_at = models.DateTimeField(auto_now_add=True)
    goal_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "reminder sent"
        verbose_name_plural = "reminders sent"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "user", "week"], name="reminder_once_a_week"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.user_id} in {self.week}"
