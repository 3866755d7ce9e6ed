"""The facts the risk rules need, for every student of a school at once, *as of* a date.

A constant number of queries per school, whatever its size (``tests/followups/test_facts.py``
counts them at two sizes): the students, the calendar (terms and closures), the school's
competencies and scales, its mastery records or its evidence, the pacing targets, the goals
with their last check-in, and the attendance marks of the window.

Mastery as of the date comes from one of two places, with the same facts (every test of
``tests/followups/test_facts.py`` and ``test_scan.py`` runs on each; decision 0028):

- **today** (at most ``RECORDS_DAYS_BACK`` days back): the stored
  :class:`~mastery.models.MasteryRecord` rows, in one query (:func:`.rollup_sql.records_query`).
  A record is the rollup of *all* its accepted evidence, kept current by every evidence write,
  so when its newest evidence is on or before the date it is the rollup as of the date; its
  ``previous_score`` and ``falling_scores`` give "dropped" and "trending down". A student with
  a record that cannot say (evidence after the date, ``falling_scores`` not computed yet) is
  rolled up from the evidence instead;
- **a past date** (the replay): the accepted evidence observed up to that day is rolled up per
  student × competency, by the competency's method — in SQL, in one query (:mod:`.rollup_sql`,
  equal to :mod:`mastery.calculation` to the last digit; the rare pair whose last digit could
  differ is handed back and rolled up in Python), or, for fewer than
  ``SQL_ROLLUP_MIN_STUDENTS`` students, in Python with :mod:`mastery.calculation` over the
  ordered evidence. The previous rollup (without the latest score) and the last k scores come
  from the same pass.

School days are the weekdays inside an active term of the school, minus its
:class:`~followups.models.SchoolClosure` dates. "No recent evidence" counts the school days of the
term(s) in progress on the date (a new term starts the count afresh; a day outside every term
counts nothing).

Attendance over the window of the last N school days: *absent* and *excused* count against
attendance, *tardy* and *present* count as attended, and a school day with no mark counts as
attended (information systems often export only the exceptions). Excused absences count because
chronic absence measures missed instruction, whatever the reason — the definition used by the
U.S. Department of Education and Attendance Works ("missing 10 % of school days for any
reason"). The rule only fires once the window is full (N school days exist up to the date).

Goals as of a date use the goals' *current* status (a goal active today and approved on or
before the date); check-ins count when created on or before the date (school time).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from core.reads import read_beside
from goals.models import CheckIn, Goal
from mastery import calculation as calc
from mastery.models import Competency, Evidence, ProficiencyLevel
from profiles.models import Enrollment, Membership, Role, School, Section, Term

from . import rollup_sql
from .models import Attendance, SchoolClosure
from .rules import StudentFacts, Thresholds

_CALENDAR_LOOKBACK_DAYS = 500
# Below this many students the evidence is rolled up in Python (planning the SQL rollup costs
# more than rolling up one student's evidence); both give the same facts (test_facts.py).
SQL_ROLLUP_MIN_STUDENTS = 50
# The stored mastery records are read for a date at most this many days before the school's
# today (a nightly scan just after midnight scans the day before); older dates — the replay —
# roll up the evidence: nearly every student has evidence after them. Either way the facts are
# the same (tests/followups run every test on each path).
RECORDS_DAYS_BACK = 1


# --- the calendar ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """The school days up to a date (sorted), and the first day of the term(s) in progress."""

    days: list[dt.date]
    current_term_start: dt.date | None

    def count_between(self, after: dt.date | None, until: dt.date) -> int:
        """School days d with ``after < d <= until`` inside the term(s) in progress."""
        if self.current_term_start is None:
            return 0
        start = self.current_term_start
        if after is not None and after >= start:
            start = after + dt.timedelta(days=1)
        return bisect.bisect_right(self.days, until) - bisect.bisect_left(self.days, start)

    def last(self, n: int) -> list[dt.date]:
        return self.days[-n:] if n > 0 else []

    def school_days_back(self, n: int, until: dt.date) -> dt.date:
        """The date ``n`` school days before ``until`` (``until`` itself for 0); before the
        calendar's first day, as many weekdays back."""
        if n <= 0:
            return until
        upto = bisect.bisect_right(self.days, until)
        if upto > n:
            return self.days[upto - 1 - n]
        day, left = until, n
        while left:
            day -= dt.timedelta(days=1)
            left -= day.weekday() < 5
        return day


