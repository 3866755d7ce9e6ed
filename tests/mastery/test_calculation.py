"""The six mastery calculation methods, levels and trends: pure functions, no database.

Worked examples are computed by hand in the comments; the property tests at the end check the
rules every method must keep for any scores on a 0–4 scale.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ValidationFailed
from mastery import calculation as calc
from mastery.calculation import (
    DEFAULT_PARAMETER,
    PARAMETER_RANGE,
    CalculationError,
    Level,
    Method,
    Rollup,
    calculate,
    is_mastered,
    level_for,
    mastery_level,
    rollup,
    trend_is_down,
    validate_parameter,
)


def d(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


BEGINNING = Level(points=Decimal("1"), label="Beginning", is_mastery=False, id=1)
DEVELOPING = Level(points=Decimal("2"), label="Developing", is_mastery=False, id=2)
MEETS = Level(points=Decimal("3"), label="Meets", is_mastery=True, id=3, colour="green")
EXCEEDS = Level(points=Decimal("4"), label="Exceeds", is_mastery=False, id=4)
SCALE = [BEGINNING, DEVELOPING, MEETS, EXCEEDS]

ALL_METHODS = list(Method)
MASTERY = Decimal("3")


# --- worked examples -----------------------------------------------------------------------


def test_highest_is_the_maximum_score():
    assert calculate(Method.HIGHEST, d("1", "4", "2", "3")) == Decimal("4.00")


def test_latest_is_the_newest_score_not_the_largest():
    assert calculate(Method.LATEST, d("1", "4", "2", "3")) == Decimal("3.00")


def test_average_is_the_arithmetic_mean():
    # (1 + 4 + 2 + 3) / 4 = 2.5
    assert calculate(Method.AVERAGE, d("1", "4", "2", "3")) == Decimal("2.50")


def test_average_rounds_a_repeating_mean_to_two_places():
    # (1 + 2 + 2) / 3 = 1.666… → 1.67
    assert calculate(Method.AVERAGE, d("1", "2", "2")) == Decimal("1.67")


def test_rounding_is_half_up_and_happens_only_at_the_end():
    # (2.00 + 2.01) / 2 = 2.005 → 2.01 (half-even would give 2.00)
    assert calculate(Method.AVERAGE, d("2.00", "2.01")) == Decimal("2.01")


def test_n_mastery_is_the_mean_of_scores_at_or_above_mastery_when_there_are_n_of_them():
    # kept: 3, 4 (2 is below mastery 3) → two kept ≥ n=2 → (3 + 4) / 2 = 3.5
    result = calculate(Method.N_MASTERY, d("2", "3", "4"), parameter=2, mastery_points=MASTERY)
    assert result == Decimal("3.50")


def test_n_mastery_has_no_score_until_mastery_is_shown_n_times():
    # only two scores reach mastery 3; n = 3 → not yet mastered, no score
    result = calculate(Method.N_MASTERY, d("2", "3", "4"), parameter=3, mastery_points=MASTERY)
    assert result is None


def test_n_mastery_counts_a_score_exactly_on_the_mastery_points():
    result = calculate(Method.N_MASTERY, d("3", "1"), parameter=1, mastery_points=MASTERY)
    assert result == Decimal("3.00")


def test_n_mastery_defaults_to_five_times():
    four_times = d("3", "4", "3", "4")
    assert calculate(Method.N_MASTERY, four_times, mastery_points=MASTERY) is None
    # fifth time: (3 + 4 + 3 + 4 + 4) / 5 = 3.6
    five_times = [*four_times, Decimal("4")]
    assert calculate(Method.N_MASTERY, five_times, mastery_points=MASTERY) == Decimal("3.60")


def test_n_mastery_without_mastery_points_is_refused():
    with pytest.raises(CalculationError) as caught:
        calculate(Method.N_MASTERY, d("3"), parameter=1)
    assert caught.value.code == "mastery_points_required"
    assert "mastery level" in caught.value.message


def test_weighted_average_weighs_the_newest_against_the_mean_of_the_earlier_ones():
    # 0.65 × 4 + 0.35 × (2 + 3) / 2 = 2.6 + 0.875 = 3.475 → 3.48
    assert calculate(Method.WEIGHTED_AVERAGE, d("2", "3", "4"), parameter=65) == Decimal("3.48")


def test_weighted_average_defaults_to_65_percent():
    assert calculate(Method.WEIGHTED_AVERAGE, d("2", "3", "4")) == Decimal("3.48")


def test_weighted_average_at_50_percent():
    # 0.5 × 3 + 0.5 × (1 + 4 + 2) / 3 = 1.5 + 1.1666… = 2.6666… → 2.67
    assert calculate(Method.WEIGHTED_AVERAGE, d("1", "4", "2", "3"), parameter=50) == Decimal(
        "2.67"
    )


def test_decaying_average_decays_each_earlier_result_by_the_weight():
    # d = 1
    # d = 1 × 0.35 + 4 × 0.65 = 0.35 + 2.60 = 2.95
    # d = 2.95 × 0.35 + 2 × 0.65 = 1.0325 + 1.30 = 2.3325
    # d = 2.3325 × 0.35 + 3 × 0.65 = 0.816375 + 1.95 = 2.766375 → 2.77
    assert calculate(Method.DECAYING_AVERAGE, d("1", "4", "2", "3"), parameter=65) == Decimal(
        "2.77"
    )


def test_decaying_average_defaults_to_65_percent():
    assert calculate(Method.DECAYING_AVERAGE, d("1", "4", "2", "3")) == Decimal("2.77")


def test_decaying_average_at_80_percent():
    # d = 1 → 1 × 0.2 + 4 × 0.8 = 3.4 → 3.4 × 0.2 + 2 × 0.8 = 2.28 → 2.28 × 0.2 + 3 × 0.8 = 2.856
    assert calculate(Method.DECAYING_AVERAGE, d("1", "4", "2", "3"), parameter=80) == Decimal(
        "2.86"
    )


def test_decaying_and_weighted_average_differ_when_history_is_uneven():
    # weighted:  0.65 × 1 + 0.35 × (4 + 1) / 2 = 0.65 + 0.875 = 1.525 → 1.53
    # decaying:  d = 4 → 4 × 0.35 + 1 × 0.65 = 2.05 → 2.05 × 0.35 + 1 × 0.65 = 1.3675 → 1.37
    scores = d("4", "1", "1")
    assert calculate(Method.WEIGHTED_AVERAGE, scores) == Decimal("1.53")
    assert calculate(Method.DECAYING_AVERAGE, scores) == Decimal("1.37")


def test_method_may_be_given_as_its_string_value():
    assert calculate("weighted_average", d("2", "3", "4"), parameter=65) == Decimal("3.48")


def test_unknown_method_is_refused_with_the_choices():
    with pytest.raises(CalculationError) as caught:
        calculate("median", d("1"))
    assert caught.value.code == "unknown_calculation_method"
    assert "decaying_average" in caught.value.message


def test_calculation_error_is_a_domain_validation_error_and_a_value_error():
    with pytest.raises(CalculationError) as caught:
        validate_parameter(Method.WEIGHTED_AVERAGE, 0)
    assert isinstance(caught.value, ValidationFailed)
    assert isinstance(caught.value, ValueError)
    assert caught.value.status == 400


# --- no evidence, one piece of evidence -----------------------------------------------------


@pytest.mark.parametrize("method", ALL_METHODS)
def test_no_evidence_means_no_score(method):
    assert calculate(method, [], mastery_points=MASTERY) is None


@pytest.mark.parametrize("method", ALL_METHODS)
def test_a_single_score_is_itself(method):
    parameter = 1 if method is Method.N_MASTERY else None
    result = calculate(method, d("3.25"), parameter=parameter, mastery_points=MASTERY)
    assert result == Decimal("3.25")


def test_a_single_score_below_mastery_has_no_n_mastery_score():
    result = calculate(Method.N_MASTERY, d("2.75"), parameter=1, mastery_points=MASTERY)
    assert result is None


# --- parameters -----------------------------------------------------------------------------


def test_parameter_defaults_and_ranges_are_as_documented():
    assert DEFAULT_PARAMETER == {
        Method.HIGHEST: None,
        Method.LATEST: None,
        Method.AVERAGE: None,
        Method.N_MASTERY: 5,
        Method.WEIGHTED_AVERAGE: 65,
        Method.DECAYING_AVERAGE: 65,
    }
    assert PARAMETER_RANGE == {
        Method.HIGHEST: None,
        Method.LATEST: None,
        Method.AVERAGE: None,
        Method.N_MASTERY: (1, 10),
        Method.WEIGHTED_AVERAGE: (1, 99),
        Method.DECAYING_AVERAGE: (50, 99),
    }


@pytest.mark.parametrize("method", ALL_METHODS)
def test_no_parameter_means_the_default(method):
    assert validate_parameter(method, None) == DEFAULT_PARAMETER[method]


@pytest.mark.parametrize(
    ("method", "parameter"),
    [
        (Method.N_MASTERY, 1),
        (Method.N_MASTERY, 10),
        (Method.WEIGHTED_AVERAGE, 1),
        (Method.WEIGHTED_AVERAGE, 99),
        (Method.DECAYING_AVERAGE, 50),
        (Method.DECAYING_AVERAGE, 99),
        ("decaying_average", 70),
    ],
)
def test_parameter_on_the_edges_of_its_range_is_accepted(method, parameter):
    assert validate_parameter(method, parameter) == parameter


@pytest.mark.parametrize(
    ("method", "parameter"),
    [
        (Method.N_MASTERY, 0),
        (Method.N_MASTERY, 11),
        (Method.WEIGHTED_AVERAGE, 0),
        (Method.WEIGHTED_AVERAGE, 100),
        (Method.DECAYING_AVERAGE, 49),
        (Method.DECAYING_AVERAGE, 100),
    ],
)
def test_parameter_outside_its_range_is_refused_with_a_readable_sentence(method, parameter):
    low, high = PARAMETER_RANGE[method]
    with pytest.raises(CalculationError) as caught:
        validate_parameter(method, parameter)
    error = caught.value
    assert error.code == "calculation_parameter_out_of_range"
    assert error.field == "calculation_parameter"
    assert f"from {low} to {high}" in error.message
    assert str(parameter) in error.message


@pytest.mark.parametrize("method", [Method.HIGHEST, Method.LATEST, Method.AVERAGE])
def test_a_method_without_a_parameter_refuses_one(method):
    with pytest.raises(CalculationError) as caught:
        validate_parameter(method, 65)
    assert caught.value.code == "calculation_parameter_not_allowed"
    assert "does not take a parameter" in caught.value.message


@pytest.mark.parametrize("parameter", [True, 2.5, "65"])
def test_a_parameter_that_is_not_a_whole_number_is_refused(parameter):
    with pytest.raises(CalculationError) as caught:
        validate_parameter(Method.WEIGHTED_AVERAGE, parameter)
    assert caught.value.code == "calculation_parameter_invalid"


def test_calculate_validates_its_parameter():
    with pytest.raises(CalculationError):
        calculate(Method.DECAYING_AVERAGE, d("1", "2"), parameter=40)
    with pytest.raises(CalculationError):
        calculate(Method.HIGHEST, d("1", "2"), parameter=5)


# --- levels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (Decimal("3.00"), MEETS),  # exactly on the points
        (Decimal("2.99"), DEVELOPING),  # between levels: the lower one
        (Decimal("2.50"), DEVELOPING),
        (Decimal("1.00"), BEGINNING),  # exactly on the lowest level
        (Decimal("4.00"), EXCEEDS),
        (Decimal("4.50"), EXCEEDS),  # above the top level
        (Decimal("0.99"), None),  # below every level
        (Decimal("0"), None),
        (None, None),  # no score, no level
    ],
)
def test_level_is_the_highest_level_the_score_reaches(score, expected):
    assert level_for(score, SCALE) == expected


def test_level_does_not_depend_on_the_order_levels_are_given_in():
    assert level_for(Decimal("3.2"), list(reversed(SCALE))) == MEETS


def test_level_for_an_empty_scale_is_none():
    assert level_for(Decimal("3"), []) is None


@pytest.mark.parametrize(
    ("level", "expected"),
    [(None, False), (BEGINNING, False), (DEVELOPING, False), (MEETS, True), (EXCEEDS, True)],
)
def test_mastered_means_at_or_above_the_mastery_level(level, expected):
    assert is_mastered(level, SCALE) is expected


def test_nothing_is_mastered_on_a_scale_without_a_mastery_level():
    scale = [BEGINNING, DEVELOPING]
    assert mastery_level(scale) is None
    assert is_mastered(DEVELOPING, scale) is False


def test_a_scale_with_two_mastery_levels_is_refused():
    scale = [*SCALE, Level(points=Decimal("5"), label="Wow", is_mastery=True)]
    with pytest.raises(CalculationError) as caught:
        mastery_level(scale)
    assert caught.value.code == "several_mastery_levels"


# --- rollup ---------------------------------------------------------------------------------


def test_rollup_gives_score_level_and_mastered():
    # decaying 65% of [1, 4, 2, 3] = 2.77 → Developing, not mastered
    assert rollup(Method.DECAYING_AVERAGE, d("1", "4", "2", "3"), SCALE) == Rollup(
        score=Decimal("2.77"), level=DEVELOPING, mastered=False
    )
    assert rollup(Method.HIGHEST, d("1", "4", "2", "3"), SCALE) == Rollup(
        score=Decimal("4.00"), level=EXCEEDS, mastered=True
    )


def test_rollup_uses_the_mastery_level_points_for_n_mastery():
    assert rollup(Method.N_MASTERY, d("2", "3", "4"), SCALE, parameter=2) == Rollup(
        score=Decimal("3.50"), level=MEETS, mastered=True
    )
    assert rollup(Method.N_MASTERY, d("2", "3", "4"), SCALE, parameter=3) == Rollup(
        score=None, level=None, mastered=False
    )


def test_rollup_with_no_evidence_has_no_score():
    assert rollup(Method.AVERAGE, [], SCALE) == Rollup(score=None, level=None, mastered=False)


def test_rollup_n_mastery_on_a_scale_without_mastery_level_is_refused():
    with pytest.raises(CalculationError):
        rollup(Method.N_MASTERY, d("3"), [BEGINNING, DEVELOPING], parameter=1)


# --- trend ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "k", "expected"),
    [
        (d("4", "3", "2"), 3, True),
        (d("1", "4", "3", "2"), 3, True),  # only the last k count
        (d("4", "3", "3"), 3, False),  # a repeat is not a decrease
        (d("4", "2", "3"), 3, False),
        (d("3", "2"), 3, False),  # fewer than k scores
        ([], 2, False),
        (d("3", "2"), 2, True),
        (d("2", "3"), 2, False),
    ],
)
def test_trend_is_down_when_the_last_k_scores_strictly_decrease(scores, k, expected):
    assert trend_is_down(scores, k) is expected


@pytest.mark.parametrize("k", [1, 0, -1])
def test_trend_needs_at_least_two_scores_to_compare(k):
    with pytest.raises(CalculationError):
        trend_is_down(d("3", "2"), k)


# --- properties -----------------------------------------------------------------------------

score_values = st.decimals(
    min_value=Decimal("0"),
    max_value=Decimal("4"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
score_lists = st.lists(score_values, min_size=1, max_size=25)
n_values = st.integers(min_value=1, max_value=10)
weighted_values = st.integers(min_value=1, max_value=99)
decaying_values = st.integers(min_value=50, max_value=99)


@given(scores=score_lists, n=n_values, w=weighted_values, dw=decaying_values, mp=score_values)
def test_highest_is_at_least_every_other_method(scores, n, w, dw, mp):
    highest = calculate(Method.HIGHEST, scores)
    others = [
        calculate(Method.LATEST, scores),
        calculate(Method.AVERAGE, scores),
        calculate(Method.N_MASTERY, scores, parameter=n, mastery_points=mp),
        calculate(Method.WEIGHTED_AVERAGE, scores, parameter=w),
        calculate(Method.DECAYING_AVERAGE, scores, parameter=dw),
    ]
    assert highest == max(scores)
    for other in others:
        assert other is None or other <= highest


@given(scores=score_lists, w=weighted_values, dw=decaying_values)
def test_latest_and_the_averages_lie_between_the_lowest_and_highest_score(scores, w, dw):
    low, high = min(scores), max(scores)
    for result in (
        calculate(Method.LATEST, scores),
        calculate(Method.AVERAGE, scores),
        calculate(Method.WEIGHTED_AVERAGE, scores, parameter=w),
        calculate(Method.DECAYING_AVERAGE, scores, parameter=dw),
    ):
        assert result is not None
        assert low <= result <= high


@given(data=st.data(), scores=score_lists)
def test_highest_and_average_do_not_depend_on_order(data, scores):
    shuffled = data.draw(st.permutations(scores))
    assert calculate(Method.HIGHEST, shuffled) == calculate(Method.HIGHEST, scores)
    assert calculate(Method.AVERAGE, shuffled) == calculate(Method.AVERAGE, scores)


@given(data=st.data(), scores=score_lists, n=n_values, mp=score_values)
def test_n_mastery_does_not_depend_on_order(data, scores, n, mp):
    shuffled = data.draw(st.permutations(scores))
    assert calculate(Method.N_MASTERY, shuffled, parameter=n, mastery_points=mp) == calculate(
        Method.N_MASTERY, scores, parameter=n, mastery_points=mp
    )


@given(value=score_values, count=st.integers(min_value=1, max_value=25), dw=decaying_values)
def test_decaying_average_of_a_constant_is_that_constant(value, count, dw):
    assert calculate(Method.DECAYING_AVERAGE, [value] * count, parameter=dw) == value


@given(value=score_values, count=st.integers(min_value=1, max_value=25), w=weighted_values)
def test_weighted_average_of_a_constant_is_that_constant(value, count, w):
    assert calculate(Method.WEIGHTED_AVERAGE, [value] * count, parameter=w) == value


@given(scores=score_lists, n=n_values, mp=score_values)
def test_n_mastery_when_scored_is_at_least_the_mastery_points(scores, n, mp):
    result = calculate(Method.N_MASTERY, scores, parameter=n, mastery_points=mp)
    kept = [s for s in scores if s >= mp]
    if len(kept) < n:
        assert result is None
    else:
        assert result is not None
        assert result >= mp


@given(scores=score_lists)
def test_n_mastery_once_with_mastery_at_zero_is_the_average(scores):
    assert calculate(
        Method.N_MASTERY, scores, parameter=1, mastery_points=Decimal("0")
    ) == calculate(Method.AVERAGE, scores)


@given(scores=score_lists)
def test_adding_a_score_equal_to_the_highest_does_not_lower_highest(scores):
    before = calculate(Method.HIGHEST, scores)
    assert before is not None
    assert calculate(Method.HIGHEST, [*scores, max(scores)]) == before


@given(scores=score_lists, new=score_values, dw=decaying_values)
def test_a_new_score_pulls_the_decaying_average_toward_it(scores, new, dw):
    before = calculate(Method.DECAYING_AVERAGE, scores, parameter=dw)
    after = calculate(Method.DECAYING_AVERAGE, [*scores, new], parameter=dw)
    assert before is not None and after is not None
    assert min(before, new) <= after <= max(before, new)


@given(scores=score_lists, method=st.sampled_from(ALL_METHODS))
def test_every_result_has_two_decimal_places(scores, method):
    parameter = 1 if method is Method.N_MASTERY else None
    result = calculate(method, scores, parameter=parameter, mastery_points=Decimal("0"))
    assert result is not None
    assert result.as_tuple().exponent == -2


@given(scores=score_lists)
def test_level_of_the_score_is_never_above_the_score(scores):
    result = rollup(Method.AVERAGE, scores, SCALE)
    if result.level is None:
        assert result.score is not None and result.score < BEGINNING.points
    else:
        assert result.score is not None and result.level.points <= result.score
    assert result.mastered is (result.score is not None and result.score >= MEETS.points)


# --- explain: how a score came about -----------------------------------------------------------

_FOUR = [
    calc.Level(Decimal(4), "Exceeds", False),
    calc.Level(Decimal(3), "Meets", True),
    calc.Level(Decimal(2), "Approaching", False),
    calc.Level(Decimal(1), "Beginning", False),
]


def test_explain_a_decaying_average_step_by_step():
    e = calc.explain("decaying_average", [Decimal(2), Decimal(3)], _FOUR, parameter=65)
    assert e.method == "Decaying average, 65 %"
    assert e.steps == ("Starts at the first score: 2.", "Then 3: 2 × 35 % + 3 × 65 % = 2.65.")
    assert e.outcome == "2.65 is at least 2 and below 3 (Meets): Approaching, not mastered yet."
    assert e.omitted == 0


def test_explain_keeps_the_last_steps_of_a_long_history():
    scores = [Decimal(1)] * 9 + [Decimal(4)]
    e = calc.explain("decaying_average", scores, _FOUR, parameter=65, max_steps=3)
    assert (len(e.steps), e.omitted) == (3, 7)
    assert e.steps[-1] == "Then 4: 1 × 35 % + 4 × 65 % = 2.95."


def test_explain_n_mastery_without_enough_scores():
    e = calc.explain("n_mastery", [Decimal(3), Decimal(2)], _FOUR, parameter=2)
    assert e.steps == ("1 of 2 scores are at or above 3.",)
    assert e.outcome == "Not enough scores at mastery yet, so no score and no level."


@given(
    method=st.sampled_from(list(calc.Method)),
    scores=st.lists(st.sampled_from([Decimal(1), Decimal(2), Decimal(3), Decimal(4)]), max_size=8),
)
def test_explain_ends_with_the_score_rollup_gives(method, scores):
    parameter = calc.DEFAULT_PARAMETER[method]
    result = calc.rollup(method, scores, _FOUR, parameter=parameter)
    e = calc.explain(method, scores, _FOUR, parameter=parameter)
    if result.score is None:
        assert "no level" in e.outcome
    else:
        assert e.outcome.startswith(calc._num(result.score) + " is ")
        assert (result.level.label if result.level else "no level yet") in e.outcome
