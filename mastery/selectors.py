"""Every read about mastery that a page or the API makes: scoped to the viewer, set-based."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.errors import NotFound
from profiles.models import Enrollment, School, Section, User
from profiles.selectors import section_student_ids_for_viewer

from . import calculation as calc
from .models import (
    Competency,
    Evidence,
    Framework,
    MasteryRecord,
    PacingPlan,
    PacingTarget,
    Prerequisite,
    ProficiencyLevel,
    ProficiencyScale,
    SectionCompetency,
)
from .permissions import visible_evidence_q, visible_frameworks_q, visible_mastery_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


# --- scales ------------------------------------------------------------------------------------


def scale_default_for(*, school: School) -> ProficiencyScale:
    """The school's default scale. It is made with the school (``LEARNHUB_SCHOOL_SETUP``, and a
    data migration for older schools): reading never makes one."""
    scale = ProficiencyScale.objects.filter(school=school, is_default=True).first()
    if scale is None:
        raise NotFound("This school has no default proficiency scale.", code="no_scale")
    return scale


def scale_for(*, framework: Framework) -> ProficiencyScale:
    return framework.scale or scale_default_for(school=framework.school)


def levels_of(*, scale: ProficiencyScale) -> list[calc.Level]:
    return [
        calc.Level(
            points=lv.points, label=lv.label, is_mastery=lv.is_mastery, id=lv.pk, colour=lv.colour
        )
        for lv in scale.levels.all()
    ]


# --- pacing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pacing:
    mastered: int
    expected: int

    @property
    def behind_by(self) -> int:
        return max(0, self.expected - self.mastered)

    @property
    def on_pace(self) -> bool:
        return self.behind_by == 0


def pacing_for_section(
    *, section: Section, student_ids: list[int], today: dt.date | None = None
) -> dict[int, Pacing]:
    """Per student: competencies of the section's pacing plan mastered, and expected by today.
    Two queries, whatever the class size."""
    targets = _pacing_targets(section)
    mastered = set(
        MasteryRecord.objects.filter(
            student_id__in=student_ids, competency_id__in=list(targets), mastered=True
        ).values_list("student_id", "competency_id")
    )
    return _pacing(targets, student_ids, mastered, today)


def _pacing_targets(section: Section) -> dict[int, dt.date]:
    return dict(
        PacingTarget.objects.filter(plan__section=section).values_list(
            "competency_id", "expected_by"
        )
    )


def _pacing(
    targets: dict[int, dt.date],
    student_ids: list[int],
    mastered: set[tuple[int, int]],
    today: dt.date | None,
) -> dict[int, Pacing]:
    """Pure: mastered counts every planned competency; expected counts those due by today."""
    if not targets:
        return {}
    today = today or timezone.localdate()
    expected = sum(1 for by in targets.values() if by <= today)
    done = Counter(sid for sid, cid in mastered if cid in targets)
    return {sid: Pacing(mastered=done[sid], expected=expected) for sid in student_ids}


# --- class grid --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # identity hash: a dict keyed by cells is a C-speed lookup
class GridCell:
    """What a grid cell shows. Cells that show the same thing are one object (a 150 × 60 grid
    has a few hundred distinct cells, not 9,000), so building and rendering them is cheap."""

    score: Decimal | None
    level: ProficiencyLevel | None
    mastered: bool


@dataclass(slots=True)
class GridTarget:
    """A grid column (a learning target) or a domain of the filter: the columns the grid, its
    filter and its CSV read, from one ``values_list`` rather than Competency, parent and
    framework instances per column."""

    pk: int
    framework_id: int
    parent_id: int | None
    code: str
    statement: str
    short_statement: str
    sort_key: str
    expected_by: dt.date | None = None

    @property
    def label(self) -> str:  # as ``Competency.label``
        return self.short_statement or self.statement


@dataclass(frozen=True, slots=True)
class GridStudent:
    """A grid row's student: the columns the grid, its sort and its CSV read (read in the cells
    query itself, not as 150 model instances)."""

    pk: int
    given_name: str
    family_name: str
    preferred_name: str
    email: str

    @property
    def display_name(self) -> str:  # as ``User.display_name``
        return f"{self.preferred_name or self.given_name} {self.family_name}".strip()


@dataclass
class GridRow:
    student: GridStudent
    cells: list[GridCell | None]  # in the order of ClassGrid.competencies
    mastered: int
    pacing: Pacing | None


@dataclass
class ClassGrid:
    section: Section
    competencies: list[GridTarget]
    domains: list[GridTarget]
    domain: GridTarget | None
    rows: list[GridRow]
    levels: list[ProficiencyLevel]
    sort: str
    expected_by: dict[int, dt.date] = field(default_factory=dict)


def _scale_levels(school_id: int, frameworks: set[int]) -> list[ProficiencyLevel]:
    """The levels of the frameworks' scales (or the school's default scale), in one query."""
    q = Q(scale__frameworks__in=frameworks) | Q(scale__school_id=school_id, scale__is_default=True)
    return list(ProficiencyLevel.objects.filter(q).distinct().order_by("-points", "id"))


_TARGET_COLUMNS = (
    *("id", "framework_id", "parent_id", "code", "statement", "short_statement", "sort_key"),
)
_LEVEL_COLUMNS = ("id", "scale_id", "points", "label", "description", "colour", "is_mastery")


def _grid_frame(
    section: Section,
) -> tuple[list[tuple[Any, ...]], list[ProficiencyLevel], dict[int, dt.date]]:
    """What frames the grid, in one query of three JSON arrays: the section's learning targets
    in framework tree order (``section_competencies``), each with its parent's columns; the
    levels of their frameworks' scales or the school's default scale (``_scale_levels``); and
    the section's pacing dates (``_pacing_targets``)."""
    t = {
        m.__name__: m._meta.db_table
        for m in (Competency, SectionCompetency, Framework, ProficiencyLevel, ProficiencyScale)
    }
    plans, targets_table = PacingPlan._meta.db_table, PacingTarget._meta.db_table
    target = ", ".join(f"c.{c}" for c in _TARGET_COLUMNS)
    parent = ", ".join(f"p.{c} AS p_{c}" for c in _TARGET_COLUMNS)
    parent_out = ", ".join(f"c.p_{c}" for c in _TARGET_COLUMNS)
    level = ", ".join(f"lv.{c}" for c in _LEVEL_COLUMNS)
    # A plain SELECT, no CTE: pghistory prefixes its context to statements that do not start
    # with SELECT (a write it must track), which costs about a round trip.
    links = f"""
        {t["Competency"]} c
        JOIN {t["SectionCompetency"]} sc ON sc.competency_id = c.id AND sc.section_id = %s
    """
    leaves = f"""
        SELECT {target}, {parent}, f.title AS framework_title
        FROM {links}
        JOIN {t["Framework"]} f ON f.id = c.framework_id
        LEFT JOIN {t["Competency"]} p ON p.id = c.parent_id
        WHERE c.is_leaf
    """  # noqa: S608 - as below
    sql = f"""
        SELECT
            (SELECT json_agg(json_build_array({target}, {parent_out})
                             ORDER BY c.framework_title, c.sort_key, c.id)
             FROM ({leaves}) c),
            (SELECT json_agg(json_build_array({level}))
             FROM (SELECT DISTINCT lv.* FROM {t["ProficiencyLevel"]} lv
                   JOIN {t["ProficiencyScale"]} s ON s.id = lv.scale_id
                   WHERE s.id IN (SELECT f.scale_id FROM {t["Framework"]} f
                                  WHERE f.id IN (SELECT c.framework_id FROM {links}
                                                 WHERE c.is_leaf))
                      OR (s.school_id = %s AND s.is_default)) lv),
            (SELECT json_agg(json_build_array(pt.competency_id, pt.expected_by))
             FROM {targets_table} pt JOIN {plans} pp ON pp.id = pt.plan_id
             WHERE pp.section_id = %s)
    """  # noqa: S608 - table names are the models'; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [section.pk, section.pk, section.school_id, section.pk])
        leaves, level_rows, pacing_rows = cursor.fetchone()
    levels = [
        ProficiencyLevel(
            **dict(zip(_LEVEL_COLUMNS, row, strict=True)) | {"points": Decimal(str(row[2]))}
        )
        for row in level_rows or []
    ]
    levels.sort(key=lambda lv: (-lv.points, lv.pk))
    pacing = {cid: dt.date.fromisoformat(by) for cid, by in pacing_rows or []}
    return [tuple(row) for row in leaves or []], levels, pacing


