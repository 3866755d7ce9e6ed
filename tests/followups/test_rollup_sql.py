"""The SQL rollup (followups.rollup_sql) equals mastery.calculation, for every method, over random
score sequences: the score, the score before the newest one, mastered, level dropped, trending
down and below approaching. A group the SQL marks ambiguous comes back with its scores for Python
to roll up; the test checks those scores are the group's, in order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followups import rollup_sql
from mastery import calculation as calc

pytestmark = pytest.mark.django_db

SOURCE = """
  SELECT s, c, x, d, o
  FROM unnest(%(ts)s::int[], %(tc)s::bigint[], %(tx)s::numeric[], %(td)s::int[], %(to)s::int[])
       AS u(s, c, x, d, o)
"""
SCORES_OF = """
  SELECT string_agg(u2.x::text, ',' ORDER BY u2.d, u2.o)
  FROM unnest(%(ts)s::int[], %(tc)s::bigint[], %(tx)s::numeric[], %(td)s::int[], %(to)s::int[])
       AS u2(s, c, x, d, o)
  WHERE u2.s = g3.s AND u2.c = g3.c
"""
SELECT = """
SELECT s, c, n, score, prev_score, mastered, dropped, down, below, ambiguous, amb_scores
FROM groups ORDER BY s, c
"""

cents = st.integers(0, 99_999).map(lambda v: Decimal(v).scaleb(-2))
small = st.integers(0, 500).map(lambda v: Decimal(v).scaleb(-2))  # 0.00 … 5.00: ties abound
coarse = st.sampled_from([Decimal(x) for x in ("0", "1", "1.5", "2", "2.01", "2.5", "3", "4")])
sequences = st.lists(st.one_of(cents, small, coarse), min_size=1, max_size=30)


@st.composite
def scales(draw: st.DrawFn) -> list[calc.Level]:
    points = draw(
        st.lists(
            st.integers(0, 40).map(lambda v: Decimal(v).scaleb(-1)),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    mastery = draw(st.integers(0, len(points) - 1))
    return [calc.Level(p, f"L{p}", i == mastery) for i, p in enumerate(sorted(points))]


@st.composite
def parameters(draw: st.DrawFn, method: calc.Method) -> int | None:
    bounds = calc.PARAMETER_RANGE[method]
    if bounds is None:
        return None
    return draw(st.one_of(st.none(), st.integers(*bounds)))


def _spec(cid: int, method: calc.Method, parameter: int | None, levels: list[calc.Level]):
    target = calc.mastery_level(levels)
    below = [lv for lv in levels if target is not None and lv.points < target.points]
    approaching = max(below, key=lambda lv: lv.points) if below else None
    return rollup_sql.CompetencySpec(
        id=cid,
        method=method.value,
        parameter=calc.validate_parameter(method, parameter),
        mastery_points=None if target is None else target.points,
        approaching_points=None if approaching is None else approaching.points,
        points=[lv.points for lv in levels],
    )


def _sql(specs, groups: dict[tuple[int, int], list[Decimal]], k: int):
    ts, tc, tx, td, to = [], [], [], [], []
    for (s, c), scores in groups.items():
        for i, x in enumerate(scores):
            ts.append(s)
            tc.append(c)
            tx.append(x)
            td.append(i // 2)  # same-day scores: the tie break (o) orders them
            to.append(i)
    params = rollup_sql.spec_params(specs, k) | {"ts": ts, "tc": tc, "tx": tx, "td": td, "to": to}
    sql = rollup_sql.rollup_ctes(SOURCE, SCORES_OF, rollup_sql.decaying_parameters(specs)) + SELECT
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _check(method, parameter, levels, sequences_, k=3) -> int:
    spec = _spec(7, method, parameter, levels)
    groups = {(s, 7): scores for s, scores in enumerate(sequences_, start=1)}
    rows = _sql([spec], groups, k)
    assert len(rows) == len(groups)
    ambiguous = 0
    target = calc.mastery_level(levels)
    approaching = spec.approaching_points
    for s, c, n, score, prev_score, mastered, dropped, down, below, amb, amb_scores in rows:
        scores = groups[(s, c)]
        assert n == len(scores)
        if amb:
            ambiguous += 1
            assert [Decimal(x) for x in amb_scores.split(",")] == scores
            continue
        assert amb_scores is None
        current = calc.rollup(method, scores, levels, parameter=parameter)
        assert score == current.score, (scores, score, current.score)
        assert mastered == current.mastered
        if len(scores) > 1:
            previous = calc.rollup(method, scores[:-1], levels, parameter=parameter)
            assert prev_score == previous.score, (scores, prev_score, previous.score)
            expect_dropped = previous.level is not None and (
                current.level is None or current.level.points < previous.level.points
            )
        else:
            assert prev_score is None
            expect_dropped = False
        assert dropped == expect_dropped
        assert down == calc.trend_is_down(scores, k)
        expect_below = (
            target is not None
            and approaching is not None
            and current.score is not None
            and (current.level is None or current.level.points < approaching)
        )
        assert below == expect_below
    return ambiguous


@pytest.mark.parametrize("method", list(calc.Method))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), levels=scales(), seqs=st.lists(sequences, min_size=1, max_size=8))
def test_sql_rollup_equals_python(method: calc.Method, data, levels, seqs) -> None:
    parameter = data.draw(parameters(method))
    k = data.draw(st.integers(2, 5))
    _check(method, parameter, levels, seqs, k)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parameter=st.integers(50, 99),
    seqs=st.lists(st.lists(st.one_of(small, coarse), min_size=10, max_size=150), max_size=4),
)
def test_long_decaying_sequences(parameter: int, seqs) -> None:
    """Past 12 scores Python rounds at 28 digits: still equal (or handed back as ambiguous)."""
    levels = [
        calc.Level(Decimal(1), "1", False),
        calc.Level(Decimal(2), "2", False),
        calc.Level(Decimal(3), "3", True),
    ]
    _check(calc.Method.DECAYING_AVERAGE, parameter, levels, seqs)


def test_ties_round_half_up_and_ambiguity_is_rare() -> None:
    levels = [calc.Level(Decimal(2), "2", False), calc.Level(Decimal(3), "3", True)]
    # 2.005 exactly: ROUND_HALF_UP gives 2.01 in both.
    assert _check(calc.Method.AVERAGE, None, levels, [[Decimal("2"), Decimal("2.01")]]) == 0
    assert _check(calc.Method.DECAYING_AVERAGE, 50, levels, [[Decimal("2"), Decimal("2.01")]]) == 0
    # 1/3 of the way: weighted average 70 % of 1.05 + 30 % of the mean of 0.50, 0.25, 0.25.
    seq = [Decimal("0.50"), Decimal("0.25"), Decimal("0.25"), Decimal("1.05")]
    _check(calc.Method.WEIGHTED_AVERAGE, 70, levels, [seq])
    long_runs = [[Decimal(x) for x in (2, 3, 1, 4, 2, 3, 3, 2, 1, 4, 2, 3, 1, 1, 2, 4, 3, 2)]] * 3
    assert _check(calc.Method.DECAYING_AVERAGE, 65, levels, long_runs) == 0
