"""The six mastery calculation methods, as pure functions over plain values.

Definitions follow docs/product.md ("Mastery calculation methods", Canvas-compatible). Scores are
ordered oldest → newest by the date observed; with no evidence there is no score (``None``).
Arithmetic is ``Decimal`` throughout and the result is rounded once, at the end, to two places
with ROUND_HALF_UP.

Nothing here touches the ORM: callers fetch scores and scale levels, then call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from itertools import pairwise

from core.errors import ValidationFailed

TWO_PLACES = Decimal("0.01")
_HUNDRED = Decimal(100)


class CalculationError(ValidationFailed, ValueError):
    """A calculation method was configured or called in a way the rules do not allow.

    ``message`` is a sentence a school admin can read; ``code`` is stable for clients.
    """

    code = "invalid_calculation"


class Method(StrEnum):
    HIGHEST = "highest"
    LATEST = "latest"
    AVERAGE = "average"
    N_MASTERY = "n_mastery"
    WEIGHTED_AVERAGE = "weighted_average"
    DECAYING_AVERAGE = "decaying_average"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[Method, str] = {
    Method.HIGHEST: "Highest score",
    Method.LATEST: "Most recent score",
    Method.AVERAGE: "Average",
    Method.N_MASTERY: "n number of times",
    Method.WEIGHTED_AVERAGE: "Weighted average",
    Method.DECAYING_AVERAGE: "Decaying average",
}

# What the parameter means, for error messages.
_PARAMETER_NAMES: dict[Method, str] = {
    Method.N_MASTERY: "number of times (n)",
    Method.WEIGHTED_AVERAGE: "weight of the most recent score (%)",
    Method.DECAYING_AVERAGE: "weight of each newer score (%)",
}

# Canvas's defaults (LearningOutcome#default_calculation_int): n_mastery 5, the averages 65%.
DEFAULT_PARAMETER: dict[Method, int | None] = {
    Method.HIGHEST: None,
    Method.LATEST: None,
    Method.AVERAGE: None,
    Method.N_MASTERY: 5,
    Method.WEIGHTED_AVERAGE: 65,
    Method.DECAYING_AVERAGE: 65,
}

# Inclusive bounds; None means the method takes no parameter.
PARAMETER_RANGE: dict[Method, tuple[int, int] | None] = {
    Method.HIGHEST: None,
    Method.LATEST: None,
    Method.AVERAGE: None,
    Method.N_MASTERY: (1, 10),
    Method.WEIGHTED_AVERAGE: (1, 99),
    Method.DECAYING_AVERAGE: (50, 99),
}


def method_from(method: Method | str) -> Method:
    """The ``Method`` for a value such as ``"decaying_average"``; a readable error otherwise."""
    try:
        return Method(method)
    except ValueError:
        choices = ", ".join(m.value for m in Method)
        raise CalculationError(
            f"“{method}” is not a calculation method. Choose one of: {choices}.",
            code="unknown_calculation_method",
            field="calculation_method",
        ) from None


def validate_parameter(method: Method | str, parameter: int | None) -> int | None:
    """The parameter the method will use: ``parameter`` itself, or the default when ``None``.

    Raises ``CalculationError`` when the value is outside the method's range, or when a method
    that takes no parameter is given one.
    """
    method = method_from(method)
    bounds = PARAMETER_RANGE[method]
    if bounds is None:
        if parameter is not None:
            raise CalculationError(
                f"The “{method.label}” method does not take a parameter; leave it empty.",
                code="calculation_parameter_not_allowed",
                field="calculation_parameter",
            )
        return None
    if parameter is None:
        return DEFAULT_PARAMETER[method]
    low, high = bounds
    name = _PARAMETER_NAMES[method]
    if isinstance(parameter, bool) or not isinstance(parameter, int):
        raise CalculationError(
            f"The {name} for “{method.label}” must be a whole number from {low} to {high}.",
            code="calculation_parameter_invalid",
            field="calculation_parameter",
        )
    if not low <= parameter <= high:
        raise CalculationError(
            f"The {name} for “{method.label}” must be from {low} to {high}; "
            f"{parameter} is outside that range.",
            code="calculation_parameter_out_of_range",
            field="calculation_parameter",
        )
    return parameter


def _round(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _mean(scores: Sequence[Decimal]) -> Decimal:
    return sum(scores, Decimal(0)) / len(scores)


def calculate(
    method: Method | str,
    scores: Sequence[Decimal],
    *,
    parameter: int | None = None,
    mastery_points: Decimal | None = None,
) -> Decimal | None:
    """The score ``method`` gives to ``scores`` (oldest → newest), rounded to two places.

    ``None`` means there is no score: no evidence yet, or (``n_mastery``) fewer than n scores
    at or above ``mastery_points``. ``mastery_points`` is required by ``n_mastery`` and ignored
    by the other methods.
    """
    method = method_from(method)
    effective = validate_parameter(method, parameter)
    if method is Method.N_MASTERY and mastery_points is None:
        raise CalculationError(
            "The “n number of times” method needs the scale's mastery level to count scores "
            "against; mark one level of the scale as mastery.",
            code="mastery_points_required",
        )
    if not scores:
        return None

    # A private context: the caller's global decimal context cannot change the arithmetic.
    with localcontext() as ctx:
        ctx.prec = 28
        ctx.rounding = ROUND_HALF_EVEN
        result = _calculate(method, scores, effective, mastery_points)
    return None if result is None else _round(result)


def _calculate(
    method: Method,
    scores: Sequence[Decimal],
    parameter: int | None,
    mastery_points: Decimal | None,
) -> Decimal | None:
    match method:
        case Method.HIGHEST:
            return max(scores)
        case Method.LATEST:
            return scores[-1]
        case Method.AVERAGE:
            return _mean(scores)
        case Method.N_MASTERY:
            assert parameter is not None and mastery_points is not None
            kept = [s for s in scores if s >= mastery_points]
            if len(kept) < parameter:
                return None
            return _mean(kept)
        case Method.WEIGHTED_AVERAGE:
            assert parameter is not None
            if len(scores) == 1:
                return scores[0]
            weight = Decimal(parameter) / _HUNDRED
            return weight * scores[-1] + (1 - weight) * _mean(scores[:-1])
        case Method.DECAYING_AVERAGE:
            assert parameter is not None
            weight = Decimal(parameter) / _HUNDRED
            decayed = scores[0]
            for score in scores[1:]:
                decayed = decayed * (1 - weight) + score * weight
            return decayed
    raise AssertionError(f"unhandled method {method!r}")  # pragma: no cover


@dataclass(frozen=True)
class Level:
    """One level of a mastery scale, e.g. 3 points, "Meets", the mastery level."""

    points: Decimal
    label: str
    is_mastery: bool
    id: int | None = None
    colour: str = ""


def mastery_level(levels: Sequence[Level]) -> Level | None:
    """The scale's mastery level; ``None`` when no level is marked as mastery.

    Raises ``CalculationError`` when more than one level is marked.
    """
    marked = [level for level in levels if level.is_mastery]
    if len(marked) > 1:
        raise CalculationError(
            "A scale can have only one mastery level; "
            f"{', '.join(level.label for level in marked)} are all marked as mastery.",
            code="several_mastery_levels",
        )
    return marked[0] if marked else None


def level_for(score: Decimal | None, levels: Sequence[Level]) -> Level | None:
    """The highest level whose points ``score`` reaches; ``None`` for no score or below all."""
    if score is None:
        return None
    reached = [level for level in levels if score >= level.points]
    if not reached:
        return None
    return max(reached, key=lambda level: level.points)


def is_mastered(level: Level | None, levels: Sequence[Level]) -> bool:
    """Whether ``level`` is at or above the scale's mastery level (compared by points)."""
    if level is None:
        return False
    target = mastery_level(levels)
    if target is None:
        return False
    return level.points >= target.points


