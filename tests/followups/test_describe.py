"""Each rule's numbers read as a sentence a teacher understands at a glance."""

from __future__ import annotations

import pytest

from followups.describe import describe, describe_threshold
from followups.models import Rule
from tests.followups.support import MEASURED


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (
            Rule.BEHIND_PACE,
            "3 targets behind the pacing plan: expected 9 by today, mastered 6 (33 % behind)",
        ),
        (Rule.NO_RECENT_EVIDENCE, "No evidence for 12 school days; the last was on October 1"),
        (
            Rule.STALLED_GOALS,
            "2 active goals stalled: 1 past its target date, 1 without a check-in for 14 days",
        ),
        (
            Rule.SLIPPING,
            "Slipping in 2 targets: level dropped in MA.3; last 3 scores trending down in EN.1",
        ),
        (Rule.MANY_BELOW_APPROACHING, "4 targets below approaching (the school flags 3 or more)"),
        (
            Rule.CHRONIC_ABSENCE,
            "Attended 85 % of the last 20 school days (3 days absent); the school expects at "
            "least 90 %",
        ),
    ],
)
def test_each_rule_reads_in_plain_words(rule, words):
    measured, threshold = MEASURED[rule]
    assert describe(rule, measured, threshold) == words


def test_singulars_and_missing_evidence_read_naturally():
    assert (
        describe(
            Rule.NO_RECENT_EVIDENCE,
            {"school_days_without_evidence": 1, "last_evidence_on": None},
            {},
        )
        == "No evidence for 1 school day; none this term"
    )
    assert describe(
        Rule.CHRONIC_ABSENCE,
        {"attended_percent": 87.5, "absent_days": 1, "school_days": 8},
        {"percent": 90},
    ) == (
        "Attended 87.5 % of the last 8 school days (1 day absent); the school expects at least 90 %"
    )


def test_missing_keys_never_crash():
    for rule in Rule:
        assert describe(rule, {}, {})
        assert describe_threshold(rule, {}) is not None
    assert describe("unknown", {}, {}) == "Flagged by the scan"


def test_thresholds_in_words():
    assert describe_threshold(Rule.BEHIND_PACE, {"targets": 2, "percent": 25}) == (
        "Behind by 2 targets or 25 % of the plan"
    )
    assert describe_threshold(Rule.CHRONIC_ABSENCE, {"percent": 90, "school_days": 20}) == (
        "Attendance below 90 % over 20 school days"
    )


def test_the_growing_gap_the_score_trend_and_the_term_read_in_words():
    assert describe(
        Rule.BEHIND_PACE,
        {
            "expected": 20,
            "mastered": 12,
            "behind": 8,
            "percent_behind": 40,
            "recently_expected": 7,
            "recently_behind": 4,
        },
        {"targets": 3, "percent": 50, "recent_days": 10, "recent_targets": 3},
    ) == (
        "8 targets behind the pacing plan: expected 20 by today, mastered 12 (40 % behind); "
        "4 of the 7 due in the last 10 school days not mastered"
    )
    assert describe(
        Rule.SLIPPING,
        {
            "targets": 1,
            "dropped": ["MA.3"],
            "trending_down": [],
            "drop_percent": 15.5,
            "recent_score_percent": 80.2,
            "earlier_score_percent": 95.7,
            "recent_scores": 18,
        },
        {"scores": 3, "targets": 6, "drop_percent": 12, "recent_days": 10},
    ) == (
        "Recent scores 15.5 % of mastery below earlier this term (averaging 80.2 % of mastery "
        "over the last 10 school days, 95.7 % before); slipping in 1 target: level dropped in MA.3"
    )
    assert describe(
        Rule.CHRONIC_ABSENCE,
        {
            "attended_percent": 85.0,
            "absent_days": 3,
            "school_days": 20,
            "term_attended_percent": 87.5,
            "term_school_days": 40,
        },
        {"percent": 90, "school_days": 20, "min_days": 40},
    ) == (
        "Attended 85 % of the last 20 school days (3 days absent) and 87.5 % of the term's "
        "40 school days so far; the school expects at least 90 %"
    )
    assert describe_threshold(
        Rule.BEHIND_PACE, {"targets": 3, "percent": 50, "recent_days": 10, "recent_targets": 3}
    ) == (
        "Behind by 3 targets or 50 % of the plan, with 3 of the targets due in the last "
        "10 school days not mastered"
    )
    assert describe_threshold(
        Rule.SLIPPING, {"scores": 3, "targets": 6, "drop_percent": 12, "recent_days": 10}
    ) == (
        "Scores over the last 10 school days 12 % of mastery below earlier this term, or "
        "6 targets whose level dropped or whose last 3 scores trend down"
    )
    assert describe_threshold(
        Rule.CHRONIC_ABSENCE, {"percent": 90, "school_days": 20, "min_days": 40}
    ) == (
        "Attendance below 90 % over 20 school days and over the term so far (from its "
        "40 school days)"
    )
