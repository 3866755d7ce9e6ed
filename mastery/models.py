"""Proficiency scales, frameworks of competencies, evidence, mastery records and pacing."""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from profiles.models import School, Section, tracked_events

from .calculation import Method

HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #2e7d4f.")


class ProficiencyScale(models.Model):
    """Ordered levels with points; exactly one level is the mastery level."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="scales")
    name = models.CharField(max_length=128)
    is_default = models.BooleanField(
        default=False, help_text="Used by frameworks that don't name a scale."
    )

    class Meta:
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="scale_unique_name"),
            models.UniqueConstraint(
                fields=["school"],
                condition=models.Q(is_default=True),
                name="scale_one_default_per_school",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProficiencyLevel(models.Model):
    scale = models.ForeignKey(ProficiencyScale, on_delete=models.CASCADE, related_name="levels")
    points = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    label = models.CharField(max_length=64)
    description = models.CharField(max_length=255, blank=True)
    colour = models.CharField(max_length=7, validators=[HEX_COLOUR], default="#9aa5b1")
    is_mastery = models.BooleanField(default=False)

    class Meta:
        ordering = ["scale", "-points"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "points"], name="level_unique_points"),
            models.UniqueConstraint(fields=["scale", "label"], name="level_unique_label"),
            models.UniqueConstraint(
                fields=["scale"],
                condition=models.Q(is_mastery=True),
                name="level_one_mastery_per_scale",
            ),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="level_points_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.points.normalize()} {self.label}"


class Framework(models.Model):
    """A tree of competencies, typically imported from a CASE package."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="frameworks")
    title = models.CharField(max_length=255)
    identifier = models.CharField(
        max_length=255, help_text="CASE CFDocument identifier, kept verbatim."
    )
    uri = models.URLField(max_length=500, blank=True)
    creator = models.CharField(max_length=255, blank=True)
    version = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=128, blank=True)
    description = models.TextField(blank=True)
    scale = models.ForeignKey(
        ProficiencyScale,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="frameworks",
        help_text="Empty: the school's default scale.",
    )
    calculation_method = models.CharField(
        max_length=24, choices=[(m.value, m.label) for m in Method], default=Method.DECAYING_AVERAGE
    )
    calculation_parameter = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="n for n_mastery, w% for the weighted and decaying averages.",
    )
    is_active = models.BooleanField(default=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["school", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "identifier"], name="framework_unique_identifier"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Competency(models.Model):
    """A node of a framework; leaves are the learning targets evidence is scored against."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="competencies")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    identifier = models.CharField(max_length=255, help_text="CASE CFItem identifier, verbatim.")
    uri = models.URLField(max_length=500, blank=True)
    code = models.CharField(max_length=64, blank=True, help_text="CASE humanCodingScheme.")
    statement = models.TextField()
    short_statement = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=64, blank=True, help_text="CASE CFItemType, e.g. Standard.")
    grade_levels = models.CharField(max_length=64, blank=True)
    order = models.IntegerField(default=0, help_text="Order among siblings (sequenceNumber).")
    depth = models.PositiveSmallIntegerField(default=0)
    sort_key = models.CharField(
        max_length=255, blank=True, db_index=True, help_text="Tree order: parents before children."
    )
    is_leaf = models.BooleanField(default=True)
    calculation_method = models.CharField(
        max_length=24,
        choices=[(m.value, m.label) for m in Method],
        blank=True,
        help_text="Empty: the framework's method.",
    )
    calculation_parameter = models.PositiveSmallIntegerField(null=True, blank=True)
    prerequisites: models.ManyToManyField[Competency, Prerequisite] = models.ManyToManyField(
        "self",
        through="Prerequisite",
        symmetrical=False,
        related_name="unlocks",
        blank=True,
    )

    class Meta:
        ordering = ["framework", "sort_key", "id"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "identifier"], name="competency_unique_identifier"
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="competency_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}".strip()

    @property
    def label(self) -> str:
        return self.short_statement or self.statement

    @property
    def method(self) -> str:
        return self.calculation_method or self.framework.calculation_method

    @property
    def parameter(self) -> int | None:
        """The parameter of the method in force; None for methods that take none."""
        from .calculation import PARAMETER_RANGE, method_from

        value = (
            self.calculation_parameter
            if self.calculation_method
            else self.framework.calculation_parameter
        )
        return value if PARAMETER_RANGE[method_from(self.method)] is not None else None


class Prerequisite(models.Model):
    """``prerequisite`` precedes ``competency`` (CASE "precedes")."""

    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    prerequisite = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["competency", "prerequisite"], name="prerequisite_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(competency=models.F("prerequisite")),
                name="prerequisite_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prerequisite} → {self.competency}"


class SectionCompetency(models.Model):
    """Which competencies a section works on."""

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="section_competencies"
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="section_links"
    )

    class Meta:
        verbose_name_plural = "section competencies"
        constraints = [
            models.UniqueConstraint(
                fields=["section", "competency"], name="section_competency_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section}: {self.competency}"


# --- the running tally of accepted scores (ScoreTally), kept by triggers on the evidence -------

# The (student, framework) pairs a statement touched, from its transition tables: an accepted row
# inserted or deleted, or an update that changed what the tally counts (before or after it).
_ACCEPTED_PAIRS = (
    "SELECT x.student_id, c.framework_id FROM {rows} x "
    "JOIN mastery_competency c ON c.id = x.competency_id WHERE x.status = 'accepted'"
)
_TALLY_PAIRS = {
    "insert": _ACCEPTED_PAIRS.format(rows="new_values"),
    "delete": _ACCEPTED_PAIRS.format(rows="old_values"),
    "update": "SELECT v.student_id, c.framework_id FROM old_values o "
    "JOIN new_values n ON n.id = o.id CROSS JOIN LATERAL (VALUES "
    "(o.student_id, o.competency_id, o.status), (n.student_id, n.competency_id, n.status)"
    ") v (student_id, competency_id, status) JOIN mastery_competency c ON c.id = v.competency_id "
    "WHERE v.status = 'accepted' AND "
    "(o.student_id, o.competency_id, o.observed_on, o.score, o.status) IS DISTINCT FROM "
    "(n.student_id, n.competency_id, n.observed_on, n.score, n.status)",
}

# pg_advisory_xact_lock(int, int): the first key says "score tally", the second the student. Two
# transactions writing one student's evidence at once take turns, so the second rebuilds the
# series from the first's committed rows instead of colliding with them on the unique key.
TALLY_LOCK_CLASS = 7_000_702

# The series of accepted scores as running sums per (student, framework), from the evidence
# (``{join}`` limits it to some pairs).
_TALLY_INSERT = """INSERT INTO mastery_scoretally (student_id, framework_id, day, scores, score_sum)
SELECT student_id, framework_id, day, sum(n) OVER w, sum(s) OVER w
FROM (SELECT e.student_id, c.framework_id, e.observed_on AS day, count(*) AS n, sum(e.score) AS s
      FROM mastery_evidence e JOIN mastery_competency c ON c.id = e.competency_id{join}
      WHERE e.status = 'accepted' AND e.score IS NOT NULL
      GROUP BY 1, 2, 3) d
WINDOW w AS (PARTITION BY student_id, framework_id ORDER BY day);"""

# Rebuild the series of the touched pairs from their accepted evidence (a student's series in a
# framework is a row per day with evidence: a few dozen rows to rewrite for one teacher's score).
_TALLY_FUNC = """
PERFORM pg_advisory_xact_lock({lock}, p.student_id::int)
FROM (SELECT DISTINCT student_id FROM ({pairs}) q ORDER BY 1) p;
DELETE FROM mastery_scoretally t USING ({pairs}) p
WHERE t.student_id = p.student_id AND t.framework_id = p.framework_id;
{insert}
RETURN NULL;
"""
_PAIRS_JOIN = """
      JOIN (SELECT DISTINCT * FROM ({pairs}) q) p
        ON p.student_id = e.student_id AND p.framework_id = c.framework_id"""

# The whole tally from the evidence, for writes that skip the triggers (a district seed's bulk
# insert with ``session_replication_role = replica``).
SCORE_TALLY_REBUILD = "\nDELETE FROM mastery_scoretally;\n" + _TALLY_INSERT.format(join="") + "\n"


def score_tally_triggers() -> list[pgtrigger.Trigger]:
    """One statement-level trigger per operation (a trigger with transition tables has one)."""
    referencing = {
        "insert": pgtrigger.Referencing(new="new_values"),
        "delete": pgtrigger.Referencing(old="old_values"),
        "update": pgtrigger.Referencing(old="old_values", new="new_values"),
    }
    operations = {
        "insert": pgtrigger.Insert,
        "delete": pgtrigger.Delete,
        "update": pgtrigger.Update,
    }
    return [
        pgtrigger.Trigger(
            name=f"score_tally_{op}",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=operations[op],
            referencing=referencing[op],
            func=_TALLY_FUNC.format(
                lock=TALLY_LOCK_CLASS,
                pairs=_TALLY_PAIRS[op],
                insert=_TALLY_INSERT.format(join=_PAIRS_JOIN.format(pairs=_TALLY_PAIRS[op])),
            ),
        )
        for op in ("insert", "update", "delete")
    ]


@pghistory.track(*tracked_events(), model_name="EvidenceEvent")
class Evidence(models.Model):
    """One scored observation of one student on one competency."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment"
        PROJECT = "project", "Project"
        OBSERVATION = "observation", "Observation"
        CONVERSATION = "conversation", "Conversation"
        SELF_ASSESSMENT = "self_assessment", "Self-assessment"
        PRIOR_LEARNING = "prior_learning", "Prior learning"

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        SUBMITTED = "submitted", "Waiting for a teacher"
        RETURNED = "returned", "Returned with a comment"

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evidence"
    )
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="evidence")
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    observed_on = models.DateField()
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.ASSESSMENT)
    title = models.CharField(max_length=255, blank=True, help_text="e.g. the assessment's name.")
    note = models.TextField(blank=True)
    link = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["student", "competency", "observed_on", "id"]
        indexes = [
            models.Index(fields=["student", "competency", "observed_on", "id"]),
            models.Index(fields=["competency", "status"]),
            models.Index(fields=["student", "observed_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="accepted", score__isnull=False)
                | ~models.Q(status="accepted"),
                name="accepted_evidence_has_a_score",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0),
                name="evidence_score_gte_0",
            ),
        ]
        triggers = score_tally_triggers()

    def __str__(self) -> str:
        return f"{self.competency.code} {self.score} on {self.observed_on}"