def section_competencies(*, section: Section) -> QuerySet[Competency]:
    """The section's learning targets in framework tree order."""
    return (
        Competency.objects.filter(section_links__section=section, is_leaf=True)
        .select_related("parent", "framework")
        .order_by("framework__title", "sort_key", "id")
    )


def class_grid(
    *,
    viewer: User | AnonymousUser,
    section: Section,
    domain_id: int | None = None,
    sort: str = "name",
    today: dt.date | None = None,
    only_student: User | None = None,
) -> ClassGrid:
    """Students × learning targets, coloured by level, in two queries: the targets, their
    levels and the section's pacing dates (``_grid_frame``); the students with their cells."""
    leaves, levels, targets = _grid_frame(section)
    width = len(_TARGET_COLUMNS)
    all_competencies: list[GridTarget] = []
    parents: dict[int, GridTarget] = {}
    for row in leaves:
        target = GridTarget(*row[:width])
        all_competencies.append(target)
        if target.parent_id is not None and target.parent_id not in parents:
            parents[target.parent_id] = GridTarget(*row[width:])
    domains = sorted(parents.values(), key=lambda d: (d.framework_id, d.sort_key))
    domain = next((d for d in domains if d.pk == domain_id), None)
    competencies = [c for c in all_competencies if domain is None or c.parent_id == domain.pk]
    visible = section_student_ids_for_viewer(viewer=viewer, section=section)
    if only_student is not None:
        visible = visible.filter(pk=only_student.pk)
    level_by_id = {lv.pk: lv for lv in levels}
    students, cells, mastered_count, planned_mastered = _grid_cells(
        visible,
        competencies,
        {c.pk for c in all_competencies} | set(targets),
        targets,
        level_by_id,
    )
    expected = sum(1 for by in targets.values() if by <= (today or timezone.localdate()))
    rows = [
        GridRow(
            s,
            cells[s.pk],
            mastered_count[s.pk],
            Pacing(mastered=planned_mastered[s.pk], expected=expected) if targets else None,
        )
        for s in students
    ]
    if sort == "progress":
        rows.sort(key=lambda r: (-r.mastered, r.student.family_name, r.student.given_name))
    elif sort == "behind":
        rows.sort(key=lambda r: (-(r.pacing.behind_by if r.pacing else 0), r.student.family_name))
    else:
        sort = "name"
    for c in competencies:
        c.expected_by = targets.get(c.pk)
    return ClassGrid(section, competencies, domains, domain, rows, levels, sort, targets)


