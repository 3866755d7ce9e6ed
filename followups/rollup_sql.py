"""The mastery rollup in SQL: per student × competency as of a date, the score by the
competency's calculation method, the score before the newest evidence (for "level dropped"), and
whether the last k scores fall — equal to :func:`mastery.calculation.rollup` and
:func:`mastery.calculation.trend_is_down` (``tests/followups/test_rollup_sql.py`` compares them
over random score sequences, for every method).

Why it is exact. Scores are ``numeric(5, 2)`` and ≥ 0; PostgreSQL ``numeric`` adds and multiplies
exactly, and ``round(v, 2)`` rounds half away from zero, which for v ≥ 0 is ROUND_HALF_UP.

- *highest*, *latest*: no arithmetic.
- *average*, *n_mastery*: a mean S / n. Python divides at 28 significant digits, PostgreSQL here at
  40 decimals. When the exact mean is a tie at two places (x.xx5) it is a short decimal that both
  compute exactly; otherwise it is at least 1 / (200 n) away from a tie, far beyond either
  division's error, so both round alike.
- *weighted_average*: computed as one division, (p·L·m + (100 − p)·S) / (100·m) with m the number of
  earlier scores. Python's arithmetic is exact too when m divides 10²⁰ (the mean ends within 22
  decimals, everything fits 28 digits); otherwise its value can differ from the exact one in the
  26th digit or so.
- *decaying_average*: the closed form Σ cᵢ·sᵢ with cᵢ = w·q^(n−i) (c₁ = q^(n−1), q = 1 − w), the
  powers of q written into the query as literals: exact up to q^15, rounded to 30 decimals
  beyond, left out beyond q^110 (see ``MAX_POWER``); the sum is exact for up to 12 scores and
  within 10⁻²⁵ of exact after (111 terms × 1000 × 5·10⁻³¹). The previous score is
  (D − w·L) / q, exact given D's scale.
  Python iterates and rounds at 28 significant digits once the running score needs more (after
  12 scores: 3 integer digits + 2 decimals per step); its error then stays below 10⁻²⁴.

Where Python's value may differ from the exact one (the two cases above), the results can only
differ when the exact value lies within that error of a tie. Such a student × competency
(|frac(100·v) − ½| ≤ 10⁻¹⁸, for the current or the previous score) is marked ``ambiguous``, its
scores come back with it (a subquery run only for those rows), and the caller rolls it up in
Python with :mod:`mastery.calculation` — so the result is Python's in every case.

Levels: ``level_for`` picks the highest level whose points the score reaches, so its points are
``pts[width_bucket(score, pts)]`` over the scale's sorted points; "mastered" is score ≥ the
mastery level's points, "below approaching" score < the points of the level below mastery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any

DECAYING = "decaying_average"

# Decaying-average sequences up to this length are computed exactly by Python (see above).
PYTHON_EXACT_DECAYING_LENGTH = 12
AMBIGUITY = "1e-18"
# Decaying average: the powers of q are literals in the query (power() per row costs 2.5 µs), up
# to q^MAX_POWER at POWER_PLACES decimals. q ≤ 0.5 (w ≥ 50 %), so the weights of older scores
# sum to at most 1000 · 0.5^MAX_POWER ≈ 4·10⁻³¹ on scores ≤ 999.99 and are left out; the powers
# up to q^15 are exact, so the sequences Python computes exactly (≤ 12 scores) are exact here.
MAX_POWER = 110
POWER_PLACES = 30


@dataclass(frozen=True)
class CompetencySpec:
    """What the SQL needs of one competency that can be rolled up."""

    id: int
    method: str
    parameter: int | None  # the effective parameter (the default when none is set)
    mastery_points: Decimal | None
    approaching_points: Decimal | None
    points: Sequence[Decimal]  # the scale's level points


def _powers(parameter: int) -> list[Decimal]:
    """q^0 … q^MAX_POWER for q = 1 − parameter/100: exact while they fit POWER_PLACES decimals
    (q has two decimals, so up to q^(POWER_PLACES/2)), rounded to POWER_PLACES after."""
    q = Decimal(100 - parameter) / 100
    with localcontext() as ctx:
        ctx.prec = 2 * MAX_POWER + 10  # q^k has 2k decimals: all exact here
        exact = [q**k for k in range(MAX_POWER + 1)]
    place = Decimal(1).scaleb(-POWER_PLACES)
    return [v.quantize(place, rounding=ROUND_HALF_EVEN, context=Context(prec=200)) for v in exact]


def _by_cid(values: dict[int, int], fill: str = "0") -> str:
    """An int[] literal indexed by competency id ('[lo:hi]={…}', ``fill`` where none):
    subscripting a fixed-width array is O(1), cheaper per evidence row than a join."""
    if not values:
        return "{}"
    lo, hi = min(values), max(values)
    body = ",".join(str(values[c]) if c in values else fill for c in range(lo, hi + 1))
    return f"[{lo}:{hi}]={{{body}}}"


def spec_params(specs: Sequence[CompetencySpec], k: int) -> dict[str, Any]:
    decaying = {s.id: s.parameter or 0 for s in specs if s.method == DECAYING}
    # Points are numeric(5, 2): in cents they compare exactly as integers.
    mastery_cents = {
        s.id: int(s.mastery_points * 100)
        for s in specs
        if s.method == "n_mastery" and s.mastery_points is not None
    }
    return {
        "pd": _by_cid(decaying),
        "mpc": _by_cid(mastery_cents),
        "cids": [s.id for s in specs],
        "methods": [s.method for s in specs],
        "params": [s.parameter for s in specs],
        "mps": [s.mastery_points for s in specs],
        "aps": [s.approaching_points for s in specs],
        "pts": ["{" + ",".join(str(p) for p in sorted(s.points)) + "}" for s in specs],
        "k": k,
    }


def _near(v: str) -> str:
    return f"abs({v} * 100 - floor({v} * 100) - 0.5) <= {AMBIGUITY}"


def _smooth(m: str) -> str:
    """m divides 10^20 (m = 2^a·5^b, a, b ≤ 20)."""
    return f"mod(100000000000000000000::numeric, ({m})) = 0"


def _mean(total: str, count: str) -> str:
    return f"(CAST({total} AS numeric(1000, 40)) / ({count}))"


def _weighted(last: str, earlier_sum: str, m: str) -> str:
    return _mean(f"(p * {last} * ({m}) + (100 - p) * ({earlier_sum}))", f"100 * ({m})")


def _power_case(decaying: Sequence[int]) -> str:
    """q^(n − rn) for the row's parameter: literal CASEs (an array or a join costs far more per
    row; the typical k is small, so few branches are tried)."""
    if not decaying:
        return "NULL::numeric"
    inner = []
    for p in decaying:
        branches = " ".join(f"WHEN {k} THEN {v}" for k, v in enumerate(_powers(p)))
        inner.append(f"WHEN {int(p)} THEN CASE n - rn {branches} END")
    return f"CASE p {' '.join(inner)} END"


def decaying_parameters(specs: Sequence[CompetencySpec]) -> list[int]:
    return sorted({s.parameter for s in specs if s.method == DECAYING and s.parameter})


def rollup_ctes(source: str, scores_of: str, decaying: Sequence[int]) -> str:
    """The CTEs (``WITH RECURSIVE … groups``) of the rollup over ``source``, a query yielding
    ``s`` (student), ``c`` (competency), ``x`` (score), ``d`` (observed on) and ``o`` (a tie
    break, the evidence id), already limited to the evidence that counts. ``scores_of`` is a
    query giving one group's scores as text, oldest first (``g.s``/``g.c`` name the group); it is
    run only for ambiguous groups.

    ``groups`` has one row per student × competency: ``s, c, last_d, n, ok`` and, when ``ok``
    (the competency is one of the specs): ``score, prev_score`` (rounded; ``prev_score`` is the
    rollup without the newest score, null for one score), ``cur_pts, prev_pts`` (the points of
    their levels), ``mastered, dropped, down, below, ambiguous, amb_scores``.
    """
    powers = _power_case(decaying)
    cur_w = _weighted("last_x", "total - last_x", "n - 1")
    prev_w = _weighted("last2_x", "total - last_x - last2_x", "n - 2")
    prev_kept = _mean(
        "kept_sum - CASE WHEN last_x >= mp THEN last_x ELSE 0 END", "kept_n - (last_x >= mp)::int"
    )
    # Only this module's constants and numbers are interpolated; values are parameters.
    return f"""
