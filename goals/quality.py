"""The goal-setting tool's checks: pure functions that point out what a goal is missing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MEASURABLE = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twice|once|every|each|daily|"
    r"weekly|times|percent|minutes|hours|pages|books|level|score|all)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Hint:
    field: str
    message: str


def goal_hints(
    *,
    title: str,
    success_criteria: str,
    target_date: dt.date | None,
    term_start: dt.date | None,
    term_end: dt.date | None,
    horizon: str,
    today: dt.date,
) -> list[Hint]:
    """What a SMART goal is still missing, as sentences a student can act on."""
    hints: list[Hint] = []
    if len(title.split()) < 3:
        hints.append(Hint("title", "Say what you will do in a few words, e.g. “Read 4 novels”."))
    if not success_criteria.strip():
        hints.append(Hint("success_criteria", "Add how you'll know you got there."))
    elif not MEASURABLE.search(success_criteria):
        hints.append(
            Hint(
                "success_criteria",
                "Make it measurable: a number, how often, or a level you'll reach.",
            )
        )
    if target_date is None:
        hints.append(Hint("target_date", "Pick a date to reach it by."))
    else:
        if target_date < today:
            hints.append(Hint("target_date", "The date has already passed."))
        if (
            horizon == "term"
            and term_start is not None
            and term_end is not None
            and not term_start <= target_date <= term_end
        ):
            hints.append(
                Hint(
                    "target_date",
                    f"A goal for this term should end by {term_end:%b %-d} "
                    f"(the term is {term_start:%b %-d} – {term_end:%b %-d}).",
                )
            )
    return hints