def calendar_for(school: School, as_of: dt.date) -> Calendar:
    """Two queries: the active terms near the date, and the closures."""
    since = as_of - dt.timedelta(days=_CALENDAR_LOOKBACK_DAYS)
    terms = list(
        Term.objects.filter(
            school=school, is_active=True, start_date__lte=as_of, end_date__gte=since
        ).values_list("start_date", "end_date")
    )
    closed = set(
        SchoolClosure.objects.filter(school=school, date__gte=since, date__lte=as_of).values_list(
            "date", flat=True
        )
    )
    days: set[dt.date] = set()
    for start, end in terms:
        day = max(start, since)
        last = min(end, as_of)
        while day <= last:
            if day.weekday() < 5 and day not in closed:
                days.add(day)
            day += dt.timedelta(days=1)
    current = [start for start, end in terms if start <= as_of <= end]
    return Calendar(sorted(days), min(current) if current else None)


# --- students ----------------------------------------------------------------------------------


def student_ids_for(
    school: School,
    *,
    section: Section | None = None,
    student_ids: Collection[int] | None = None,
) -> list[int]:
    """The active students of the school, limited to a section's students or to some ids."""
    qs = Membership.objects.filter(school=school, role=Role.STUDENT, is_active=True)
    if section is not None:
        qs = qs.filter(
            user__enrollments__section=section,
            user__enrollments__role=Enrollment.Role.STUDENT,
            user__enrollments__is_active=True,
        )
    if student_ids is not None:
        qs = qs.filter(user_id__in=list(student_ids))
    return sorted(set(qs.values_list("user_id", flat=True)))


def advisors_of(school: School, student_ids: list[int]) -> dict[int, int]:
    """student id → the teacher of their advisory (the primary one first); one query."""
    teacher = (
        Enrollment.objects.filter(
            section=OuterRef("section"), role=Enrollment.Role.TEACHER, is_active=True
        )
        .order_by("-is_primary", "id")
        .values("user_id")[:1]
    )
    rows = (
        Enrollment.objects.filter(
            user_id__in=student_ids,
            role=Enrollment.Role.STUDENT,
            is_active=True,
            section__school=school,
            section__kind=Section.Kind.ADVISORY,
            section__is_active=True,
        )
        .annotate(advisor=Subquery(teacher))
        .order_by("user_id", "id")
        .values_list("user_id", "advisor")
    )
    advisors: dict[int, int] = {}
    for student_id, advisor in rows:
        if advisor is not None:
            advisors.setdefault(student_id, advisor)
    return advisors


# --- mastery as of the date --------------------------------------------------------------------


@dataclass(frozen=True)
class _Competency:
    code: str
    framework_id: int
    method: str
    parameter: int | None
    levels: list[calc.Level]
    mastery: calc.Level | None
    approaching: calc.Level | None


def _competencies(school: School) -> dict[int, _Competency]:
    """Two queries: the school's levels by scale, and its competencies with their method."""
    levels: dict[int, list[calc.Level]] = defaultdict(list)
    default_scale: int | None = None
    for (
        scale_id,
        is_default,
        level_id,
        points,
        label,
        is_mastery,
    ) in ProficiencyLevel.objects.filter(scale__school=school).values_list(
        "scale_id", "scale__is_default", "id", "points", "label", "is_mastery"
    ):
        levels[scale_id].append(calc.Level(points, label, is_mastery, level_id))
        if is_default:
            default_scale = scale_id

    def approaching_of(
        scale_levels: list[calc.Level], mastery: calc.Level | None
    ) -> calc.Level | None:
        below = [lv for lv in scale_levels if mastery is not None and lv.points < mastery.points]
        return max(below, key=lambda lv: lv.points) if below else None

    result: dict[int, _Competency] = {}
    for (
        cid,
        code,
        framework_id,
        c_method,
        c_param,
        f_method,
        f_param,
        scale_id,
    ) in Competency.objects.filter(framework__school=school).values_list(
        "id",
        "code",
        "framework_id",
        "calculation_method",
        "calculation_parameter",
        "framework__calculation_method",
        "framework__calculation_parameter",
        "framework__scale_id",
    ):
        method = c_method or f_method
        parameter = c_param if c_method else f_param
        if calc.PARAMETER_RANGE[calc.method_from(method)] is None:
            parameter = None
        scale_levels = levels.get(scale_id or default_scale or -1, [])
        mastery = next((lv for lv in scale_levels if lv.is_mastery), None)
        result[cid] = _Competency(
            code or str(cid),
            framework_id,
            method,
            parameter,
            scale_levels,
            mastery,
            approaching_of(scale_levels, mastery),
        )
    return result