class _CellsByKey(dict[str, GridCell | None]):
    """Cell keys ("level:score:mastered", "" for no record) → one shared ``GridCell`` each."""

    def __init__(self, level_by_id: dict[int, ProficiencyLevel]) -> None:
        super().__init__({"": None})
        self.level_by_id = level_by_id

    def __missing__(self, key: str) -> GridCell:
        level_id, score, mastered = key.split(":")
        made = GridCell(
            Decimal(score) if score else None,
            self.level_by_id.get(int(level_id)) if level_id else None,
            mastered == "1",
        )
        self[key] = made
        return made


_STUDENT_COLUMNS = ("id", "given_name", "family_name", "preferred_name", "email")


def _grid_cells(
    visible: QuerySet[User, int],
    competencies: list[GridTarget],
    wanted: set[int],
    planned: dict[int, dt.date],
    level_by_id: dict[int, ProficiencyLevel],
) -> tuple[list[GridStudent], dict[int, list[GridCell | None]], dict[int, int], dict[int, int]]:
    """In one query aggregated in the database: the visible students in name order, and per
    student the grid's cells (in the order of ``competencies``), how many of them are mastered,
    and how many planned targets are.

    PostgreSQL joins students × targets to their records and gives one row per student whose
    cells are one string of keys ("level:score:mastered", "" for no record); a key seen once is
    one ``GridCell``. At 150 × 60 that is 150 rows instead of 9,000 decoded in Python."""
    position = {c.pk: i for i, c in enumerate(competencies)}
    ids = sorted(wanted)
    table = MasteryRecord._meta.db_table
    students_sql, students_params = (
        User.objects.filter(pk__in=visible)
        .order_by()
        .values_list(*_STUDENT_COLUMNS)
        .query.sql_with_params()
    )
    # One small aggregate per student (a nested loop over the students, each an index scan of
    # that student's records): cheaper than sorting the whole 9,000-cell join.
    sql = f"""
        SELECT s.*, x.cells, x.mastered, x.planned
        FROM ({students_sql}) AS s({", ".join(_STUDENT_COLUMNS)})
        CROSS JOIN LATERAL (
            SELECT string_agg(
                       CASE WHEN r.id IS NULL THEN ''
                            ELSE concat(r.level_id, ':', r.score, ':', r.mastered::int) END,
                       ',' ORDER BY c.pos
                   ) FILTER (WHERE c.pos IS NOT NULL) AS cells,
                   count(*) FILTER (WHERE r.mastered AND c.pos IS NOT NULL) AS mastered,
                   count(*) FILTER (WHERE r.mastered AND c.id = ANY(%s::int[])) AS planned
            FROM unnest(%s::int[], %s::int[]) AS c(id, pos)
            LEFT JOIN {table} r ON r.student_id = s.id AND r.competency_id = c.id
        ) x
        ORDER BY s.family_name, s.given_name, s.id
    """  # noqa: S608 - the table name is the model's; the students' SQL is the ORM's
    params: list[Any] = [
        *students_params,
        list(planned),
        ids,
        [position.get(i) for i in ids],
    ]
    shared = _CellsByKey(level_by_id)
    students: list[GridStudent] = []
    cells: dict[int, list[GridCell | None]] = {}
    mastered: dict[int, int] = {}
    planned_mastered: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for sid, given, family, preferred, email, keys, in_grid, in_plan in cursor.fetchall():
            students.append(GridStudent(sid, given, family, preferred, email))
            cells[sid] = (
                list(map(shared.__getitem__, keys.split(",")))
                if competencies and keys is not None
                else [None] * len(competencies)
            )
            mastered[sid] = in_grid
            planned_mastered[sid] = in_plan
    return students, cells, mastered, planned_mastered


