"""The material of the demo school's goals, read from ``goals.json`` beside this file:
templates, goal ideas in the students' own words, the login student's goals, the phrases
check-ins and comments are written with, and the shares the term's simulation draws with.

JSON lists are read as tuples (never sets), so the seeded random choices over them are the same
on every run. :mod:`goals.demo` turns them into rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.demo import demo_json

_DATA: dict[str, Any] = demo_json(__file__, "goals.json")

# Goal categories, and the voices check-ins are written in (a reading goal's check-ins talk
# about reading): the keys of the phrase pools in goals.json.
LITERACY, NUMERACY, SOCIAL_EMOTIONAL, PERSONAL = (
    "Literacy",
    "Numeracy",
    "Social-emotional",
    "Personal",
)
READING, WRITING, MATH, SOCIAL, HABIT = "reading", "writing", "math", "social", "habit"


@dataclass(frozen=True)
class TemplateData:
    name: str
    category: str  # "" for none
    prompts: tuple[str, ...]
    example_title: str
    example_criteria: str


@dataclass(frozen=True)
class GoalIdea:
    """What students write (``{n}`` is filled with one of ``numbers``)."""

    key: str
    category: str
    title: str
    criteria: str
    numbers: tuple[int, ...]
    whys: tuple[str, ...]
    steps: tuple[str, ...]  # in the order they happen; a goal takes 2–4 of them
    first_title: str  # a vaguer first version: what gets returned, or revised later
    first_criteria: str
    horizon: str = "term"


@dataclass(frozen=True)
class SuggestionData:
    key: str
    category: str
    title: str
    criteria: str
    why: str  # the teacher's words
    steps: tuple[str, ...]


def voice_of(category: str, key: str) -> str:
    return WRITING if key in WRITING_GOALS else VOICES.get(category, HABIT)


RANDOM_SEED: int = _DATA["random_seed"]
CATEGORIES: tuple[str, ...] = _DATA["categories"]
CHECKIN_NUDGE_DAYS: int = _DATA["checkin_nudge_days"]
SMART_TEMPLATE: str = _DATA["smart_template"]
TEMPLATES: tuple[TemplateData, ...] = tuple(TemplateData(**x) for x in _DATA["templates"])
IDEAS: tuple[GoalIdea, ...] = tuple(GoalIdea(**x) for x in _DATA["ideas"])
# Goals tied to the student's math targets: progress comes from their mastery.
LINKED_TITLE: str = _DATA["linked_title"]
LINKED_CRITERIA: str = _DATA["linked_criteria"]
LINKED_FIRST: tuple[str, str] = _DATA["linked_first"]
LINKED_WHYS: tuple[str, ...] = _DATA["linked_whys"]
LINKED_STEPS: tuple[str, ...] = _DATA["linked_steps"]
NUMBER_WORDS: dict[int, str] = {int(k): x for k, x in _DATA["number_words"].items()}
SUGGESTIONS: tuple[SuggestionData, ...] = tuple(SuggestionData(**x) for x in _DATA["suggestions"])
LOGIN_SUGGESTION: str = _DATA["login_suggestion"]  # the one Ms. Rivera suggests to Sofia
# The login student's goals (Sofia Martinez, grade 7).
LOGIN_LITERACY = GoalIdea(**_DATA["login_literacy"])
LOGIN_LITERACY_PROGRESS: int = _DATA["login_literacy_progress"]  # where the reading goal is now
# Her first check-ins on it (what helped, what got in the way, next step), oldest first.
LOGIN_LITERACY_CHECKINS: tuple[tuple[str, str, str], ...] = _DATA["login_literacy_checkins"]
LOGIN_ACHIEVED = GoalIdea(**_DATA["login_achieved"])
LOGIN_ACHIEVED_REFLECTION: str = _DATA["login_achieved_reflection"]
LOGIN_NUMERACY_WHY: str = _DATA["login_numeracy_why"]
LOGIN_NUMERACY_STEPS: tuple[str, ...] = _DATA["login_numeracy_steps"]
# Comments on the login student's goals: (goal key, who, kind, body); who is "advisor",
# "parent" (the login parent), "student" or "humanities" (the Humanities teacher).
LOGIN_COMMENTS: tuple[tuple[str, str, str, str], ...] = _DATA["login_comments"]
VOICES: dict[str, str] = _DATA["voices"]  # category -> voice
WRITING_GOALS: tuple[str, ...] = _DATA["writing_goals"]  # ideas written in the writing voice
# Check-ins: what the students write, by voice.
HELPED: dict[str, tuple[str, ...]] = _DATA["helped"]
IN_THE_WAY: dict[str, tuple[str, ...]] = _DATA["in_the_way"]
STALLED: tuple[str, ...] = _DATA["stalled"]
NEXT_STEP: dict[str, tuple[str, ...]] = _DATA["next_step"]
# Reflections on closed goals, and why a suggestion was declined.
ACHIEVED: dict[str, tuple[str, ...]] = _DATA["achieved"]
NOT_MET: tuple[str, ...] = _DATA["not_met"]
SET_ASIDE: tuple[str, ...] = _DATA["set_aside"]
DECLINED: tuple[str, ...] = _DATA["declined"]
# Comments: teachers', families' and the students' replies.
APPROVED_COMMENTS: tuple[str, ...] = _DATA["approved_comments"]
RETURN_COMMENTS: tuple[str, ...] = _DATA["return_comments"]
ADVISOR_COMMENTS: tuple[str, ...] = _DATA["advisor_comments"]
SUBJECT_COMMENTS: dict[str, tuple[str, ...]] = _DATA["subject_comments"]
NUDGE_COMMENTS: tuple[str, ...] = _DATA["nudge_comments"]
CONGRATULATIONS: tuple[str, ...] = _DATA["congratulations"]
NOT_MET_COMMENTS: tuple[str, ...] = _DATA["not_met_comments"]
ENCOURAGEMENTS: tuple[str, ...] = _DATA["encouragements"]
ACHIEVED_ENCOURAGEMENTS: tuple[str, ...] = _DATA["achieved_encouragements"]
SIGN_OFFS: dict[str, str] = _DATA["sign_offs"]
REPLIES_TO_TEACHER: tuple[str, ...] = _DATA["replies_to_teacher"]
REPLIES_TO_FAMILY: dict[str, tuple[str, ...]] = _DATA["replies_to_family"]
# The simulation's shares and weights.
NO_GOALS_SHARE: float = _DATA["no_goals_share"]  # students who haven't set a goal yet
GOALS_PER_STUDENT: tuple[tuple[int, int], ...] = _DATA["goals_per_student"]  # (count, weight)
# Which state each further goal is in: (kind, weight). "returned" is a draft sent back with a
# comment; "suggested" a teacher's suggestion waiting for the student; "declined" one the
# student set aside.
GOAL_KINDS: tuple[tuple[str, int], ...] = _DATA["goal_kinds"]
# At least one goal of each of these kinds, whatever the draw, for students outside the login
# teacher's advisory.
FORCED_KINDS: tuple[str, ...] = _DATA["forced_kinds"]
# Students of the login teacher's advisory waiting for approval.
LOGIN_ADVISORY_PROPOSALS: int = _DATA["login_advisory_proposals"]
STALE_SHARE: float = _DATA["stale_share"]  # active goals with no check-in for over a week
# Of those, ones never checked in on since approval.
NEVER_CHECKED_IN_SHARE: float = _DATA["never_checked_in_share"]
PAST_TARGET_SHARE: float = _DATA["past_target_share"]  # active goals whose target date has passed
# Active goals revised after approval (their first version is in history).
REVISED_SHARE: float = _DATA["revised_share"]
# Active goals that began as a teacher's suggestion.
ACCEPTED_SUGGESTION_SHARE: float = _DATA["accepted_suggestion_share"]
LINKED_SHARE: float = _DATA["linked_share"]  # active numeracy goals tied to the student's targets