@dataclass
class _Mastery:
    mastered: set[int]
    last_evidence_on: dt.date | None
    dropped: list[str]
    trending_down: list[str]
    below_approaching: int

    @classmethod
    def of_ids(
        cls,
        competencies: dict[int, _Competency],
        *,
        mastered: Iterable[int],
        last_evidence_on: dt.date | None,
        dropped: Iterable[int],
        trending_down: Iterable[int],
        below_approaching: int,
    ) -> _Mastery:
        """From competency ids (as the records and the SQL rollup return them): the slipping
        targets as their codes, in id order."""
        return cls(
            set(mastered),
            last_evidence_on,
            [competencies[c].code for c in sorted(dropped)],
            [competencies[c].code for c in sorted(trending_down)],
            below_approaching,
        )


def _roll_up(
    competency: _Competency, scores: list[Decimal], k: int
) -> tuple[bool, bool, bool, bool]:
    """(mastered, dropped, trending down, below approaching) for one student × competency."""
    current = calc.rollup(
        competency.method, scores, competency.levels, parameter=competency.parameter
    )
    dropped = False
    if len(scores) > 1:
        previous = calc.rollup(
            competency.method, scores[:-1], competency.levels, parameter=competency.parameter
        )
        if previous.level is not None:
            dropped = current.level is None or current.level.points < previous.level.points
    approaching = competency.approaching
    below = (
        approaching is not None
        and current.score is not None
        and (current.level is None or current.level.points < approaching.points)
    )
    return current.mastered, dropped, calc.trend_is_down(scores, k), below


def _specs(
    competencies: dict[int, _Competency], k: int
) -> tuple[list[rollup_sql.CompetencySpec], dict[int, str]]:
    """The competencies the SQL rolls up, and the message of each one that cannot be (a
    misconfigured scale or method: the error ``_roll_up`` would raise for any scores)."""
    specs: list[rollup_sql.CompetencySpec] = []
    failing: dict[int, str] = {}
    for cid, competency in competencies.items():
        if not competency.levels:
            continue
        try:
            _roll_up(competency, [Decimal(0)], k)
        except calc.CalculationError as exc:
            failing[cid] = exc.message
            continue
        target, approaching = competency.mastery, competency.approaching
        specs.append(
            rollup_sql.CompetencySpec(
                id=cid,
                method=calc.method_from(competency.method).value,
                parameter=calc.validate_parameter(competency.method, competency.parameter),
                mastery_points=None if target is None else target.points,
                approaching_points=None if approaching is None else approaching.points,
                points=[level.points for level in competency.levels],
            )
        )
    return specs, failing


def _mastery_as_of(
    school: School,
    competencies: dict[int, _Competency],
    student_ids: list[int],
    as_of: dt.date,
    k: int,
    errors: list[str],
    recent_since: dt.date | None = None,
) -> dict[int, _Mastery]:
    """Mastery facts per student as of the date: from the stored records when the date is the
    school's today (or later: the records hold all evidence), rolled up from the evidence for
    the students whose records cannot say (evidence after the date, a record not recomputed
    since ``falling_scores`` exists) and for every student on a past date (the replay)."""
    if as_of < school.today() - dt.timedelta(days=RECORDS_DAYS_BACK):
        return _mastery_rolled_up(
            school, competencies, student_ids, as_of, k, errors, recent_since=recent_since
        )
    result, stale = _mastery_from_records(
        competencies, student_ids, as_of, k, errors, recent_since=recent_since
    )
    if stale:
        result.update(
            _mastery_rolled_up(
                school, competencies, stale, as_of, k, errors, recent_since=recent_since
            )
        )
    return result