def cell_evidence(
    *, viewer: User | AnonymousUser, student: User, competency: Competency
) -> list[Evidence]:
    return list(
        Evidence.objects.filter(visible_evidence_q(viewer), student=student, competency=competency)
        .select_related("author")
        .order_by("-observed_on", "-id")
    )


def cell_record(*, student: User, competency: Competency) -> MasteryRecord | None:
    return (
        MasteryRecord.objects.filter(student=student, competency=competency)
        .select_related("level")
        .first()
    )


# --- a student's progress ----------------------------------------------------------------------


@dataclass
class PathwayItem:
    competency: Competency
    record: MasteryRecord | None
    status: str  # mastered | in_progress | ready | locked
    missing: list[Competency] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {
            "mastered": "Mastered",
            "in_progress": "In progress",
            "ready": "Ready to start",
            "locked": "Not yet: needs earlier targets",
        }[self.status]


@dataclass
class FrameworkProgress:
    framework: Framework
    items: list[PathwayItem]
    domains: list[tuple[Competency | None, list[PathwayItem]]]
    levels: list[ProficiencyLevel]

    @property
    def mastered(self) -> int:
        return sum(1 for i in self.items if i.status == "mastered")

    @property
    def in_progress(self) -> int:
        return sum(1 for i in self.items if i.status == "in_progress")

    @property
    def next_up(self) -> list[PathwayItem]:
        """What to work on next: targets in progress, then the ones that are ready."""
        started = [i for i in self.items if i.status == "in_progress"]
        ready = [i for i in self.items if i.status == "ready"]
        return (started + ready)[:5]