WITH RECURSIVE
comp AS (
  SELECT cid, method, p, mp, ap, pts::numeric[] AS pts
  FROM unnest(%(cids)s::bigint[], %(methods)s::text[], %(params)s::int[], %(mps)s::numeric[],
              %(aps)s::numeric[], %(pts)s::text[]) AS t(cid, method, p, mp, ap, pts)
),
src AS ({source}),
ev AS (
  SELECT s, c, x, d, (%(pd)s::int[])[c] AS p, (%(mpc)s::int[])[c] AS mpc,
         row_number() OVER w AS rn,
         count(*) OVER (PARTITION BY s, c) AS n,
         lag(x) OVER w AS px
  FROM src
  WINDOW w AS (PARTITION BY s, c ORDER BY d, o)
),
g0 AS (
  SELECT s, c, max(d) AS last_d, max(n) AS n,
         max(x) AS hi,
         max(x) FILTER (WHERE rn < n) AS hi_prev,
         max(x) FILTER (WHERE rn = n) AS last_x,
         max(x) FILTER (WHERE rn = n - 1) AS last2_x,
         sum(x) AS total,
         count(*) FILTER (WHERE x * 100 >= mpc) AS kept_n,
         sum(x) FILTER (WHERE x * 100 >= mpc) AS kept_sum,
         count(*) FILTER (WHERE rn > n - (%(k)s - 1) AND x < px) AS falls,
         sum(x * CASE WHEN rn = 1 THEN 1 ELSE p * 0.01 END * {powers})
           FILTER (WHERE p > 0) AS decayed
  FROM ev
  GROUP BY s, c
),
g1 AS (
  SELECT g0.*, comp.cid IS NOT NULL AS ok, comp.method, comp.p, comp.mp, comp.ap, comp.pts,
    CASE comp.method
      WHEN 'highest' THEN hi
      WHEN 'latest' THEN last_x
      WHEN 'average' THEN {_mean("total", "n")}
      WHEN 'n_mastery' THEN CASE WHEN kept_n >= p THEN {_mean("kept_sum", "kept_n")} END
      WHEN 'weighted_average' THEN CASE WHEN n = 1 THEN last_x ELSE {cur_w} END
      WHEN '{DECAYING}' THEN decayed
    END AS cur_raw,
    CASE WHEN n > 1 THEN CASE comp.method
      WHEN 'highest' THEN hi_prev
      WHEN 'latest' THEN last2_x
      WHEN 'average' THEN {_mean("total - last_x", "n - 1")}
      WHEN 'n_mastery' THEN
        CASE WHEN kept_n - (last_x >= mp)::int >= p THEN
          {prev_kept}
        END
      WHEN 'weighted_average' THEN CASE WHEN n = 2 THEN last2_x ELSE {prev_w} END
      WHEN '{DECAYING}' THEN (decayed - p * 0.01 * last_x) / ((100 - p) * 0.01)
    END END AS prev_raw
  FROM g0 LEFT JOIN comp ON comp.cid = g0.c
),
g2 AS (
  SELECT g1.*, round(cur_raw, 2) AS score, round(prev_raw, 2) AS prev_score,
    CASE method
      WHEN 'weighted_average' THEN
        (n > 2 AND NOT {_smooth("n - 1")} AND {_near("cur_raw")})
        OR (n > 3 AND NOT {_smooth("n - 2")} AND {_near("prev_raw")})
      WHEN '{DECAYING}' THEN
        n > {PYTHON_EXACT_DECAYING_LENGTH} AND ({_near("cur_raw")} OR {_near("prev_raw")})
      ELSE false
    END AS ambiguous
  FROM g1
),
g3 AS (
  SELECT g2.*,
    pts[width_bucket(score, pts)] AS cur_pts,
    pts[width_bucket(prev_score, pts)] AS prev_pts
  FROM g2
),
groups AS (
  SELECT s, c, last_d, n, ok, score, prev_score, cur_pts, prev_pts, ambiguous,
    ok AND mp IS NOT NULL AND score >= mp IS TRUE AS mastered,
    ok AND n > 1 AND prev_pts IS NOT NULL AND (cur_pts IS NULL OR cur_pts < prev_pts) AS dropped,
    ok AND n >= %(k)s AND falls = %(k)s - 1 AS down,
    ok AND ap IS NOT NULL AND score < ap IS TRUE AS below,
    CASE WHEN ambiguous THEN ({scores_of}) END AS amb_scores
  FROM g3
)
"""  # noqa: S608


def evidence_source() -> str:
    """The accepted, scored evidence of some students on a school's competencies up to a date
    (parameters ``students``, ``school_cids``, ``as_of``)."""
    return """
  SELECT e.student_id AS s, e.competency_id AS c, e.score AS x, e.observed_on AS d, e.id AS o
  FROM mastery_evidence e
  WHERE e.student_id = ANY(%(students)s) AND e.competency_id = ANY(%(school_cids)s)
    AND e.status = 'accepted' AND e.score IS NOT NULL AND e.observed_on <= %(as_of)s