class MasteryRecord(models.Model):
    """The current rollup for one student × competency, computed from accepted evidence."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mastery_records"
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="mastery_records"
    )
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    level = models.ForeignKey(
        ProficiencyLevel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mastered = models.BooleanField(default=False)
    evidence_count = models.PositiveIntegerField(default=0)
    first_mastered_on = models.DateField(null=True, blank=True)
    last_evidence_on = models.DateField(null=True, blank=True)
    # What the follow-up scan needs of the newest scores, kept with the rollup so that today's
    # scan reads the records instead of re-rolling up the evidence (decision 0028):
    # the rollup without the newest score (null with fewer than two scores, or when the
    # method gives none), and how many of the newest scores strictly decrease, counted from the
    # newest (1 for one score; null on a record not recomputed since the field was added).
    previous_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    falling_scores = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["student", "competency"]
        constraints = [
            models.UniqueConstraint(fields=["student", "competency"], name="mastery_record_unique"),
        ]
        indexes = [models.Index(fields=["competency", "student"])]

    def __str__(self) -> str:
        return f"{self.student_id} × {self.competency_id}: {self.score}"


class ScoreTally(models.Model):
    """A student's accepted scores in one framework up to a day: a running count and sum, a row
    per day with evidence. Kept by the evidence's triggers (bulk writes too), so it always
    equals a recomputation of the evidence; the follow-up scan's score trend reads three rows
    per student and framework here instead of the term's evidence (decision 0032).

    Not foreign keys in the database: Django deletes a framework's or a student's evidence in
    several statements, and each one's trigger rebuilds the pairs from what is left; the last
    leaves nothing."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    framework = models.ForeignKey(
        Framework,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    day = models.DateField()
    scores = models.PositiveIntegerField(help_text="Accepted scores up to and including the day.")
    score_sum = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "framework", "day"],
                include=["scores", "score_sum"],
                name="score_tally_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} × {self.framework_id} to {self.day}: {self.scores}"


class PacingPlan(models.Model):
    """Expected-by dates for a section's competencies."""

    section = models.OneToOneField(Section, on_delete=models.CASCADE, related_name="pacing_plan")
    name = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["section"]

    def __str__(self) -> str:
        return self.name or f"Pacing for {self.section}"


class PacingTarget(models.Model):
    plan = models.ForeignKey(PacingPlan, on_delete=models.CASCADE, related_name="targets")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    expected_by = models.DateField()

    class Meta:
        ordering = ["plan", "expected_by", "competency"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "competency"], name="pacing_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.competency} by {self.expected_by}"
