"""How the demo school's students do: one ability profile per student and class (what
:mod:`mastery.demo`'s simulation of a term draws evidence scores with).

Plain data only (tuples, never sets), so the seeded random choices over it are the same on
every run.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- How students do: one ability profile per student and class ------------------------------


@dataclass(frozen=True)
class AbilityData:
    key: str
    weight: int  # how common it is
    start: float  # expected score at the start of the term, on the 1–4 scale
    change: float  # how much it moves by today
    growth: float  # how much each further attempt on the same target adds
    coverage: float  # chance a past target has any evidence
    ahead: tuple[int, ...]  # how many targets past the current one they work on (choices)


ABILITIES: tuple[AbilityData, ...] = (
    AbilityData("strong", 20, 3.35, 0.15, 0.3, 1.0, (0, 1, 2, 3)),
    AbilityData("steady", 38, 2.8, 0.25, 0.4, 0.97, (0, 0, 0, 1)),
    AbilityData("struggling", 15, 1.75, 0.25, 0.3, 0.8, (0,)),
    AbilityData("improving", 14, 1.9, 1.4, 0.3, 0.95, (0, 0, 1)),
    AbilityData("slipping", 13, 3.3, -1.3, 0.0, 0.9, (0,)),
)
SAME_ABILITY_IN_EVERY_CLASS = 0.7  # otherwise a class draws its own

# The login student (Sofia, grade 7): strong in math, steady in humanities, improving in science.
LOGIN_ABILITIES: dict[str, str] = {
    "Mathematics": "strong",
    "Humanities": "steady",
    "Science": "improving",
}
