"""The numbers behind a flag in plain words, for the queue, the student page and the digest.

Reads the ``measured`` and ``threshold`` keys the scan writes (the followups contract); a key
that is missing reads as nothing rather than a crash, so an older flag still shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Flag, Rule


def _n(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _percent(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "?"
    return f"{number:.0f}" if number == int(number) else f"{number:.1f}"


def _day(value: Any) -> str:
    if not value:
        return ""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return ""
    return f"{day:%B} {day.day}"


def describe(rule: str, measured: dict[str, Any], threshold: dict[str, Any]) -> str:
    """One sentence with the measured numbers, e.g. "3 targets behind the pacing plan:
    expected 9 by today, mastered 6"."""
    m, t = measured or {}, threshold or {}
    if rule == Rule.BEHIND_PACE:
        behind = _n(m.get("behind"))
        growing = ""
        if m.get("recently_expected"):
            growing = (
                f"; {_n(m.get('recently_behind'))} of the {_n(m.get('recently_expected'))}"
                f" due in the last {_plural(_n(t.get('recent_days')), 'school day')}"
                " not mastered"
            )
        return (
            f"{_plural(behind, 'target')} behind the pacing plan: expected {_n(m.get('expected'))}"
            f" by today, mastered {_n(m.get('mastered'))}"
            f" ({_n(m.get('percent_behind'))} % behind){growing}"
        )
    if rule == Rule.NO_RECENT_EVIDENCE:
        days = _n(m.get("school_days_without_evidence"))
        last = _day(m.get("last_evidence_on"))
        since = f"; the last was on {last}" if last else "; none this term"
        return f"No evidence for {_plural(days, 'school day')}{since}"
    if rule == Rule.STALLED_GOALS:
        stalled = _n(m.get("stalled"))
        parts = []
        if _n(m.get("past_target_date")):
            parts.append(f"{_n(m.get('past_target_date'))} past its target date")
        if _n(m.get("without_checkin")):
            parts.append(
                f"{_n(m.get('without_checkin'))} without a check-in for "
                f"{_plural(_n(t.get('checkin_days')), 'day')}"
            )
        detail = f": {', '.join(parts)}" if parts else ""
        return f"{_plural(stalled, 'active goal')} stalled{detail}"
    if rule == Rule.SLIPPING:
        dropped = [str(c) for c in m.get("dropped") or []]
        trending = [str(c) for c in m.get("trending_down") or []]
        parts = []
        if dropped:
            parts.append(f"level dropped in {', '.join(dropped)}")
        if trending:
            parts.append(
                f"last {_n(t.get('scores'))} scores trending down in {', '.join(trending)}"
            )
        detail = f": {'; '.join(parts)}" if parts else ""
        drop = m.get("drop_percent")
        if (
            drop is not None
            and _n(t.get("drop_percent"))
            and float(drop) >= _n(t.get("drop_percent"))
        ):
            trend = (
                f"Recent scores {_percent(drop)} % of mastery below earlier this term"
                f" (averaging {_percent(m.get('recent_score_percent'))} % of mastery over the last"
                f" {_plural(_n(t.get('recent_days')), 'school day')},"
                f" {_percent(m.get('earlier_score_percent'))} % before)"
            )
            return f"{trend}; slipping in {_plural(_n(m.get('targets')), 'target')}{detail}"
        return f"Slipping in {_plural(_n(m.get('targets')), 'target')}{detail}"
    if rule == Rule.MANY_BELOW_APPROACHING:
        below = _n(m.get("below"))
        return (
            f"{_plural(below, 'target')} below approaching "
            f"(the school flags {_n(t.get('targets'))} or more)"
        )
    if rule == Rule.CHRONIC_ABSENCE:
        days = _n(m.get("school_days"))
        term = ""
        if m.get("term_school_days"):
            term = (
                f" and {_percent(m.get('term_attended_percent'))} % of the term's "
                f"{_plural(_n(m.get('term_school_days')), 'school day')} so far"
            )
        return (
            f"Attended {_percent(m.get('attended_percent'))} % of the last "
            f"{_plural(days, 'school day')} ({_plural(_n(m.get('absent_days')), 'day')} absent)"
            f"{term}; the school expects at least {_n(t.get('percent'))} %"
        )
    return "Flagged by the scan"


def describe_threshold(rule: str, threshold: dict[str, Any]) -> str:
    """What the school's policy says fires the rule, in words."""
    t = threshold or {}
    if rule == Rule.BEHIND_PACE:
        growing = ""
        if _n(t.get("recent_days")):
            growing = (
                f", with {_n(t.get('recent_targets'))} of the targets due in the last "
                f"{_plural(_n(t.get('recent_days')), 'school day')} not mastered"
            )
        return (
            f"Behind by {_plural(_n(t.get('targets')), 'target')} or "
            f"{_n(t.get('percent'))} % of the plan{growing}"
        )
    if rule == Rule.NO_RECENT_EVIDENCE:
        return f"No evidence for {_plural(_n(t.get('school_days')), 'school day')}"
    if rule == Rule.STALLED_GOALS:
        return (
            f"A goal past its date, or no check-in for {_plural(_n(t.get('checkin_days')), 'day')}"
        )
    if rule == Rule.SLIPPING:
        targets = (
            f"{_plural(_n(t.get('targets')), 'target')} whose level dropped or whose last "
            f"{_n(t.get('scores'))} scores trend down"
        )
        if _n(t.get("drop_percent")):
            return (
                f"Scores over the last {_plural(_n(t.get('recent_days')), 'school day')} "
                f"{_n(t.get('drop_percent'))} % of mastery below earlier this term, or {targets}"
            )
        return f"A level dropped, or the last {_n(t.get('scores'))} scores trend down"
    if rule == Rule.MANY_BELOW_APPROACHING:
        return f"{_plural(_n(t.get('targets')), 'target')} or more below approaching"
    if rule == Rule.CHRONIC_ABSENCE:
        term = ""
        if _n(t.get("min_days")):
            term = (
                " and over the term so far (from its "
                f"{_plural(_n(t.get('min_days')), 'school day')})"
            )
        return (
            f"Attendance below {_n(t.get('percent'))} % over "
            f"{_plural(_n(t.get('school_days')), 'school day')}{term}"
        )
    return ""


def flag_sentence(flag: Flag) -> str:
    return describe(flag.rule, flag.measured, flag.threshold)