def student_frameworks(*, student: User) -> QuerySet[Framework]:
    """Frameworks the student works on: those of their sections' competencies."""
    return (
        Framework.objects.filter(
            competencies__section_links__section__enrollments__user=student,
            competencies__section_links__section__enrollments__role=Enrollment.Role.STUDENT,
            competencies__section_links__section__enrollments__is_active=True,
        )
        .distinct()
        .order_by("title")
    )


def pathway_status(
    record: MasteryRecord | None, prerequisites: list[int], mastered_ids: set[int]
) -> str:
    if record is not None and record.mastered:
        return "mastered"
    if record is not None and record.evidence_count:
        return "in_progress"
    if all(p in mastered_ids for p in prerequisites):
        return "ready"
    return "locked"


def student_progress(
    *, viewer: User | AnonymousUser, student: User, framework_ids: list[int] | None = None
) -> list[FrameworkProgress]:
    """Each framework the student works on: every learning target with its level and pathway
    status. A fixed number of queries however many frameworks and targets."""
    frameworks = list(
        student_frameworks(student=student).filter(visible_frameworks_q(viewer))
        if framework_ids is None
        else Framework.objects.filter(visible_frameworks_q(viewer), pk__in=framework_ids)
    )
    if not frameworks:
        return []
    competencies = list(
        Competency.objects.filter(framework__in=frameworks)
        .select_related("parent")
        .order_by("framework_id", "sort_key", "id")
    )
    records = {
        r.competency_id: r
        for r in MasteryRecord.objects.filter(visible_mastery_q(viewer), student=student)
        .filter(competency__framework__in=frameworks)
        .select_related("level")
    }
    prereqs: dict[int, list[int]] = defaultdict(list)
    for cid, pid in Prerequisite.objects.filter(competency__framework__in=frameworks).values_list(
        "competency_id", "prerequisite_id"
    ):
        prereqs[cid].append(pid)
    mastered_ids = {cid for cid, r in records.items() if r.mastered}
    # A framework may span grades: the pathway shows the targets of the student's own classes.
    in_classes = set(
        SectionCompetency.objects.filter(
            section__enrollments__user=student,
            section__enrollments__role=Enrollment.Role.STUDENT,
            section__enrollments__is_active=True,
            competency__framework__in=frameworks,
        ).values_list("competency_id", flat=True)
    )
    by_id = {c.pk: c for c in competencies}
    scale_rows = list(
        ProficiencyScale.objects.filter(
            Q(frameworks__in=frameworks)
            | Q(school_id__in={f.school_id for f in frameworks}, is_default=True)
        )
        .distinct()
        .prefetch_related(Prefetch("levels", ProficiencyLevel.objects.order_by("-points")))
    )
    scales = {s.pk: list(s.levels.all()) for s in scale_rows}
    default_scale = {s.school_id: s.pk for s in scale_rows if s.is_default}
    result = []
    for framework in frameworks:
        items = []
        for c in competencies:
            if c.framework_id != framework.pk or not c.is_leaf:
                continue
            if in_classes and c.pk not in in_classes:
                continue
            record = records.get(c.pk)
            status = pathway_status(record, prereqs.get(c.pk, []), mastered_ids)
            missing = [
                by_id[p] for p in prereqs.get(c.pk, []) if p not in mastered_ids and p in by_id
            ]
            items.append(PathwayItem(c, record, status, missing))
        groups: dict[int | None, list[PathwayItem]] = {}
        for item in items:
            groups.setdefault(item.competency.parent_id, []).append(item)
        domains = [(by_id.get(pid) if pid else None, group) for pid, group in groups.items()]
        scale_id = framework.scale_id or default_scale.get(framework.school_id)
        result.append(FrameworkProgress(framework, items, domains, scales.get(scale_id or 0, [])))
    return result


