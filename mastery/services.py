"""Every write about mastery: scales, evidence and the mastery records computed from it.

Mastery records are recomputed from *all* accepted evidence of a student × competency in the
same transaction as every evidence create, edit or delete. Each writer first locks the record
rows it will recompute (creating them if missing), then reads the evidence: under READ COMMITTED
the second of two concurrent writers waits for the first and then sees its evidence, so a record
always equals a recomputation from all evidence.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core import hooks
from core.dates import plausible_date
from core.errors import NotAllowed, ValidationFailed
from core.services import service
from core.tasks import enqueue_after_commit
from profiles.models import Enrollment, Membership, Role, School, Section, User

from . import calculation as calc
from .models import (
    SCORE_TALLY_REBUILD,
    Competency,
    Evidence,
    Framework,
    MasteryRecord,
    ProficiencyLevel,
    ProficiencyScale,
)
from .permissions import (
    can_change_evidence,
    can_record_evidence,
    can_review_evidence,
    can_submit_evidence,
)
from .selectors import levels_of, scale_for

DEFAULT_LEVELS = (
    (Decimal("4"), "Exceeds", "#1b5e20", False),
    (Decimal("3"), "Meets", "#2e7d32", True),
    (Decimal("2"), "Approaching", "#f9a825", False),
    (Decimal("1"), "Beginning", "#e65100", False),
)


# --- scales ------------------------------------------------------------------------------------


def scale_default_create(*, school: School) -> None:
    """A new school starts with the usual 4-level scale as its default
    (``LEARNHUB_SCHOOL_SETUP``)."""
    if not ProficiencyScale.objects.filter(school=school, is_default=True).exists():
        _scale_default_make(school)


def _scale_default_make(school: School) -> ProficiencyScale:
    scale, created = ProficiencyScale.objects.get_or_create(
        school=school, name="4-point scale", defaults={"is_default": True}
    )
    if created:
        ProficiencyLevel.objects.bulk_create(
            ProficiencyLevel(scale=scale, points=p, label=label, colour=colour, is_mastery=m)
            for p, label, colour, m in DEFAULT_LEVELS
        )
    return scale


def scale_validate(levels: Iterable[tuple[Decimal, bool]]) -> None:
    """A scale needs at least one level and exactly one mastery level."""
    rows = list(levels)
    if not rows:
        raise ValidationFailed("A scale needs at least one level.")
    marked = sum(1 for _, is_mastery in rows if is_mastery)
    if marked != 1:
        raise ValidationFailed(
            f"Mark exactly one level as the mastery level ({marked} marked).", code="mastery_level"
        )


# What changes a framework's or a competency's mastery records: an edit of one of these fields
# queues a rebuild of the framework.
FRAMEWORK_REBUILD_FIELDS = frozenset({"calculation_method", "calculation_parameter", "scale"})
COMPETENCY_REBUILD_FIELDS = frozenset({"calculation_method", "calculation_parameter"})


@service
def scale_update(
    *,
    actor: User,
    scale: ProficiencyScale,
    levels: Iterable[ProficiencyLevel] = (),
    deleted: Iterable[ProficiencyLevel] = (),
) -> list[int]:
    """Save an edited scale with its new or changed ``levels`` and without its ``deleted`` ones,
    then queue a rebuild of every framework that uses it (as itself, or as the school's default
    for frameworks that name none). Returns the ids of those frameworks."""
    scale.save()
    for level in deleted:
        level.delete()
    for level in levels:
        level.scale = scale
        level.save()
    frameworks = Framework.objects.filter(scale=scale)
    if scale.is_default:
        frameworks = frameworks | Framework.objects.filter(school=scale.school, scale__isnull=True)
    ids = sorted(frameworks.values_list("pk", flat=True))
    mastery_rebuild_enqueue(framework_ids=ids)
    return ids


@service
def framework_update(*, actor: User, framework: Framework, changed: Iterable[str]) -> bool:
    """Save an edited framework (its ``changed`` fields already set); a new calculation method,
    parameter or scale queues a rebuild of its records. Returns whether it did."""
    framework.save()
    rebuild = bool(FRAMEWORK_REBUILD_FIELDS & set(changed))
    if rebuild:
        mastery_rebuild_enqueue(framework_ids=[framework.pk])
    return rebuild


@service
def competency_update(*, actor: User, competency: Competency, changed: Iterable[str]) -> bool:
    """Save an edited competency (its ``changed`` fields already set); a calculation method or
    parameter of its own queues a rebuild of its framework. Returns whether it did."""
    competency.save()
    rebuild = bool(COMPETENCY_REBUILD_FIELDS & set(changed))
    if rebuild:
        mastery_rebuild_enqueue(framework_ids=[competency.framework_id])
    return rebuild


# --- recomputation -----------------------------------------------------------------------------


def _first_mastered_on(
    method: str,
    parameter: int | None,
    rows: list[tuple[Decimal, dt.date]],
    levels: list[calc.Level],
) -> dt.date | None:
    """The date of the evidence with which the student first reached mastery."""
    scores: list[Decimal] = []
    for score, observed_on in rows:
        scores.append(score)
        if calc.rollup(method, scores, levels, parameter=parameter).mastered:
            return observed_on
    return None


def _falling_scores(scores: list[Decimal]) -> int:
    """How many of the newest scores strictly decrease, counted from the newest (0 for none, 1
    for one): ``calculation.trend_is_down(scores, k)`` is ``_falling_scores(scores) >= k``."""
    run = min(len(scores), 1)
    while run < len(scores) and scores[-run - 1] > scores[-run]:
        run += 1
    return run


_RECORD_FIELDS = (
    "score",
    "level_id",
    "mastered",
    "evidence_count",
    "last_evidence_on",
    "first_mastered_on",
    "previous_score",
    "falling_scores",
)


def mastery_recompute(*, pairs: Iterable[tuple[int, int]]) -> int:
    """Recompute the mastery records of (student_id, competency_id) pairs from all accepted
    evidence; returns how many records changed. Call inside a transaction.

    Set-based, since a framework rebuild or a district's seed recomputes thousands of records:
    one INSERT of the missing records, one locking read of the records' values (no model
    instances), one read of the evidence, the rollups in Python (:mod:`.calculation`), one
    UPDATE of the changed records."""
    wanted = sorted(set(pairs))
    if not wanted:
        return 0
    student_ids = sorted({s for s, _ in wanted})
    competency_ids = sorted({c for _, c in wanted})
    table = MasteryRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (student_id, competency_id, mastered, evidence_count, updated_at)
            SELECT s, c, false, 0, %s FROM unnest(%s::bigint[], %s::bigint[]) AS t(s, c)
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - the table name is ours; values are parameters
            [timezone.now(), [s for s, _ in wanted], [c for _, c in wanted]],
        )
    wanted_set = set(wanted)
    records = [
        r
        for r in MasteryRecord.objects.select_for_update()
        .filter(student_id__in=student_ids, competency_id__in=competency_ids)
        .order_by("id")
        .values_list("id", "student_id", "competency_id", *_RECORD_FIELDS)
        if (r[1], r[2]) in wanted_set
    ]
    evidence: dict[tuple[int, int], list[tuple[Decimal, dt.date]]] = defaultdict(list)
    for student_id, competency_id, score, observed_on in (
        Evidence.objects.filter(
            student_id__in=student_ids,
            competency_id__in=competency_ids,
            status=Evidence.Status.ACCEPTED,
        )
        .order_by("observed_on", "id")
        .values_list("student_id", "competency_id", "score", "observed_on")
    ):
        if score is not None:
            evidence[(student_id, competency_id)].append((score, observed_on))

    levels_by_framework: dict[int, list[calc.Level]] = {}
    methods: dict[int, tuple[str, int | None, list[calc.Level]]] = {}
    for competency in Competency.objects.filter(pk__in=competency_ids).select_related(
        "framework__scale", "framework__school"
    ):
        if competency.framework_id not in levels_by_framework:
            levels_by_framework[competency.framework_id] = levels_of(
                scale=scale_for(framework=competency.framework)
            )
        methods[competency.pk] = (
            competency.method,
            competency.parameter,
            levels_by_framework[competency.framework_id],
        )

    changed: list[tuple[Any, ...]] = []
    for record_id, student_id, competency_id, *stored in records:
        method, parameter, levels = methods[competency_id]
        rows = evidence.get((student_id, competency_id), [])
        scores = [s for s, _ in rows]
        result = calc.rollup(method, scores, levels, parameter=parameter)
        previous = (
            calc.rollup(method, scores[:-1], levels, parameter=parameter)
            if len(scores) > 1
            else None
        )
        values = (
            result.score,
            result.level.id if result.level else None,
            result.mastered,
            len(rows),
            max((d for _, d in rows), default=None),
            _first_mastered_on(method, parameter, rows, levels) if result.mastered else None,
            previous.score if previous is not None else None,
            _falling_scores(scores),
        )
        if tuple(stored) != values:
            changed.append((record_id, *values))
    if changed:
        _records_write(changed, timezone.now())
    return len(changed)


def _records_write(rows: list[tuple[Any, ...]], now: dt.datetime) -> None:
    """One ``UPDATE … FROM (VALUES …)`` for all changed records (id and ``_RECORD_FIELDS``):
    Django's bulk_update builds a CASE per field per row, which is slow for thousands of rows
    (a framework rebuild)."""
    from psycopg2.extras import execute_values

    table = MasteryRecord._meta.db_table
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"""
            UPDATE {table} AS r SET
                score = v.score::numeric, level_id = v.level_id::bigint, mastered = v.mastered,
                evidence_count = v.evidence_count, last_evidence_on = v.last_evidence_on::date,
                first_mastered_on = v.first_mastered_on::date,
                previous_score = v.previous_score::numeric,
                falling_scores = v.falling_scores::int,
                updated_at = v.updated_at::timestamptz
            FROM (VALUES %s) AS v(id, score, level_id, mastered, evidence_count,
                                  last_evidence_on, first_mastered_on, previous_score,
                                  falling_scores, updated_at)
            WHERE r.id = v.id
            """,  # noqa: S608 - the table name is ours; values are parameters
            [(*row, now) for row in rows],
            page_size=1000,
        )


@service
def score_tally_rebuild() -> int:
    """Rebuild every student's running tally of scores from the evidence and return its rows.
    The evidence's triggers keep it; only writes that skip triggers need this."""
    with connection.cursor() as cursor:
        cursor.execute(SCORE_TALLY_REBUILD)
        return cursor.rowcount