"""


EVIDENCE_SCORES = """
  SELECT string_agg(e2.score::text, ',' ORDER BY e2.observed_on, e2.id)
  FROM mastery_evidence e2
  WHERE e2.student_id = g3.s AND e2.competency_id = g3.c
    AND e2.status = 'accepted' AND e2.score IS NOT NULL AND e2.observed_on <= %(as_of)s
"""


def per_student_sql(decaying: Sequence[int]) -> str:
    """One row per student with evidence, in id order: newest evidence date, the competencies
    mastered, dropped, trending down (ids, in no particular order: an ``ORDER BY`` inside each
    aggregate costs a sort per student and aggregate), how many are below approaching, and the
    ambiguous groups (ids and their scores, pairwise) and the groups of erroring competencies
    (``err_cids``) for the caller to handle."""
    return (
        rollup_ctes(evidence_source(), EVIDENCE_SCORES, decaying)
        + """
SELECT s, max(last_d),
  coalesce(array_agg(c) FILTER (WHERE mastered AND NOT ambiguous), '{}'),
  coalesce(array_agg(c) FILTER (WHERE dropped AND NOT ambiguous), '{}'),
  coalesce(array_agg(c) FILTER (WHERE down AND NOT ambiguous), '{}'),
  count(*) FILTER (WHERE below AND NOT ambiguous),
  coalesce(array_agg(c) FILTER (WHERE ambiguous), '{}'),
  coalesce(array_agg(amb_scores) FILTER (WHERE ambiguous), '{}'),
  coalesce(array_agg(c) FILTER (WHERE c = ANY(%(err_cids)s)), '{}')
