"""goal_hints: what the goal-setting tool tells a student their goal is still missing."""

from __future__ import annotations

import datetime as dt

import pytest

from goals.quality import Hint, goal_hints

TODAY = dt.date(2026, 10, 5)
TERM_START = dt.date(2026, 8, 24)
TERM_END = dt.date(2027, 1, 22)

TITLE_HINT = Hint("title", "Say what you will do in a few words, e.g. “Read 4 novels”.")
NO_CRITERIA = Hint("success_criteria", "Add how you'll know you got there.")
NOT_MEASURABLE = Hint(
    "success_criteria", "Make it measurable: a number, how often, or a level you'll reach."
)
NO_DATE = Hint("target_date", "Pick a date to reach it by.")
PAST_DATE = Hint("target_date", "The date has already passed.")
OUTSIDE_TERM = Hint(
    "target_date", "A goal for this term should end by Jan 22 (the term is Aug 24 – Jan 22)."
)


def hints(**overrides: object) -> list[Hint]:
    """The hints for a good SMART goal with some of its parts changed."""
    goal: dict[str, object] = {
        "title": "Read 4 novels this term",
        "success_criteria": "I log 4 finished novels in my reading journal",
        "target_date": dt.date(2026, 12, 18),
        "term_start": TERM_START,
        "term_end": TERM_END,
        "horizon": "term",
        "today": TODAY,
    }
    goal.update(overrides)
    return goal_hints(**goal)  # type: ignore[arg-type]


def test_a_smart_goal_gets_no_hints():
    assert hints() == []


@pytest.mark.parametrize("title", ["Reading", "Read more", "  Read   more  ", ""])
def test_a_title_of_fewer_than_three_words_is_too_short(title):
    assert hints(title=title) == [TITLE_HINT]


def test_three_words_are_enough_for_a_title():
    assert hints(title="Read 4 novels") == []


@pytest.mark.parametrize("criteria", ["", "   \n  "])
def test_a_goal_without_success_criteria_asks_how_you_will_know(criteria):
    assert hints(success_criteria=criteria) == [NO_CRITERIA]


@pytest.mark.parametrize(
    "criteria",
    [
        "I get better at reading",
        "I feel more confident speaking up in class",
        "My teacher says I improved",
    ],
)
def test_success_criteria_without_a_measure_ask_for_one(criteria):
    assert hints(success_criteria=criteria) == [NOT_MEASURABLE]


@pytest.mark.parametrize(
    "criteria",
    [
        "read 4 books",
        "I practise every week",
        "score 3 on the rubric",
        "Read twenty pages each night",
        "Practise for 20 minutes daily",
        "Hand in all my homework",
        "Reach level three on the fluency check",
        "Speak up in class twice a week",
        "Get 80 percent on the quiz",
        "READ FOUR BOOKS",
    ],
)
def test_success_criteria_with_a_number_a_frequency_or_a_level_are_measurable(criteria):
    assert hints(success_criteria=criteria) == []


def test_measure_words_count_only_as_whole_words():
    # "tall" contains "all", "scored" contains "score", "everyone" contains "every".
    assert hints(success_criteria="I scored a goal and everyone was tall") == [NOT_MEASURABLE]


def test_a_goal_without_a_date_asks_for_one():
    assert hints(target_date=None) == [NO_DATE]


def test_a_date_in_the_past_is_pointed_out():
    assert hints(target_date=dt.date(2026, 10, 4)) == [PAST_DATE]


def test_today_is_not_in_the_past():
    assert hints(target_date=TODAY) == []


@pytest.mark.parametrize("target", [dt.date(2027, 1, 23), dt.date(2027, 6, 1)])
def test_a_term_goal_ending_after_the_term_is_pointed_out(target):
    assert hints(target_date=target) == [OUTSIDE_TERM]


@pytest.mark.parametrize("target", [TERM_START, TERM_END])
def test_the_terms_first_and_last_days_are_inside_the_term(target):
    assert hints(target_date=target, today=TERM_START) == []


def test_a_past_date_before_the_term_gets_both_date_hints():
    assert hints(target_date=dt.date(2026, 8, 1)) == [PAST_DATE, OUTSIDE_TERM]


@pytest.mark.parametrize("horizon", ["year", "longer"])
def test_a_goal_for_the_year_or_longer_may_end_after_the_term(horizon):
    assert hints(horizon=horizon, target_date=dt.date(2027, 6, 1)) == []


def test_without_a_current_term_there_is_no_term_hint():
    assert hints(term_start=None, term_end=None, target_date=dt.date(2027, 6, 1)) == []


def test_every_missing_part_is_hinted_in_the_order_of_the_form():
    assert hints(title="Reading", success_criteria="", target_date=None) == [
        TITLE_HINT,
        NO_CRITERIA,
        NO_DATE,
    ]