def mastery_rebuild(*, framework_id: int) -> int:
    """Recompute every record of a framework (after its method or scale changed)."""
    pairs = set(
        Evidence.objects.filter(competency__framework_id=framework_id)
        .values_list("student_id", "competency_id")
        .distinct()
    ) | set(
        MasteryRecord.objects.filter(competency__framework_id=framework_id).values_list(
            "student_id", "competency_id"
        )
    )
    changed = 0
    ordered = sorted(pairs)
    for start in range(0, len(ordered), 2000):
        with transaction.atomic():
            changed += mastery_recompute(pairs=ordered[start : start + 2000])
    return changed


def mastery_rebuild_enqueue(*, framework_ids: Iterable[int]) -> None:
    """Queue a rebuild after commit (the worker does it; if Redis is down it is kept and queued
    when Redis is back: core.tasks.pending_tasks_send)."""
    from .tasks import mastery_rebuild_task

    for framework_id in sorted(set(framework_ids)):
        enqueue_after_commit(mastery_rebuild_task, framework_id)


# --- evidence ----------------------------------------------------------------------------------


def _top_points(competency: Competency) -> Decimal:
    return max(
        (lv.points for lv in levels_of(scale=scale_for(framework=competency.framework))),
        default=Decimal(4),
    )


def _score(value: Any, competency: Competency, top: Decimal | None = None) -> Decimal:
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("Give the score as a number.", field="score") from None
    if not score.is_finite():
        raise ValidationFailed("Give the score as a number.", field="score")
    top = top if top is not None else _top_points(competency)
    if score < 0 or score > top:
        raise ValidationFailed(
            f"A score on this scale is between 0 and {top.normalize()}.", field="score"
        )
    return score.quantize(Decimal("0.01"))