@dataclass(frozen=True)
class Rollup:
    score: Decimal | None
    level: Level | None
    mastered: bool


def rollup(
    method: Method | str,
    scores: Sequence[Decimal],
    levels: Sequence[Level],
    *,
    parameter: int | None = None,
) -> Rollup:
    """Score, level and mastered for one student and competency, on the given scale."""
    target = mastery_level(levels)
    score = calculate(
        method,
        scores,
        parameter=parameter,
        mastery_points=None if target is None else target.points,
    )
    level = level_for(score, levels)
    return Rollup(score=score, level=level, mastered=is_mastered(level, levels))


def trend_is_down(scores: Sequence[Decimal], k: int) -> bool:
    """Whether the last ``k`` scores (oldest → newest) strictly decrease; ``k`` is at least 2.

    ``False`` when there are fewer than ``k`` scores.
    """
    if k < 2:
        raise CalculationError(
            f"A downward trend needs at least 2 scores to compare; {k} was given.",
            code="trend_length_too_short",
        )
    if len(scores) < k:
        return False
    recent = scores[-k:]
    return all(later < earlier for earlier, later in pairwise(recent))


# --- saying how a score came about -------------------------------------------------------------


def _num(value: Decimal) -> str:
    """2.00 → "2", 2.65 → "2.65": the way the grid shows scores."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _pct(parameter: int) -> str:
    return f"{parameter} %"


@dataclass(frozen=True)
class Explanation:
    """How ``rollup`` reached a score, in sentences a teacher can check by hand."""

    method: str  # "Decaying average, 65 %"
    rule: str  # what the method does, in one sentence
    steps: tuple[str, ...]  # the arithmetic on these scores (the last few for long histories)
    outcome: str  # the score and the level it falls in, and why
    omitted: int = 0  # earlier steps left out of ``steps``


def explain(
    method: Method | str,
    scores: Sequence[Decimal],
    levels: Sequence[Level],
    *,
    parameter: int | None = None,
    max_steps: int = 6,
) -> Explanation:
    """Say how ``rollup(method, scores, levels, parameter=...)`` came about (scores oldest →
    newest). Pure; the numbers are those ``calculate`` uses, each step rounded for display."""
    method = method_from(method)
    effective = validate_parameter(method, parameter)
    target = mastery_level(levels)
    result = rollup(method, scores, levels, parameter=parameter)
    name = method.label + (f", {_pct(effective)}" if effective is not None else "")
    if method is Method.N_MASTERY:
        name = f"{effective} times at mastery"
    listed = ", ".join(_num(s) for s in scores)
    steps: list[str] = []
    match method:
        case Method.HIGHEST:
            rule = "The highest score so far counts."
            if scores:
                steps.append(f"Highest of {listed}: {_num(max(scores))}.")
        case Method.LATEST:
            rule = "The most recent score counts; earlier ones do not."
            if scores:
                steps.append(f"Most recent of {listed}: {_num(scores[-1])}.")
        case Method.AVERAGE:
            rule = "Every score counts the same."
            if scores:
                total = sum(scores, Decimal(0))
                mean = _num(_round(total / len(scores)))
                steps.append(f"{listed}: {_num(total)} ÷ {len(scores)} = {mean}.")
        case Method.N_MASTERY:
            points = _num(target.points) if target else "?"
            rule = (
                f"Needs {effective} scores at or above mastery ({points}); "
                "then it is the average of those scores."
            )
            kept = [s for s in scores if target is not None and s >= target.points]
            steps.append(f"{len(kept)} of {len(scores)} scores are at or above {points}.")
            if result.score is not None:
                steps.append(f"Their average: {_num(result.score)}.")
        case Method.WEIGHTED_AVERAGE:
            assert effective is not None
            rule = (
                f"The most recent score counts {_pct(effective)}; the average of the earlier "
                f"ones {_pct(100 - effective)}."
            )
            if len(scores) == 1:
                steps.append(f"Only one score: {_num(scores[0])}.")
            elif scores:
                earlier = _round(_mean(scores[:-1]))
                steps.append(
                    f"{_num(scores[-1])} × {_pct(effective)} + {_num(earlier)} (average of "
                    f"{len(scores) - 1} earlier) × {_pct(100 - effective)}"
                    f" = {_num(result.score or Decimal(0))}."
                )
        case Method.DECAYING_AVERAGE:
            assert effective is not None
            rule = (
                f"Each new score counts {_pct(effective)} and the running score before it "
                f"{_pct(100 - effective)}, so older scores fade."
            )
            if scores:
                weight = Decimal(effective) / _HUNDRED
                decayed = scores[0]
                steps.append(f"Starts at the first score: {_num(scores[0])}.")
                for score in scores[1:]:
                    before = decayed
                    decayed = before * (1 - weight) + score * weight
                    steps.append(
                        f"Then {_num(score)}: {_num(_round(before))} × {_pct(100 - effective)} + "
                        f"{_num(score)} × {_pct(effective)} = {_num(_round(decayed))}."
                    )
    omitted = max(0, len(steps) - max_steps)
    if omitted:
        steps = steps[-max_steps:]
    if not scores:
        outcome = "No scores yet, so no level."
    elif result.score is None:
        outcome = "Not enough scores at mastery yet, so no score and no level."
    else:
        outcome = _outcome(result.score, result.level, levels, mastered=result.mastered)
    return Explanation(name, rule, tuple(steps), outcome, omitted)


def _outcome(
    score: Decimal, level: Level | None, levels: Sequence[Level], *, mastered: bool
) -> str:
    ordered = sorted(levels, key=lambda lv: lv.points)
    if level is None:
        lowest = ordered[0] if ordered else None
        below = f" below {_num(lowest.points)} ({lowest.label})" if lowest else ""
        return f"{_num(score)} is{below}: no level yet."
    above = [lv for lv in ordered if lv.points > level.points]
    bounds = f"at least {_num(level.points)}"
    if above:
        bounds += f" and below {_num(above[0].points)} ({above[0].label})"
    verdict = "mastered" if mastered else "not mastered yet"
    return f"{_num(score)} is {bounds}: {level.label}, {verdict}."
