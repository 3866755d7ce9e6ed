"""The six risk rules as pure functions: plain facts about one student and a school's thresholds
in, a finding (severity, the numbers measured, the threshold that fired) or ``None`` out.

Nothing here touches the ORM: :mod:`followups.facts` computes the facts for every student of a
school in a few queries, :mod:`followups.scan` turns findings into flags.

When each rule fires ("at" the threshold counts, except for attendance, which must fall *below*
the minimum):

- behind pace: ``behind >= targets`` or ``behind / expected >= percent %`` (and behind > 0),
  and the gap is growing: at least ``recent_targets`` of the targets that came due in the last
  ``recent_days`` school days are not mastered (all of them when fewer came due; 0 days: no
  such condition);
- no recent evidence: at least ``school_days`` school days without evidence;
- stalled goals: at least one active goal past its target date, or without a check-in for at
  least ``checkin_days`` days;
- slipping: the mean of the student's scores in the last ``slipping_recent_days`` school days is
  at least ``slipping_drop_percent`` % (of the mastery level) below their mean earlier in the
  term, with at least ``slipping_min_scores`` scores on each side; or at least
  ``slipping_targets`` targets at once whose level dropped with its latest score, or whose last
  ``k`` scores strictly decrease;
- many below approaching: at least ``targets`` targets whose level is below "approaching";
- chronic absence: attendance below ``percent`` % both over a full window of the last
  ``school_days`` school days and over the term to date, once the term has ``min_days`` school
  days (the usual "missed 10 % of the days enrolled", with a minimum of days).

Severity is "high" when the measure is at least twice as far past the threshold: twice the
targets or twice the share behind, twice the days, twice the targets; for attendance the
shortfall below 100 % is at least twice the allowed one (90 % → at most 80 % attended, the
usual "severe chronic absence"); stalled goals are high with two or more goals, slipping with
twice the targets or twice the drop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .models import Rule, Severity


@dataclass(frozen=True)
class Thresholds:
    """A school's :class:`~followups.models.RiskPolicy`, as plain values."""

    behind_pace_enabled: bool = True
    behind_pace_targets: int = 3
    behind_pace_percent: int = 50
    behind_pace_grace_days: int = 5
    behind_pace_recent_days: int = 10
    behind_pace_recent_targets: int = 3
    no_evidence_enabled: bool = True
    no_evidence_school_days: int = 10
    stalled_goals_enabled: bool = True
    stalled_goal_checkin_days: int = 28
    slipping_enabled: bool = True
    slipping_scores: int = 3
    slipping_targets: int = 6
    slipping_recent_days: int = 10
    slipping_drop_percent: int = 12
    slipping_min_scores: int = 10
    below_approaching_enabled: bool = True
    below_approaching_targets: int = 3
    chronic_absence_enabled: bool = True
    attendance_min_percent: int = 90
    attendance_school_days: int = 20
    attendance_min_days: int = 40

    @classmethod
    def of(cls, policy: Any) -> Thresholds:
        """The thresholds of a ``RiskPolicy`` (or anything with the same attributes)."""
        return cls(**{name: getattr(policy, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class StudentFacts:
    """What the scan knows about one student as of a date (see :mod:`followups.facts`)."""

    student_id: int
    # behind pace: pacing targets expected by the date, and how many of those are mastered
    expected: int = 0
    mastered: int = 0
    # ... of those, the targets that came due in the recent window, and how many are not mastered
    recently_expected: int = 0
    recently_behind: int = 0
    # no recent evidence: school days (of the current term) since the last evidence
    school_days_without_evidence: int = 0
    last_evidence_on: dt.date | None = None
    # stalled goals
    past_target_date_goal_ids: tuple[int, ...] = ()
    without_checkin_goal_ids: tuple[int, ...] = ()
    longest_without_checkin_days: int = 0
    # slipping: competency codes
    dropped: tuple[str, ...] = ()
    trending_down: tuple[str, ...] = ()
    # slipping, the student's trend: how many scores, and their mean as a percentage of the
    # mastery level, in the recent window and earlier in the term (None without scores)
    recent_scores: int = 0
    recent_score_percent: float | None = None
    earlier_scores: int = 0
    earlier_score_percent: float | None = None
    # many below approaching
    below_approaching: int = 0
    # chronic absence: the window's school days, and the days missed (absent or excused)
    attendance_school_days: int = 0
    absent_days: int = 0
    excused_days: int = 0
    # ... and over the term(s) in progress, up to the date
    term_school_days: int = 0
    term_missed_days: int = 0


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Severity
    measured: dict[str, Any]
    threshold: dict[str, Any]


def _severity(high: bool) -> Severity:
    return Severity.HIGH if high else Severity.MEDIUM


def behind_pace(facts: StudentFacts, t: Thresholds) -> Finding | None:
    expected = facts.expected
    behind = max(expected - facts.mastered, 0)
    if not t.behind_pace_enabled or behind == 0 or expected == 0:
        return None
    by_targets = behind >= t.behind_pace_targets
    by_percent = behind * 100 >= t.behind_pace_percent * expected
    if not (by_targets or by_percent):
        return None
    # ... and the gap is growing: of the targets that came due in the recent window, at least
    # ``recent_targets`` (or all of them, when fewer came due) are not mastered.
    if t.behind_pace_recent_days and (
        facts.recently_behind == 0
        or facts.recently_behind < min(t.behind_pace_recent_targets, facts.recently_expected)
    ):
        return None
    high = behind >= 2 * t.behind_pace_targets or behind * 100 >= 2 * t.behind_pace_percent * (
        expected
    )
    return Finding(
        Rule.BEHIND_PACE,
        _severity(high),
        {
            "expected": expected,
            "mastered": facts.mastered,
            "behind": behind,
            "percent_behind": behind * 100 // expected,
            "recently_expected": facts.recently_expected,
            "recently_behind": facts.recently_behind,
        },
        {
            "targets": t.behind_pace_targets,
            "percent": t.behind_pace_percent,
            "recent_days": t.behind_pace_recent_days,
            "recent_targets": t.behind_pace_recent_targets,
        },
    )


def no_recent_evidence(facts: StudentFacts, t: Thresholds) -> Finding | None:
    days = facts.school_days_without_evidence
    if not t.no_evidence_enabled or days < t.no_evidence_school_days:
        return None
    return Finding(
        Rule.NO_RECENT_EVIDENCE,
        _severity(days >= 2 * t.no_evidence_school_days),
        {
            "school_days_without_evidence": days,
            "last_evidence_on": (
                facts.last_evidence_on.isoformat() if facts.last_evidence_on else None
            ),
        },
        {"school_days": t.no_evidence_school_days},
    )


def stalled_goals(facts: StudentFacts, t: Thresholds) -> Finding | None:
    goal_ids = sorted(set(facts.past_target_date_goal_ids) | set(facts.without_checkin_goal_ids))
    if not t.stalled_goals_enabled or not goal_ids:
        return None
    high = len(goal_ids) >= 2 or facts.longest_without_checkin_days >= 2 * (
        t.stalled_goal_checkin_days
    )
    return Finding(
        Rule.STALLED_GOALS,
        _severity(high),
        {
            "stalled": len(goal_ids),
            "past_target_date": len(facts.past_target_date_goal_ids),
            "without_checkin": len(facts.without_checkin_goal_ids),
            "goal_ids": goal_ids,
        },
        {"checkin_days": t.stalled_goal_checkin_days},
    )


def score_drop(facts: StudentFacts, t: Thresholds) -> float | None:
    """How far (in % of the mastery level) the mean of the recent scores is below the mean of
    the earlier ones this term; ``None`` without ``slipping_min_scores`` scores on each side."""
    recent, earlier = facts.recent_score_percent, facts.earlier_score_percent
    if recent is None or earlier is None:
        return None
    if min(facts.recent_scores, facts.earlier_scores) < max(t.slipping_min_scores, 1):
        return None
    return round(earlier - recent, 1)


def slipping(facts: StudentFacts, t: Thresholds) -> Finding | None:
    if not t.slipping_enabled:
        return None
    codes = set(facts.dropped) | set(facts.trending_down)
    drop = score_drop(facts, t)
    by_trend = drop is not None and drop >= t.slipping_drop_percent
    by_targets = len(codes) >= t.slipping_targets
    if not (by_trend or by_targets):
        return None
    high = len(codes) >= 2 * t.slipping_targets or (
        drop is not None and drop >= 2 * t.slipping_drop_percent
    )
    return Finding(
        Rule.SLIPPING,
        _severity(high),
        {
            "targets": len(codes),
            "dropped": sorted(facts.dropped),
            "trending_down": sorted(facts.trending_down),
            "drop_percent": drop,
            "recent_score_percent": facts.recent_score_percent,
            "earlier_score_percent": facts.earlier_score_percent,
            "recent_scores": facts.recent_scores,
        },
        {
            "scores": t.slipping_scores,
            "targets": t.slipping_targets,
            "drop_percent": t.slipping_drop_percent,
            "recent_days": t.slipping_recent_days,
        },
    )


def many_below_approaching(facts: StudentFacts, t: Thresholds) -> Finding | None:
    below = facts.below_approaching
    if not t.below_approaching_enabled or below < t.below_approaching_targets:
        return None
    return Finding(
        Rule.MANY_BELOW_APPROACHING,
        _severity(below >= 2 * t.below_approaching_targets),
        {"below": below},
        {"targets": t.below_approaching_targets},
    )


def chronic_absence(facts: StudentFacts, t: Thresholds) -> Finding | None:
    days = facts.attendance_school_days
    missed = min(facts.absent_days + facts.excused_days, days)
    if not t.chronic_absence_enabled or days < t.attendance_school_days or days == 0:
        return None
    attended = days - missed
    # attended / days < percent / 100, in integers: over the recent window ...
    if attended * 100 >= t.attendance_min_percent * days:
        return None
    # ... and over the term to date, once it has ``attendance_min_days`` school days
    term_days = facts.term_school_days
    term_missed = min(facts.term_missed_days, term_days)
    if term_days < max(t.attendance_min_days, 1):
        return None
    if (term_days - term_missed) * 100 >= t.attendance_min_percent * term_days:
        return None
    # missed / days >= 2 * (100 - percent) / 100
    high = missed * 100 >= 2 * (100 - t.attendance_min_percent) * days
    return Finding(
        Rule.CHRONIC_ABSENCE,
        _severity(high),
        {
            "attended_percent": round(attended * 100 / days, 1),
            "absent_days": missed,
            "excused_days": facts.excused_days,
            "school_days": days,
            "term_attended_percent": round((term_days - term_missed) * 100 / term_days, 1),
            "term_missed_days": term_missed,
            "term_school_days": term_days,
        },
        {
            "percent": t.attendance_min_percent,
            "school_days": t.attendance_school_days,
            "min_days": t.attendance_min_days,
        },
    )


RULES = (
    behind_pace,
    no_recent_evidence,
    stalled_goals,
    slipping,
    many_below_approaching,
    chronic_absence,
)


def evaluate(facts: StudentFacts, thresholds: Thresholds) -> list[Finding]:
    """Every rule that fires for this student, in the order of :class:`Rule`."""
    return [f for rule in RULES if (f := rule(facts, thresholds)) is not None]