def _observed_on(value: dt.date | None) -> dt.date:
    today = timezone.localdate()
    day = value or today
    if day > today:
        raise ValidationFailed("Evidence can't be dated in the future.", field="observed_on")
    return plausible_date(day, field="observed_on", today=today)


def _check_competency_for(student: User, competency: Competency) -> None:
    if not competency.is_leaf:
        raise ValidationFailed("Score a learning target, not a group of them.", field="competency")
    if not Membership.objects.filter(
        user=student, role=Role.STUDENT, school_id=competency.framework.school_id
    ).exists():
        raise ValidationFailed(
            "This competency belongs to another school's framework.", field="competency"
        )


def _kind(value: str) -> str:
    if value not in Evidence.Kind.values:
        raise ValidationFailed(f"Unknown kind of evidence: {value}.", field="kind")
    return value


@service
def evidence_record(
    *,
    actor: User,
    student: User,
    competency: Competency,
    score: Any,
    observed_on: dt.date | None = None,
    kind: str = Evidence.Kind.ASSESSMENT,
    title: str = "",
    note: str = "",
    link: str = "",
    section: Section | None = None,
) -> Evidence:
    """A teacher records one scored observation; the mastery record is current on return."""
    if not can_record_evidence(actor, student):
        raise NotAllowed("Only the student's teachers can record evidence for them.")
    _check_competency_for(student, competency)
    evidence = Evidence.objects.create(
        student=student,
        competency=competency,
        section=section,
        score=_score(score, competency),
        observed_on=_observed_on(observed_on),
        kind=_kind(kind),
        title=title.strip()[:255],
        note=note.strip(),
        link=link.strip(),
        author=actor,
        status=Evidence.Status.ACCEPTED,
    )
    mastery_recompute(pairs=[(student.pk, competency.pk)])
    hooks.student_changed(student.pk)
    return evidence