def mastered_over_time(
    *, viewer: User | AnonymousUser, student: User, start: dt.date, end: dt.date
) -> list[tuple[dt.date, int]]:
    """Cumulative count of learning targets mastered, week by week from ``start``, ending on
    ``end`` itself (today), so the chart's last point is the count the page's headline gives."""
    dates: list[dt.date] = sorted(
        d
        for d in MasteryRecord.objects.filter(
            visible_mastery_q(viewer),
            student=student,
            mastered=True,
            first_mastered_on__isnull=False,
        ).values_list("first_mastered_on", flat=True)
        if d is not None
    )
    points = []
    day = start
    i = 0
    while day <= end:
        while i < len(dates) and dates[i] <= day:
            i += 1
        points.append((day, i))
        day += dt.timedelta(days=7)
    if points and points[-1][0] < end:
        points.append((end, sum(1 for d in dates if d <= end)))
    return points


@dataclass(frozen=True)
class LevelShown:
    """A score as people read it: the level's name and what it means."""

    label: str
    meaning: str


def level_meaning(*, description: str, points: Decimal, mastery: tuple[Decimal, str] | None) -> str:
    """The level's own description, or what it means against the scale's mastery level."""
    if description:
        return description
    if mastery is None:
        return ""
    mastery_points, mastery_label = mastery
    if points > mastery_points:
        return "beyond mastery of this learning target"
    if points == mastery_points:
        return "mastered: meets the standard for this learning target"
    # Shown in brackets after the level's name: no brackets of its own.
    return f"working toward mastery, which is “{mastery_label}”"


def recent_evidence(
    *, viewer: User | AnonymousUser, student: User, limit: int = 10
) -> list[Evidence]:
    """The latest evidence, each scored one read as its level (``e.level``: name and meaning)
    rather than as points. Two queries."""
    from .models import ProficiencyLevel

    evidence = list(
        Evidence.objects.filter(visible_evidence_q(viewer), student=student)
        .select_related("competency__framework", "author")
        .order_by("-observed_on", "-id")[:limit]
    )
    frameworks = {e.competency.framework for e in evidence if e.score is not None}
    named = {fw.scale_id for fw in frameworks if fw.scale_id}
    schools = {fw.school_id for fw in frameworks if not fw.scale_id}
    levels: dict[object, list[ProficiencyLevel]] = defaultdict(list)
    if frameworks:
        for lv in (
            ProficiencyLevel.objects.filter(
                Q(scale_id__in=named) | Q(scale__school_id__in=schools, scale__is_default=True)
            )
            .select_related("scale")
            .order_by("-points")
        ):
            levels[lv.scale_id].append(lv)
            if lv.scale.is_default:
                levels[("default", lv.scale.school_id)].append(lv)
    for e in evidence:
        e.level = None  # type: ignore[attr-defined]
        if e.score is None:
            continue
        fw = e.competency.framework
        scale = levels[fw.scale_id if fw.scale_id else ("default", fw.school_id)]
        mastery = next(((lv.points, lv.label) for lv in scale if lv.is_mastery), None)
        match = next((lv for lv in scale if lv.points <= e.score), None)
        if match is not None:
            e.level = LevelShown(  # type: ignore[attr-defined]
                match.label,
                level_meaning(
                    description=match.description,
                    points=match.points,
                    mastery=mastery,
                ),
            )
    return evidence


def evidence_waiting_for(*, viewer: User | AnonymousUser) -> QuerySet[Evidence]:
    """Student submissions waiting for this teacher's review: those whose learning target is
    taught in one of the student's sections the viewer teaches (``reviewable_evidence_q``)."""
    from .permissions import reviewable_evidence_q

    return (
        Evidence.objects.filter(reviewable_evidence_q(viewer), status=Evidence.Status.SUBMITTED)
        .select_related("student", "competency", "competency__framework")
        .order_by("created_at", "id")
    )
