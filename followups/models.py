"""Falling behind: a school's risk policy, daily attendance, the flags the scan raises, what
teachers did about them, and a record of every scan.

Invariants live here as constraints:

- one policy per school, thresholds in range;
- one attendance mark per student and school day;
- at most one *active* flag (open, acknowledged or snoozed) per student and rule;
- a snoozed flag has a date to wake on; a resolved flag has an outcome;
- one digest per teacher and day.

"The same condition never opens a second flag" (PRODUCT.md): a flag a teacher resolved while
its condition still held keeps ``condition_cleared_on`` empty; the scan opens a new flag for
that student and rule only once the condition has cleared (``condition_cleared_on`` set) and
returned.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from profiles.models import School, Section, tracked_events


class Rule(models.TextChoices):
    """The risk rules of PRODUCT.md, "Falling behind — what the worker looks for"."""

    BEHIND_PACE = "behind_pace", "Behind pace"
    NO_RECENT_EVIDENCE = "no_recent_evidence", "No recent evidence"
    STALLED_GOALS = "stalled_goals", "Stalled goals"
    SLIPPING = "slipping", "Slipping"
    MANY_BELOW_APPROACHING = "many_below_approaching", "Many below approaching"
    CHRONIC_ABSENCE = "chronic_absence", "Chronic absence"


def _between(low: int, high: int) -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(low), MaxValueValidator(high)]


@pghistory.track(*tracked_events(), model_name="RiskPolicyEvent")
class RiskPolicy(models.Model):
    """A school's thresholds: each rule on or off, with the numbers that make it fire.

    The defaults for behind pace (3 targets or 50 %, 5 school days' grace, and 3 of the targets
    due in the last 10 school days not mastered), slipping (recent scores 12 % of mastery below
    the term's, or 6 targets at once) and chronic absence (below 90 % over the last 20 school
    days and over the term, once it has 40) and stalled goals (28 days without a check-in) come
    from replaying a term of the benchmark district (bench/tune_rules.py, bench/README.md): the
    first defaults (2 or 25 %, no grace, any one target) flagged every steady student at least
    once, and 14 days without a check-in flagged a quarter of them."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="risk_policy")

    behind_pace_enabled = models.BooleanField("behind pace: on", default=True)
    behind_pace_targets = models.PositiveSmallIntegerField(
        "behind by at least (targets)",
        default=3,
        validators=_between(1, 100),
        help_text="Flag when mastered targets trail the pacing plan by this many …",
    )
    behind_pace_percent = models.PositiveSmallIntegerField(
        "or by at least (% of expected)",
        default=50,
        validators=_between(1, 100),
        help_text="… or by this share of the targets expected by today.",
    )
    behind_pace_grace_days = models.PositiveSmallIntegerField(
        "a target is expected (school days after its date)",
        default=5,
        validators=_between(0, 30),
        help_text="Time for the evidence of a target to come in after its pacing date.",
    )
    behind_pace_recent_days = models.PositiveSmallIntegerField(
        "and the gap grows: targets due in the last (school days)",
        default=10,
        validators=_between(0, 60),
        help_text="Only flag while the gap is growing, over this many school days (0: always).",
    )
    behind_pace_recent_targets = models.PositiveSmallIntegerField(
        "of which not mastered (at least)",
        default=3,
        validators=_between(1, 50),
        help_text="How many of the targets due in that window are not mastered (all, if fewer).",
    )

    no_evidence_enabled = models.BooleanField("no recent evidence: on", default=True)
    no_evidence_school_days = models.PositiveSmallIntegerField(
        "no evidence for (school days)", default=10, validators=_between(1, 200)
    )

    stalled_goals_enabled = models.BooleanField("stalled goals: on", default=True)
    stalled_goal_checkin_days = models.PositiveSmallIntegerField(
        "no check-in for (days)",
        default=28,
        validators=_between(1, 365),
        help_text="An active goal past its target date always counts as stalled.",
    )

    slipping_enabled = models.BooleanField("slipping: on", default=True)
    slipping_scores = models.PositiveSmallIntegerField(
        "last k scores trend down (k)",
        default=3,
        validators=_between(2, 10),
        help_text="A target whose level dropped also counts.",
    )
    slipping_targets = models.PositiveSmallIntegerField(
        "or on at least (targets)",
        default=6,
        validators=_between(1, 50),
        help_text="How many targets must be slipping at once.",
    )
    slipping_recent_days = models.PositiveSmallIntegerField(
        "with evidence in the last (school days)",
        default=10,
        validators=_between(0, 60),
        help_text="Only targets with recent evidence count (0: any).",
    )
    slipping_drop_percent = models.PositiveSmallIntegerField(
        "recent scores below the term's by (% of mastery)",
        default=12,
        validators=_between(1, 100),
        help_text="The mean of the recent window's scores against the mean before it this term.",
    )
    slipping_min_scores = models.PositiveSmallIntegerField(
        "with at least (scores each)",
        default=10,
        validators=_between(1, 200),
        help_text="Scores needed in the recent window and before it for the comparison.",
    )

    below_approaching_enabled = models.BooleanField("many below approaching: on", default=True)
    below_approaching_targets = models.PositiveSmallIntegerField(
        "targets below approaching (at least)", default=3, validators=_between(1, 100)
    )

    chronic_absence_enabled = models.BooleanField("chronic absence: on", default=True)
    attendance_min_percent = models.PositiveSmallIntegerField(
        "attendance below (%)",
        default=90,
        validators=_between(1, 100),
        help_text="Ninety per cent (missing 10 % of school days) is the usual definition.",
    )
    attendance_school_days = models.PositiveSmallIntegerField(
        "over the last (school days)", default=20, validators=_between(5, 200)
    )
    attendance_min_days = models.PositiveSmallIntegerField(
        "and over the term, once it has (school days)",
        default=40,
        validators=_between(1, 200),
        help_text="Attendance to date must also be below the minimum, after this many days.",
    )

    scan_hour = models.PositiveSmallIntegerField(
        "nightly scan at (hour, school time)", default=2, validators=_between(0, 23)
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "risk policy"
        verbose_name_plural = "risk policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(behind_pace_targets__gte=1)
                & Q(behind_pace_percent__range=(1, 100))
                & Q(behind_pace_grace_days__range=(0, 30))
                & Q(behind_pace_recent_days__range=(0, 60))
                & Q(behind_pace_recent_targets__range=(1, 50)),
                name="risk_policy_pace_in_range",
            ),
            models.CheckConstraint(
                condition=Q(no_evidence_school_days__range=(1, 200))
                & Q(stalled_goal_checkin_days__range=(1, 365))
                & Q(slipping_scores__range=(2, 10))
                & Q(slipping_targets__range=(1, 50))
                & Q(slipping_recent_days__range=(0, 60))
                & Q(slipping_drop_percent__range=(1, 100))
                & Q(slipping_min_scores__range=(1, 200))
                & Q(below_approaching_targets__range=(1, 100))
                & Q(attendance_min_percent__range=(1, 100))
                & Q(attendance_school_days__range=(5, 200))
                & Q(attendance_min_days__range=(1, 200))
                & Q(scan_hour__range=(0, 23)),
                name="risk_policy_thresholds_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Risk policy of {self.school}"


class SchoolClosure(models.Model):
    """A weekday without school (a holiday, a training day): not a school day for the rules."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    name = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["school", "date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="closure_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


@pghistory.track(*tracked_events(), model_name="AttendanceEvent")
class Attendance(models.Model):
    """One student's mark for one school day, from the information system or the advisor."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        ABSENT = "absent", "Absent"
        TARDY = "tardy", "Tardy"
        EXCUSED = "excused", "Excused absence"

    class Source(models.TextChoices):
        IMPORT = "import", "Imported"
        ADVISOR = "advisor", "Taken by the advisor"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="attendance")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance"
    )
    date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.ADVISOR)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "student"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(fields=["student", "date"], name="attendance_once_a_day"),
        ]
        indexes = [
            models.Index(fields=["school", "date"], name="attendance_school_date"),
            # The scan counts the days missed: a few percent of the marks, read from the index
            # alone (2,000 students: 90 → 40 ms).
            models.Index(
                fields=["school", "date"],
                include=["student", "status"],
                condition=models.Q(status__in=["absent", "excused"]),
                name="attendance_missed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.date:%Y-%m-%d} {self.get_status_display()}"


class AttendanceImport(models.Model):
    """One upload of the information system's CSV export, with its per-row report."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed (nothing changed)"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="attendance_imports")
    file_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True, help_text="Problems, row by row.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name or 'attendance'} ({self.get_status_display()})"


class Severity(models.TextChoices):
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


ACTIVE_STATUSES = ("open", "acknowledged", "snoozed")


@pghistory.track(
    pghistory.InsertEvent(),
    # Not an event when only the nightly "still detected" date moves (decision 0030).
    pghistory.UpdateEvent(
        condition=pgtrigger.AnyChange(exclude=["last_detected_on", "updated_at"])
    ),
    pghistory.DeleteEvent(),
    model_name="FlagEvent",
    level=pghistory.Statement,
)
class Flag(models.Model):
    """An open concern about one student from one rule, with the numbers that triggered it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        SNOOZED = "snoozed", "Snoozed"
        RESOLVED = "resolved", "Resolved"
        CLEARED = "cleared", "Cleared (the condition went away)"

    class Feedback(models.TextChoices):
        USEFUL = "useful", "Useful"
        NOT_USEFUL = "not_useful", "Not useful"
        INCORRECT = "incorrect", "Incorrectly flagged"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="flags")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    rule = models.CharField(max_length=32, choices=Rule.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    measured = models.JSONField(default=dict, help_text="The numbers the scan measured.")
    threshold = models.JSONField(default=dict, help_text="The policy's numbers that fired.")
    first_detected_on = models.DateField()
    last_detected_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_flags",
    )
    outcome = models.TextField(max_length=2000, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    condition_cleared_on = models.DateField(
        null=True, blank=True, help_text="The first scan that found the condition gone."
    )
    feedback = models.CharField(max_length=16, choices=Feedback.choices, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-first_detected_on", "student"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "rule"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="flag_one_active_per_student_and_rule",
            ),
            models.CheckConstraint(
                condition=~Q(status="snoozed") | Q(snoozed_until__isnull=False),
                name="flag_snoozed_has_a_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(outcome=""),
                name="flag_resolved_has_an_outcome",
            ),
            models.CheckConstraint(
                condition=Q(last_detected_on__gte=models.F("first_detected_on")),
                name="flag_detected_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="flag_school_status"),
            models.Index(fields=["assigned_to", "status"], name="flag_assignee_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.student}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@pghistory.track(*tracked_events(), model_name="FollowUpEvent")
class FollowUp(models.Model):
    """What a teacher did about a flag."""

    class Action(models.TextChoices):
        TALKED = "talked", "Talked with the student"
        FAMILY = "family", "Contacted the family"
        INTERVENTION = "intervention", "Intervention"
        REFERRAL = "referral", "Referral"
        OTHER = "other", "Other"

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="followups")
    action = models.CharField(max_length=16, choices=Action.choices)
    note = models.TextField(max_length=4000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    occurred_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        verbose_name = "follow-up"

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.occurred_on:%Y-%m-%d})"


class ScanRun(models.Model):
    """One run of the scan over a school (or one section, or one student)."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", "Nightly"
        COMMAND = "command", "Command line"
        SECTION = "section", "A teacher scanned a section"
        STUDENT = "student", "A change to one student"
        DEMO = "demo", "Demo"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="scan_runs")
    as_of = models.DateField()
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    section = models.ForeignKey(Section, on_delete=models.SET_NULL, null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    students_scanned = models.PositiveIntegerField(default=0)
    flags_opened = models.PositiveIntegerField(default=0)
    flags_cleared = models.PositiveIntegerField(default=0)
    flags_kept = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    error_text = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["school", "-started_at"], name="scanrun_school_started")]

    def __str__(self) -> str:
        return f"{self.school} as of {self.as_of:%Y-%m-%d} ({self.get_trigger_display()})"

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class DigestSent(models.Model):
    """One new-flags digest per teacher and day: a rerun of the task sends nothing twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flag_digests"
    )
    date = models.DateField()
    flag_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]
        verbose_name = "digest sent"
        verbose_name_plural = "digests sent"
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="flag_digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.date:%Y-%m-%d}"