@service
def evidence_record_for_class(
    *,
    actor: User,
    section: Section,
    competency: Competency,
    scores: Mapping[int, Any],
    observed_on: dt.date | None = None,
    kind: str = Evidence.Kind.ASSESSMENT,
    title: str = "",
    note: str = "",
) -> list[Evidence]:
    """Record one assessment for a whole class in one transaction: ``scores`` maps student ids
    to scores (blank = not assessed). Nothing is written if any score is invalid."""
    enrolled = set(
        Enrollment.objects.filter(
            section=section, role=Enrollment.Role.STUDENT, is_active=True
        ).values_list("user_id", flat=True)
    )
    from profiles.permissions import staff_students_q

    allowed = set(
        User.objects.filter(staff_students_q(actor), pk__in=enrolled).values_list("pk", flat=True)
    )
    if not allowed:
        raise NotAllowed("Only the class's teachers can record its scores.")
    if not competency.is_leaf or competency.framework.school_id != section.school_id:
        raise ValidationFailed("Pick one of this class's learning targets.", field="competency")
    day = _observed_on(observed_on)
    kind = _kind(kind)
    top = _top_points(competency)
    rows: list[Evidence] = []
    problems: list[str] = []
    for student_id, raw in scores.items():
        if raw in (None, ""):
            continue
        if student_id not in allowed:
            raise NotAllowed("One of these students is not in this class.")
        try:
            score = _score(raw, competency, top)
        except ValidationFailed as error:
            problems.append(f"student {student_id}: {error.message}")
            continue
        rows.append(
            Evidence(
                student_id=student_id,
                competency=competency,
                section=section,
                score=score,
                observed_on=day,
                kind=kind,
                title=title.strip()[:255],
                note=note.strip(),
                author=actor,
                status=Evidence.Status.ACCEPTED,
            )
        )
    if problems:
        raise ValidationFailed("Some scores are not valid: " + "; ".join(problems), field="scores")
    if not rows:
        raise ValidationFailed("Enter at least one score.", field="scores")
    created = Evidence.objects.bulk_create(rows)
    mastery_recompute(pairs=[(e.student_id, competency.pk) for e in created])
    hooks.students_changed(e.student_id for e in created)
    return created


@service
def evidence_update(*, actor: User, evidence: Evidence, changes: Mapping[str, Any]) -> Evidence:
    if not can_change_evidence(actor, evidence):
        raise NotAllowed("Only the student's teachers can change this evidence.")
    allowed = {"score", "observed_on", "kind", "title", "note", "link"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"These can't be changed: {', '.join(sorted(unknown))}.")
    if "score" in changes:
        evidence.score = _score(changes["score"], evidence.competency)
    if "observed_on" in changes:
        evidence.observed_on = _observed_on(changes["observed_on"])
    if "kind" in changes:
        evidence.kind = _kind(changes["kind"])
    for name in ("title", "note", "link"):
        if name in changes:
            setattr(evidence, name, str(changes[name] or "").strip())
    evidence.save()
    mastery_recompute(pairs=[(evidence.student_id, evidence.competency_id)])
    hooks.student_changed(evidence.student_id)
    return evidence