def _mastery_from_records(
    competencies: dict[int, _Competency],
    student_ids: list[int],
    as_of: dt.date,
    k: int,
    errors: list[str],
    recent_since: dt.date | None = None,
) -> tuple[dict[int, _Mastery], list[int]]:
    """One query over the students' :class:`~mastery.models.MasteryRecord` rows, summed up
    per student (:func:`.rollup_sql.records_sql`). A record is the rollup of *all* its
    accepted evidence (every evidence write recomputes it, a framework or scale edit rebuilds
    it), so when its newest evidence is on or before the date it is the rollup as of the date;
    its ``previous_score`` and ``falling_scores`` give "dropped" and "trending down". Returns
    the facts, and the students whose records cannot say (rolled up from evidence instead)."""
    specs, failing = _specs(competencies, k)
    sql, params = rollup_sql.records_query(specs, k)
    params |= {
        "students": student_ids,
        "school_cids": sorted(competencies),
        "as_of": as_of,
        "err_cids": sorted(failing),
        "recent_since": recent_since,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result: dict[int, _Mastery] = {}
    stale: list[int] = []
    for student_id, last_on, is_stale, mastered, dropped, down, below, err_cids in rows:
        if is_stale:
            stale.append(student_id)
            continue
        for cid in sorted(err_cids):
            errors.append(f"student {student_id}, {competencies[cid].code}: {failing[cid]}")
        result[student_id] = _Mastery.of_ids(
            competencies,
            mastered=mastered,
            last_evidence_on=last_on,
            dropped=dropped,
            trending_down=down,
            below_approaching=below,
        )
    return result, stale


def _mastery_rolled_up(
    school: School,
    competencies: dict[int, _Competency],
    student_ids: list[int],
    as_of: dt.date,
    k: int,
    errors: list[str],
    recent_since: dt.date | None = None,
) -> dict[int, _Mastery]:
    """One query: the rollup of every student × competency in SQL (:mod:`.rollup_sql`), summed
    up per student. The rare student × competency whose SQL score might differ from Python's
    in the last digit (see :mod:`.rollup_sql`) comes back with its scores and is rolled up here
    with :mod:`mastery.calculation`."""
    if len(student_ids) < SQL_ROLLUP_MIN_STUDENTS:
        return _mastery_in_python(
            school, competencies, student_ids, as_of, k, errors, recent_since=recent_since
        )
    specs, failing = _specs(competencies, k)
    params = rollup_sql.spec_params(specs, k) | {
        "students": student_ids,
        "school_cids": sorted(competencies),
        "as_of": as_of,
        "err_cids": sorted(failing),
    }
    result: dict[int, _Mastery] = {}
    # JIT compiling this many expressions costs seconds (13 s of a 16 s run at 2,000 students):
    # off for this query's transaction (the scan's, when inside one), sent in the same round trip.
    sql = "SET LOCAL jit = off; " + rollup_sql.per_student_sql(
        rollup_sql.decaying_parameters(specs)
    )
    scope = nullcontext() if connection.in_atomic_block else transaction.atomic()
    with scope, connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Slipping is about now: only targets with evidence since ``recent_since`` count (one more
    # query, only when the policy sets a window).
    recent: set[tuple[int, int]] | None = None
    if recent_since is not None:
        recent = set(
            Evidence.objects.filter(
                student_id__in=student_ids,
                competency_id__in=sorted(competencies),
                status=Evidence.Status.ACCEPTED,
                score__isnull=False,
                observed_on__gte=recent_since,
                observed_on__lte=as_of,
            )
            .values_list("student_id", "competency_id")
            .order_by()
            .distinct()
        )
    for (
        student_id,
        last_on,
        mastered,
        dropped,
        down,
        below,
        amb_cids,
        amb_scores,
        err_cids,
    ) in rows:
        dropped_ids, down_ids = list(dropped), list(down)
        for cid, text in zip(amb_cids, amb_scores, strict=True):
            scores = [Decimal(x) for x in text.split(",")]
            is_mastered, is_dropped, is_down, is_below = _roll_up(competencies[cid], scores, k)
            if is_mastered:
                mastered.append(cid)
            if is_dropped:
                dropped_ids.append(cid)
            if is_down:
                down_ids.append(cid)
            below += is_below
        for cid in sorted(err_cids):
            errors.append(f"student {student_id}, {competencies[cid].code}: {failing[cid]}")
        if recent is not None:
            dropped_ids = [c for c in dropped_ids if (student_id, c) in recent]
            down_ids = [c for c in down_ids if (student_id, c) in recent]
        result[student_id] = _Mastery.of_ids(
            competencies,
            mastered=mastered,
            last_evidence_on=last_on,
            dropped=dropped_ids,
            trending_down=down_ids,
            below_approaching=below,
        )
    return result


def _mastery_in_python(
    school: School,
    competencies: dict[int, _Competency],
    student_ids: list[int],
    as_of: dt.date,
    k: int,
    errors: list[str],
    recent_since: dt.date | None = None,
) -> dict[int, _Mastery]:
    """One query over the evidence (ordered), rolled up in Python per student × competency: for
    a few students (a rescan), cheaper than planning the SQL rollup; the results are the same."""
    result: dict[int, _Mastery] = {}
    rows = (
        Evidence.objects.filter(
            student_id__in=student_ids,
            competency__framework__school=school,
            status=Evidence.Status.ACCEPTED,
            score__isnull=False,
            observed_on__lte=as_of,
        )
        .order_by("student_id", "competency_id", "observed_on", "id")
        .values_list("student_id", "competency_id", "score", "observed_on")
        .iterator(chunk_size=10_000)
    )

    def flush(student_id: int, competency_id: int, scores: list[Decimal], last: dt.date) -> None:
        competency = competencies.get(competency_id)
        facts = result.setdefault(student_id, _Mastery(set(), None, [], [], 0))
        if facts.last_evidence_on is None or last > facts.last_evidence_on:
            facts.last_evidence_on = last
        if competency is None or not competency.levels:
            return
        try:
            mastered, dropped, down, below = _roll_up(competency, scores, k)
        except calc.CalculationError as exc:  # a misconfigured scale: skip it, say so
            errors.append(f"student {student_id}, {competency.code}: {exc.message}")
            return
        if mastered:
            facts.mastered.add(competency_id)
        # Slipping is about now: a target whose newest evidence is older than the window
        # does not count, however its scores ended.
        recent = recent_since is None or last >= recent_since
        if dropped and recent:
            facts.dropped.append(competency.code)
        if down and recent:
            facts.trending_down.append(competency.code)
        facts.below_approaching += below

    key: tuple[int, int] | None = None
    scores: list[Decimal] = []
    last_on = as_of
    for student_id, competency_id, score, observed_on in rows:
        if (student_id, competency_id) != key:
            if key is not None:
                flush(key[0], key[1], scores, last_on)
            key, scores = (student_id, competency_id), []
        scores.append(score)  # type: ignore[arg-type]  # score__isnull=False above
        last_on = observed_on
    if key is not None:
        flush(key[0], key[1], scores, last_on)
    return result


@dataclass(frozen=True)
class _Due:
    """A student's targets expected by the date, and those of them first expected recently."""

    targets: frozenset[int]
    recent: frozenset[int]


_NOTHING_DUE = _Due(frozenset(), frozenset())


def _expected(
    school: School, student_ids: list[int], due_by: dt.date, recently_after: dt.date
) -> dict[int, _Due]:
    """student → the targets their sections' pacing plans expect by ``due_by``, and those first
    expected after ``recently_after``; one query: the due targets of each active section of the
    students (a rescan's one student has four, not the school's hundreds: 7.4 → 1.4 ms) as two
    arrays (ids and dates), and each student's sections as an array. The sets are built once per
    section and joined per student: a row per student × target was 120,000 rows at 2,000
    students, and a dictionary of dates per student still a tenth of a scan."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH due AS (
              SELECT pp.section_id, array_agg(pt.competency_id ORDER BY pt.id) AS ids,
                     array_agg(pt.expected_by ORDER BY pt.id) AS dates
              FROM mastery_pacingtarget pt
              JOIN mastery_pacingplan pp ON pp.id = pt.plan_id
              JOIN profiles_section s ON s.id = pp.section_id
              WHERE s.school_id = %(school)s AND s.is_active AND pt.expected_by <= %(due_by)s
                AND pp.section_id IN (
                  SELECT section_id FROM profiles_enrollment
                  WHERE user_id = ANY(%(students)s) AND role = %(student)s AND is_active)
              GROUP BY pp.section_id
            )
            SELECT NULL, section_id, ids, dates FROM due
            UNION ALL
            SELECT e.user_id, NULL, array_agg(e.section_id), NULL
            FROM profiles_enrollment e JOIN due ON due.section_id = e.section_id
            WHERE e.user_id = ANY(%(students)s) AND e.role = %(student)s AND e.is_active
            GROUP BY e.user_id
            """,
            {
                "school": school.pk,
                "due_by": due_by,
                "students": student_ids,
                "student": Enrollment.Role.STUDENT.value,
            },
        )
        rows = cursor.fetchall()
    # section → (targets due, those first due on or before ``recently_after``)
    sections: dict[int, tuple[frozenset[int], frozenset[int]]] = {}
    combined: dict[tuple[int, ...], _Due] = {}
    result: dict[int, _Due] = {}
    for student_id, section_id, ids, dates in rows:
        if student_id is None:
            first: dict[int, dt.date] = {}
            for competency_id, day in zip(ids, dates, strict=True):
                if competency_id not in first or day < first[competency_id]:
                    first[competency_id] = day
            earlier = frozenset(c for c, day in first.items() if day <= recently_after)
            sections[section_id] = (frozenset(first), earlier)
            continue
        # A target in two of the student's sections is recent only if it is recent in both.
        # Students of a cohort share their sections: the sets are built once per combination
        # (2,000 students: 48 → 34 ms with the query).
        key = tuple(sorted(ids))
        if key not in combined:
            targets = frozenset().union(*(sections[section][0] for section in key))
            earlier = frozenset().union(*(sections[section][1] for section in key))
            combined[key] = _Due(targets, targets - earlier)
        result[student_id] = combined[key]
    return result


# --- the student's score trend -----------------------------------------------------------------

# Each accepted score as a percentage of its competency's mastery level (the framework's scale,
# or the school's default one), averaged per student over the recent window and over the term
# before it. The evidence's triggers keep a running count and sum of each student's accepted
# scores per framework and day (``mastery.ScoreTally``), so the sums over a window are two rows'
# difference: three index probes per student and framework (the last row on or before the date,
# the day before the recent window, the day before the term) instead of a pass over the term's
# evidence, which cost as much as the floor's whole aggregate (decision 0032). The database sums
# the differences per student for the frameworks of each mastery level's points (exact numeric
# arithmetic), Python divides once per sum, as the evidence pass did.
_TREND_PROBE = """
LEFT JOIN LATERAL (
  SELECT scores, score_sum FROM mastery_scoretally t
  WHERE t.student_id = s.id AND t.framework_id = f.id AND t.day <= %({cut})s
  ORDER BY t.day DESC LIMIT 1
) {alias} ON true"""
_TREND_SQL = (
    """
SELECT s.id, f.points,
       sum(coalesce(a.scores, 0) - coalesce(b.scores, 0)),
       sum(coalesce(a.score_sum, 0) - coalesce(b.score_sum, 0)),
       sum(coalesce(b.scores, 0) - coalesce(c.scores, 0)),
       sum(coalesce(b.score_sum, 0) - coalesce(c.score_sum, 0))
FROM unnest(%(students)s::bigint[]) AS s (id)
CROSS JOIN unnest(%(frameworks)s::bigint[], %(points)s::numeric[]) AS f (id, points)"""
    + _TREND_PROBE.format(cut="as_of", alias="a")
    + _TREND_PROBE.format(cut="before_recent", alias="b")
    + _TREND_PROBE.format(cut="before_term", alias="c")
    + """
WHERE a.scores IS NOT NULL
GROUP BY s.id, f.points
HAVING sum(coalesce(a.scores, 0) - coalesce(c.scores, 0)) > 0
"""
)


def _framework_points(competencies: dict[int, _Competency]) -> dict[int, Decimal]:
    """The frameworks by the points of their scale's mastery level (a framework without one
    above zero has no percentage)."""
    return {
        competency.framework_id: competency.mastery.points
        for competency in competencies.values()
        if competency.mastery is not None and competency.mastery.points > 0
    }


def _score_trend(
    competencies: dict[int, _Competency],
    student_ids: list[int],
    as_of: dt.date,
    term_start: dt.date | None,
    recent_since: dt.date | None,
) -> dict[int, tuple[int, float | None, int, float | None]]:
    """student → (recent scores, their mean as % of mastery, earlier scores, their mean) over the
    term in progress, split at ``recent_since``; one query (none outside a term, without a
    recent window, or without a mastery level)."""
    points_of = _framework_points(competencies)
    if term_start is None or recent_since is None or not points_of:
        return {}
    day = dt.timedelta(days=1)
    frameworks = sorted(points_of)
    params: dict[str, Any] = {
        "students": student_ids,
        "frameworks": frameworks,
        "points": [points_of[f] for f in frameworks],
        "as_of": as_of,
        "before_recent": max(recent_since, term_start) - day,
        "before_term": term_start - day,
    }
    with connection.cursor() as cursor:
        cursor.execute(_TREND_SQL, params)
        rows = cursor.fetchall()
    # student → [recent count, Σ recent score/points, earlier count, Σ earlier score/points]
    sums: dict[int, list[Any]] = {}
    for student_id, points, recent, recent_sum, earlier, earlier_sum in rows:
        totals = sums.setdefault(student_id, [0, Decimal(0), 0, Decimal(0)])
        totals[0] += recent
        totals[1] += recent_sum / points
        totals[2] += earlier
        totals[3] += earlier_sum / points

    def pct(count: int, total: Decimal) -> float | None:
        return round(float(100 * total / count), 1) if count else None

    return {
        student_id: (recent, pct(recent, recent_sum), earlier, pct(earlier, earlier_sum))
        for student_id, (recent, recent_sum, earlier, earlier_sum) in sums.items()
    }


# --- goals and attendance ----------------------------------------------------------------------


def _goals(
    school: School, student_ids: list[int], as_of: dt.date, checkin_days: int
) -> dict[int, tuple[list[int], list[int], int]]:
    """student → (past target date, without a check-in for D days, longest days without); one
    query: each active goal approved (or, never approved, created) by the end of the date, with
    the moment of its last check-in by then (or of its approval, or creation), whose day is
    taken in the school's time zone here (Python's zone names, which PostgreSQL's may lack)."""
    tz = school.tzinfo
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT g.id, g.student_id, g.target_date,
                   coalesce(
                     (SELECT max(c.created_at) FROM {CheckIn._meta.db_table} c
                      WHERE c.goal_id = g.id AND c.created_at < %(end)s),
                     g.approved_at, g.created_at)
            FROM {Goal._meta.db_table} g
            WHERE g.student_id = ANY(%(students)s) AND g.status = %(active)s
              AND (g.approved_at < %(end)s OR (g.approved_at IS NULL AND g.created_at < %(end)s))
            ORDER BY g.student_id, g.id
            """,  # noqa: S608 - the table names are ours; values are parameters
            {
                "students": student_ids,
                "active": Goal.Status.ACTIVE.value,
                "end": dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=tz),
            },
        )
        rows = cursor.fetchall()
    result: dict[int, tuple[list[int], list[int], int]] = {}
    for goal_id, student_id, target_date, since in rows:
        past, without, longest = result.setdefault(student_id, ([], [], 0))
        if target_date is not None and target_date < as_of:
            past.append(goal_id)
        days = (as_of - since.astimezone(tz).date()).days
        if days >= checkin_days:
            without.append(goal_id)
        result[student_id] = (past, without, max(longest, days))
    return result


def _attendance(
    school: School, student_ids: list[int], window: list[dt.date], term_days: list[dt.date]
) -> dict[int, tuple[int, int, int]]:
    """student → (absent days, excused days) over the window's school days, and the days missed
    (either) over the term's school days to date; one query, counted in the database."""
    if not window and not term_days:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT student_id,
                   count(*) FILTER (WHERE status = %(absent)s AND date = ANY(%(window)s)),
                   count(*) FILTER (WHERE status = %(excused)s AND date = ANY(%(window)s)),
                   count(*) FILTER (WHERE date = ANY(%(term)s))
            FROM {Attendance._meta.db_table}
            WHERE school_id = %(school)s AND student_id = ANY(%(students)s)
              AND date >= %(first)s AND date <= %(last)s AND status IN (%(absent)s, %(excused)s)
            GROUP BY student_id
            """,  # noqa: S608 - the table name is ours; values are parameters
            {
                "school": school.pk,
                "students": student_ids,
                "window": window,
                "term": term_days,
                "first": min(window[:1] + term_days[:1]),
                "last": max(window[-1:] + term_days[-1:]),
                "absent": Attendance.Status.ABSENT.value,
                "excused": Attendance.Status.EXCUSED.value,
            },
        )
        return {
            student_id: (absent, excused, missed)
            for student_id, absent, excused, missed in cursor.fetchall()
        }


# --- all together ------------------------------------------------------------------------------

# A school's reads are split over two connections (:func:`core.reads.read_beside`); below this
# many students (a rescan, a section) a second connection and thread cost more than they save.
# This replaces parallel plans for the school's reads (``SET LOCAL parallel_setup_cost`` …):
# with the second connection busy beside them, a parallel worker was a third process on two
# cores (4,000-student district, busy machine: 2.2× the floor with it, 1.9× without).
READS_BESIDE_MIN_STUDENTS = 500


def facts_for(
    school: School,
    student_ids: Iterable[int],
    as_of: dt.date,
    thresholds: Thresholds,
    errors: list[str] | None = None,
) -> list[StudentFacts]:
    """The facts of each student (in id order) as of the date; a constant number of queries.
    A student × competency that cannot be rolled up (a misconfigured scale) is left out and
    described in ``errors``."""
    errors = [] if errors is None else errors
    ids = sorted(set(student_ids))
    if not ids:
        return []
    calendar = calendar_for(school, as_of)
    window = calendar.last(thresholds.attendance_school_days)
    recent_since = (
        calendar.school_days_back(thresholds.slipping_recent_days - 1, as_of)
        if thresholds.slipping_recent_days
        else None
    )
    competencies = _competencies(school)
    # A target counts as expected once its date is the grace's school days behind; it came due
    # recently when that was in the last ``behind_pace_recent_days`` school days.
    grace, recent = thresholds.behind_pace_grace_days, thresholds.behind_pace_recent_days
    term_days = (
        calendar.days[bisect.bisect_left(calendar.days, calendar.current_term_start) :]
        if calendar.current_term_start is not None
        else []
    )

    def the_rest() -> tuple[Any, ...]:
        return (
            _score_trend(competencies, ids, as_of, calendar.current_term_start, recent_since),
            _expected(
                school,
                ids,
                calendar.school_days_back(grace, as_of),
                calendar.school_days_back(grace + recent, as_of),
            ),
            _goals(school, ids, as_of, thresholds.stalled_goal_checkin_days),
        )

    # A school's records are the longest read: the trend, pacing and goals run beside them, on
    # a second connection with the scan's snapshot, and attendance after them here (quiet
    # machine, 2,000 students: the records 0.16 s with their Python, the three beside 0.16 s).
    rest = read_beside(the_rest, enabled=len(ids) >= READS_BESIDE_MIN_STUDENTS)
    mastery = _mastery_as_of(
        school,
        competencies,
        ids,
        as_of,
        thresholds.slipping_scores,
        errors,
        recent_since=recent_since,
    )
    attendance = _attendance(school, ids, window, term_days)
    trend, expected, goals = rest()
    result: list[StudentFacts] = []
    for student_id in ids:
        m = mastery.get(student_id) or _Mastery(set(), None, [], [], 0)
        due = expected.get(student_id, _NOTHING_DUE)
        past, without, longest = goals.get(student_id, ([], [], 0))
        absent, excused, missed = attendance.get(student_id, (0, 0, 0))
        n_recent, recent_mean, n_earlier, earlier_mean = trend.get(student_id, (0, None, 0, None))
        result.append(
            StudentFacts(
                student_id=student_id,
                expected=len(due.targets),
                mastered=len(due.targets & m.mastered),
                recently_expected=len(due.recent),
                recently_behind=len(due.recent - m.mastered),
                school_days_without_evidence=calendar.count_between(m.last_evidence_on, as_of),
                last_evidence_on=m.last_evidence_on,
                past_target_date_goal_ids=tuple(past),
                without_checkin_goal_ids=tuple(without),
                longest_without_checkin_days=longest,
                dropped=tuple(m.dropped),
                trending_down=tuple(m.trending_down),
                recent_scores=n_recent,
                recent_score_percent=recent_mean,
                earlier_scores=n_earlier,
                earlier_score_percent=earlier_mean,
                below_approaching=m.below_approaching,
                attendance_school_days=len(window),
                absent_days=absent,
                excused_days=excused,
                term_school_days=len(term_days),
                term_missed_days=missed,
            )
        )
    return result