FROM groups
GROUP BY s
ORDER BY s
"""
    )


def _cents(value: Decimal) -> int:
    return int(value * 100)  # points are numeric(5, 2): exact in cents


def records_query(specs: Sequence[CompetencySpec], k: int) -> tuple[str, dict[str, Any]]:
    """The query of :func:`records_sql` for these competencies, and its parameters but the
    students' (``students``, ``school_cids``, ``as_of``, ``recent_since``, ``err_cids``)."""
    scales = sorted({tuple(sorted(s.points)) for s in specs})
    scale_of = {s.id: scales.index(tuple(sorted(s.points))) + 1 for s in specs}
    params = {
        "rok": _by_cid(scale_of),
        "rmc": _by_cid(
            {s.id: _cents(s.mastery_points) for s in specs if s.mastery_points is not None},
            fill="NULL",
        ),
        "rac": _by_cid(
            {s.id: _cents(s.approaching_points) for s in specs if s.approaching_points is not None},
            fill="NULL",
        ),
        "k": k,
    }
    return records_sql(scales), params


def records_sql(scales: Sequence[Sequence[Decimal]]) -> str:
    """One row per student with a record with evidence, in id order, from the stored
    :class:`~mastery.models.MasteryRecord` rows (parameters: see :func:`records_query`): newest
    evidence date; ``stale`` when a record cannot give the facts as of the date (evidence after
    it, or ``falling_scores`` not computed); the competencies mastered, dropped and trending
    down (the last two only with evidence since ``recent_since``), how many are below
    approaching, and the erroring competencies with evidence — the tests of
    :func:`rollup_ctes`' ``groups`` on the record's score, previous score and falling run.

    Per record only integer array subscripts by competency id (its scale, mastery and
    approaching points in cents): a join to the competencies and their points arrays cost six
    times the read of the records. "Dropped" is ``width_bucket`` over the scale's points,
    written into the query (a school has a scale or two), only for a previous score above the
    score."""

    def bucket(value: str) -> str:
        cases = " ".join(
            f"WHEN {i} THEN width_bucket({value}, '{{{','.join(str(p) for p in pts)}}}'::numeric[])"
            for i, pts in enumerate(scales, start=1)
        )
        return f"CASE sc {cases} END" if scales else "NULL::int"

    # Only this module's numbers are interpolated; values are parameters.
    return f"""
SELECT s, max(d),
  bool_or(d > %(as_of)s OR f IS NULL),
  coalesce(array_agg(c) FILTER (WHERE x100 >= mc), '{{}}'),
  coalesce(array_agg(c) FILTER (
    WHERE recent AND n > 1 AND (score IS NULL OR ps > score)
      AND {bucket("ps")} > coalesce({bucket("score")}, 0)
  ), '{{}}'),
  coalesce(array_agg(c) FILTER (WHERE recent AND sc > 0 AND f >= %(k)s), '{{}}'),
  count(*) FILTER (WHERE x100 < ac),
  coalesce(array_agg(c) FILTER (WHERE c = ANY(%(err_cids)s)), '{{}}')
FROM (
  SELECT r.student_id AS s, r.competency_id AS c, r.score, r.score * 100 AS x100,
    r.previous_score AS ps, r.evidence_count AS n, r.last_evidence_on AS d,
    r.falling_scores AS f, (%(rok)s::int[])[r.competency_id] AS sc,
    (%(rmc)s::int[])[r.competency_id] AS mc, (%(rac)s::int[])[r.competency_id] AS ac,
    (%(recent_since)s::date IS NULL OR r.last_evidence_on >= %(recent_since)s::date) AS recent
  FROM mastery_masteryrecord r
  WHERE r.student_id = ANY(%(students)s) AND r.competency_id = ANY(%(school_cids)s)
    AND r.evidence_count > 0
) r
GROUP BY s
ORDER BY s
"""  # noqa: S608
