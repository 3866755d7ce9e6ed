"""The risk rules at each threshold (just below, at, above), their severity, and properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followups import rules
from followups.models import Rule, Severity
from followups.rules import StudentFacts, Thresholds

# The rules' mechanics are specified at the first defaults (2 targets or 25 %, any one target
# slipping, no growing-gap condition); the growing gap, the score trend and attendance to date
# have their own tests below, and the tuned defaults are checked in
# test_tuned_defaults_match_the_policy.
T = Thresholds(
    behind_pace_targets=2,
    behind_pace_percent=25,
    behind_pace_recent_days=0,
    slipping_targets=1,
    stalled_goal_checkin_days=14,
)


def facts(**kwargs: object) -> StudentFacts:
    return StudentFacts(student_id=1, **kwargs)  # type: ignore[arg-type]


def attendance(days: int, absent: int, excused: int = 0, term_days: int = 40) -> StudentFacts:
    """The same rate over the window and over the term to date (``term_days`` days)."""
    missed = absent + excused
    return facts(
        attendance_school_days=days,
        absent_days=absent,
        excused_days=excused,
        term_school_days=term_days,
        term_missed_days=missed * term_days // days,
    )


# --- behind pace -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "mastered", "fires"),
    [
        (20, 19, False),  # 1 behind, 5 %: below both thresholds
        (20, 18, True),  # 2 behind: at the target threshold
        (20, 17, True),  # above
        (8, 7, False),  # 1 behind = 12.5 %: below 25 %
        (4, 3, True),  # 1 behind = 25 %: at the percent threshold
        (3, 2, True),  # 33 %: above
        (0, 0, False),  # nothing expected yet
        (5, 5, False),
    ],
)
def test_behind_pace_thresholds(expected: int, mastered: int, fires: bool) -> None:
    finding = rules.behind_pace(facts(expected=expected, mastered=mastered), T)
    assert (finding is not None) is fires


def test_behind_pace_numbers_and_severity() -> None:
    finding = rules.behind_pace(facts(expected=9, mastered=6), T)
    assert finding is not None
    assert finding.rule == Rule.BEHIND_PACE
    assert finding.measured == {
        "expected": 9,
        "mastered": 6,
        "behind": 3,
        "percent_behind": 33,
        "recently_expected": 0,
        "recently_behind": 0,
    }
    assert finding.threshold == {"targets": 2, "percent": 25, "recent_days": 0, "recent_targets": 3}
    assert finding.severity == Severity.MEDIUM  # 3 < 4 targets, 33 % < 50 %
    high = rules.behind_pace(facts(expected=20, mastered=16), T)  # 4 behind: twice 2
    assert high is not None and high.severity == Severity.HIGH
    high = rules.behind_pace(facts(expected=2, mastered=1), T)  # 50 %: twice 25 %
    assert high is not None and high.severity == Severity.HIGH


@pytest.mark.parametrize(
    ("recently_expected", "recently_behind", "fires"),
    [
        (7, 2, False),  # just below 3 of the targets due recently
        (7, 3, True),  # at
        (7, 4, True),  # above
        (2, 2, True),  # fewer than 3 came due: all of them
        (2, 1, False),
        (0, 0, False),  # nothing came due: the gap is not growing
    ],
)
def test_behind_pace_needs_a_growing_gap(
    recently_expected: int, recently_behind: int, fires: bool
) -> None:
    t = Thresholds()  # the defaults: 3 of the targets due in the last 10 school days
    student = facts(
        expected=20,
        mastered=12,
        recently_expected=recently_expected,
        recently_behind=recently_behind,
    )
    finding = rules.behind_pace(student, t)
    assert (finding is not None) is fires
    if finding is not None:
        assert finding.measured["recently_behind"] == recently_behind
        assert finding.threshold["recent_days"] == 10
    # Behind the plan is still needed: a growing gap alone does not fire.
    assert rules.behind_pace(facts(expected=20, mastered=19, recently_behind=1), t) is None


def test_behind_pace_off() -> None:
    off = Thresholds(behind_pace_enabled=False)
    assert rules.behind_pace(facts(expected=9, mastered=0), off) is None


# --- no recent evidence ------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "fires"), [(9, False), (10, True), (11, True)])
def test_no_recent_evidence_thresholds(days: int, fires: bool) -> None:
    finding = rules.no_recent_evidence(facts(school_days_without_evidence=days), T)
    assert (finding is not None) is fires


def test_no_recent_evidence_numbers_and_severity() -> None:
    finding = rules.no_recent_evidence(
        facts(school_days_without_evidence=12, last_evidence_on=dt.date(2026, 10, 1)), T
    )
    assert finding is not None
    assert finding.measured == {
        "school_days_without_evidence": 12,
        "last_evidence_on": "2026-10-01",
    }
    assert finding.threshold == {"school_days": 10}
    assert finding.severity == Severity.MEDIUM
    assert rules.no_recent_evidence(facts(school_days_without_evidence=19), T).severity == "medium"  # type: ignore[union-attr]
    assert rules.no_recent_evidence(facts(school_days_without_evidence=20), T).severity == "high"  # type: ignore[union-attr]
    never = rules.no_recent_evidence(facts(school_days_without_evidence=10), T)
    assert never is not None and never.measured["last_evidence_on"] is None


# --- stalled goals -----------------------------------------------------------------------------


def test_stalled_goals() -> None:
    assert rules.stalled_goals(facts(longest_without_checkin_days=13), T) is None
    finding = rules.stalled_goals(
        facts(
            past_target_date_goal_ids=(3,),
            without_checkin_goal_ids=(7, 3),
            longest_without_checkin_days=14,
        ),
        T,
    )
    assert finding is not None
    assert finding.measured == {
        "stalled": 2,
        "past_target_date": 1,
        "without_checkin": 2,
        "goal_ids": [3, 7],
    }
    assert finding.threshold == {"checkin_days": 14}
    assert finding.severity == Severity.HIGH  # two goals
    one = rules.stalled_goals(
        facts(without_checkin_goal_ids=(7,), longest_without_checkin_days=27), T
    )
    assert one is not None and one.severity == Severity.MEDIUM
    long = rules.stalled_goals(
        facts(without_checkin_goal_ids=(7,), longest_without_checkin_days=28), T
    )
    assert long is not None and long.severity == Severity.HIGH


# --- slipping ----------------------------------------------------------------------------------


def test_slipping() -> None:
    assert rules.slipping(facts(), T) is None
    finding = rules.slipping(facts(dropped=("MA.3",)), T)
    assert finding is not None
    assert finding.measured == {
        "targets": 1,
        "dropped": ["MA.3"],
        "trending_down": [],
        "drop_percent": None,
        "recent_score_percent": None,
        "earlier_score_percent": None,
        "recent_scores": 0,
    }
    assert finding.threshold == {"scores": 3, "targets": 1, "drop_percent": 12, "recent_days": 10}
    assert finding.severity == Severity.MEDIUM
    both = rules.slipping(facts(dropped=("MA.3",), trending_down=("EN.1", "MA.3")), T)
    assert both is not None and both.measured["targets"] == 2
    assert both.severity == Severity.HIGH
    assert rules.slipping(facts(dropped=("X",)), Thresholds(slipping_enabled=False)) is None


def trend(recent: float, earlier: float, n_recent: int = 20, n_earlier: int = 60) -> StudentFacts:
    return facts(
        recent_score_percent=recent,
        earlier_score_percent=earlier,
        recent_scores=n_recent,
        earlier_scores=n_earlier,
    )


@pytest.mark.parametrize(
    ("recent", "fires", "severity"),
    [
        (88.1, False, None),  # 11.9 % of mastery below the term's mean: just below 12
        (88.0, True, "medium"),  # at
        (80.0, True, "medium"),  # above
        (76.1, True, "medium"),
        (76.0, True, "high"),  # twice the drop
        (105.0, False, None),  # better than before
    ],
)
def test_slipping_by_the_students_score_trend(recent: float, fires: bool, severity: str) -> None:
    finding = rules.slipping(trend(recent, 100.0), Thresholds())
    assert (finding is not None) is fires
    if finding is not None:
        assert finding.severity == severity
        assert finding.measured["drop_percent"] == round(100.0 - recent, 1)
        assert finding.threshold["drop_percent"] == 12


def test_slipping_trend_needs_enough_scores_on_each_side() -> None:
    t = Thresholds()  # at least 10 scores in the recent window and before it
    assert rules.slipping(trend(60.0, 100.0, n_recent=9), t) is None
    assert rules.slipping(trend(60.0, 100.0, n_earlier=9), t) is None
    assert rules.slipping(trend(60.0, 100.0, n_recent=10, n_earlier=10), t) is not None
    assert rules.score_drop(facts(), t) is None  # no scores at all


# --- many below approaching --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("below", "fires", "severity"),
    [
        (2, False, None),
        (3, True, "medium"),
        (4, True, "medium"),
        (5, True, "medium"),
        (6, True, "high"),
    ],
)
def test_many_below_approaching_thresholds(below: int, fires: bool, severity: str | None) -> None:
    finding = rules.many_below_approaching(facts(below_approaching=below), T)
    assert (finding is not None) is fires
    if finding is not None:
        assert finding.severity == severity
        assert finding.measured == {"below": below}
        assert finding.threshold == {"targets": 3}


# --- chronic absence ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("absent", "excused", "fires", "severity"),
    [
        (1, 0, False, None),  # 95 %
        (2, 0, False, None),  # exactly 90 %: not *below* 90 %
        (3, 0, True, "medium"),  # 85 %
        (2, 1, True, "medium"),  # excused absences count against attendance
        (3, 0, True, "medium"),
        (4, 0, True, "high"),  # 80 %: twice the allowed shortfall
    ],
)
def test_chronic_absence_thresholds(
    absent: int, excused: int, fires: bool, severity: str | None
) -> None:
    finding = rules.chronic_absence(attendance(20, absent, excused), T)
    assert (finding is not None) is fires
    if finding is not None:
        assert finding.severity == severity


def test_chronic_absence_numbers_and_full_window() -> None:
    finding = rules.chronic_absence(attendance(20, 3), T)
    assert finding is not None
    assert finding.measured == {
        "attended_percent": 85.0,
        "absent_days": 3,
        "excused_days": 0,
        "school_days": 20,
        "term_attended_percent": 85.0,
        "term_missed_days": 6,
        "term_school_days": 40,
    }
    assert finding.threshold == {"percent": 90, "school_days": 20, "min_days": 40}
    # The first days of the year: not enough school days yet for the window.
    assert rules.chronic_absence(attendance(19, 10), T) is None


@pytest.mark.parametrize(
    ("term_days", "term_missed", "fires"),
    [
        (39, 20, False),  # the term has not had 40 school days yet
        (40, 4, False),  # exactly 90 % to date: not below
        (40, 5, True),  # 87.5 % to date
        (60, 7, True),
    ],
)
def test_chronic_absence_also_over_the_term_to_date(
    term_days: int, term_missed: int, fires: bool
) -> None:
    # Below 90 % over the last 20 school days in every case (3 missed).
    student = facts(
        attendance_school_days=20,
        absent_days=3,
        term_school_days=term_days,
        term_missed_days=term_missed,
    )
    assert (rules.chronic_absence(student, Thresholds()) is not None) is fires
    # ... and attending again now clears it, whatever the term's rate.
    recovered = facts(
        attendance_school_days=20, absent_days=1, term_school_days=60, term_missed_days=20
    )
    assert rules.chronic_absence(recovered, Thresholds()) is None


# --- properties --------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=60)


@given(expected=counts, mastered=counts, targets=st.integers(1, 100), percent=st.integers(1, 100))
def test_behind_pace_is_the_issue_definition(
    expected: int, mastered: int, targets: int, percent: int
) -> None:
    t = Thresholds(
        behind_pace_targets=targets, behind_pace_percent=percent, behind_pace_recent_days=0
    )
    behind = max(expected - min(mastered, expected), 0)
    finding = rules.behind_pace(facts(expected=expected, mastered=min(mastered, expected)), t)
    fires = behind > 0 and (behind >= targets or behind / expected >= percent / 100)
    assert (finding is not None) is fires
    if finding is not None:
        assert finding.measured["behind"] == behind
        high = behind >= 2 * targets or behind / expected >= 2 * percent / 100
        assert (finding.severity == Severity.HIGH) is high


@given(days=st.integers(5, 200), missed=st.integers(0, 200), percent=st.integers(1, 100))
def test_chronic_absence_fires_exactly_below_the_minimum(
    days: int, missed: int, percent: int
) -> None:
    missed = min(missed, days)
    t = Thresholds(
        attendance_min_percent=percent, attendance_school_days=days, attendance_min_days=days
    )
    student = facts(
        attendance_school_days=days,
        absent_days=missed,
        term_school_days=days,
        term_missed_days=missed,
    )
    finding = rules.chronic_absence(student, t)
    assert (finding is not None) is ((days - missed) / days < percent / 100)


@given(
    a=st.integers(0, 30),
    b=st.integers(0, 30),
    threshold=st.integers(1, 30),
)
def test_counting_rules_are_monotone(a: int, b: int, threshold: int) -> None:
    """More of the bad thing never turns a firing rule off."""
    low, high = sorted((a, b))
    t = Thresholds(no_evidence_school_days=threshold, below_approaching_targets=threshold)
    for make, rule in (
        (lambda n: facts(school_days_without_evidence=n), rules.no_recent_evidence),
        (lambda n: facts(below_approaching=n), rules.many_below_approaching),
    ):
        if rule(make(low), t) is not None:
            assert rule(make(high), t) is not None
        assert (rule(make(high), t) is not None) is (high >= threshold)


def test_evaluate_all_rules_and_thresholds_of_a_policy() -> None:
    from followups.models import RiskPolicy

    policy = RiskPolicy(behind_pace_targets=5, slipping_scores=4)
    t = Thresholds.of(policy)
    assert t.behind_pace_targets == 5 and t.slipping_scores == 4 and t.attendance_min_percent == 90
    everything = facts(
        expected=10,
        mastered=0,
        recently_expected=4,
        recently_behind=4,
        school_days_without_evidence=30,
        past_target_date_goal_ids=(1,),
        dropped=("A", "B", "C", "D", "E", "F"),
        below_approaching=9,
        attendance_school_days=20,
        absent_days=10,
        term_school_days=40,
        term_missed_days=20,
    )
    assert [f.rule for f in rules.evaluate(everything, t)] == list(Rule)
    assert rules.evaluate(facts(), t) == []


def test_slipping_needs_the_policys_number_of_targets_at_once() -> None:
    t = Thresholds(slipping_targets=3)
    assert rules.slipping(facts(dropped=("A",), trending_down=("B",)), t) is None
    finding = rules.slipping(facts(dropped=("A", "C"), trending_down=("B",)), t)
    assert finding is not None
    assert finding.severity == Severity.MEDIUM
    assert finding.threshold == {"scores": 3, "targets": 3, "drop_percent": 12, "recent_days": 10}
    six = facts(dropped=("A", "B", "C"), trending_down=("D", "E", "F"))
    assert rules.slipping(six, t).severity == Severity.HIGH  # type: ignore[union-attr]


def test_tuned_defaults_match_the_policy() -> None:
    from followups.models import RiskPolicy

    policy = RiskPolicy()
    assert Thresholds.of(policy) == Thresholds()
    assert (policy.behind_pace_targets, policy.behind_pace_percent) == (3, 50)
    assert (policy.behind_pace_grace_days, policy.slipping_targets) == (5, 6)
    assert (policy.behind_pace_recent_days, policy.behind_pace_recent_targets) == (10, 3)
    assert (policy.slipping_drop_percent, policy.slipping_min_scores) == (12, 10)
    assert policy.slipping_recent_days == 10
    assert (policy.attendance_school_days, policy.attendance_min_days) == (20, 40)
    assert policy.stalled_goal_checkin_days == 28