@service
def evidence_delete(*, actor: User, evidence: Evidence) -> None:
    if not can_change_evidence(actor, evidence):
        raise NotAllowed("Only the student's teachers can delete this evidence.")
    pair = (evidence.student_id, evidence.competency_id)
    evidence.delete()
    mastery_recompute(pairs=[pair])
    hooks.student_changed(pair[0])


@service
def evidence_submit(
    *,
    actor: User,
    competency: Competency,
    note: str,
    link: str = "",
    observed_on: dt.date | None = None,
    kind: str = Evidence.Kind.PRIOR_LEARNING,
) -> Evidence:
    """A student submits their own evidence for a teacher to accept with a score or return."""
    if not can_submit_evidence(actor, actor):
        raise NotAllowed("Students submit their own evidence.")
    _check_competency_for(actor, competency)
    if not note.strip() and not link.strip():
        raise ValidationFailed(
            "Say what you did, or add a link to your work.", field="note", code="empty"
        )
    if kind not in (
        Evidence.Kind.PRIOR_LEARNING,
        Evidence.Kind.SELF_ASSESSMENT,
        Evidence.Kind.PROJECT,
    ):
        raise ValidationFailed(
            "Choose prior learning, a project or a self-assessment.", field="kind"
        )
    return Evidence.objects.create(
        student=actor,
        competency=competency,
        observed_on=_observed_on(observed_on),
        kind=kind,
        note=note.strip(),
        link=link.strip(),
        author=actor,
        status=Evidence.Status.SUBMITTED,
    )


REVIEW_REFUSAL = (
    "Only the teachers of a class where this learning target is taught (or a school admin) "
    "review this evidence."
)


def _submitted(evidence: Evidence) -> Evidence:
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if locked.status != Evidence.Status.SUBMITTED:
        raise ValidationFailed(
            "This evidence was already reviewed.", code="already_reviewed", field="status"
        )
    return locked


@service
def evidence_accept(*, actor: User, evidence: Evidence, score: Any, comment: str = "") -> Evidence:
    if not can_review_evidence(actor, evidence):
        raise NotAllowed(REVIEW_REFUSAL)
    evidence = _submitted(evidence)
    evidence.score = _score(score, evidence.competency)
    evidence.status = Evidence.Status.ACCEPTED
    evidence.reviewed_by = actor
    evidence.review_comment = comment.strip()
    evidence.save()
    mastery_recompute(pairs=[(evidence.student_id, evidence.competency_id)])
    hooks.student_changed(evidence.student_id)
    return evidence


@service
def evidence_return(*, actor: User, evidence: Evidence, comment: str) -> Evidence:
    if not can_review_evidence(actor, evidence):
        raise NotAllowed(REVIEW_REFUSAL)
    if not comment.strip():
        raise ValidationFailed("Tell the student what to add or change.", field="comment")
    evidence = _submitted(evidence)
    evidence.status = Evidence.Status.RETURNED
    evidence.reviewed_by = actor
    evidence.review_comment = comment.strip()
    evidence.save()
    return evidence


# --- sections and frameworks -------------------------------------------------------------------


@transaction.atomic
def framework_link_sections(*, framework: Framework, sections: list[Section]) -> int:
    """Work on every learning target of ``framework`` in ``sections``; returns links added."""
    if any(s.school_id != framework.school_id for s in sections):
        raise ValidationFailed("A section can only use its own school's frameworks.")
    leaves = list(framework.competencies.filter(is_leaf=True).values_list("pk", flat=True))
    from .models import SectionCompetency

    existing = set(
        SectionCompetency.objects.filter(
            section__in=sections, competency_id__in=leaves
        ).values_list("section_id", "competency_id")
    )
    new = [
        SectionCompetency(section=s, competency_id=c)
        for s in sections
        for c in leaves
        if (s.pk, c) not in existing
    ]
    SectionCompetency.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
