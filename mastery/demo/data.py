"""The material of the demo school's mastery data, read from the files beside this file.

* ``case/<key>.json``: each framework as a CASE 1.1 package (a CFDocument; CFItems for its
  grades, domains and learning targets; ``isChildOf`` and ``precedes`` CFAssociations), which
  the seed imports with the real :func:`mastery.case_import.case_import`.
* ``frameworks.json``: what CASE does not hold, per framework in the order the demo lists them:
  its calculation method and parameter, each grade's pacing order and how many pieces of
  evidence a target gets.
* ``abilities.json``: how students do — one ability profile per student and class (where
  they start, how they change, how often they are reassessed), drawn by weight — and the
  follow-up scan's cases (slipping, gone quiet) the simulation makes.
* ``evidence.json``: the phrases evidence is written with (titles, projects, teachers' notes,
  students' submissions) and the shares the term's simulation draws with.

JSON lists are read as tuples (never sets), so the seeded random choices over them are the same
on every run. :mod:`mastery.demo` turns them into rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.demo import demo_json

FOLDER = Path(__file__).resolve().parent


def _json(name: str) -> Any:
    return demo_json(__file__, name)


@dataclass(frozen=True)
class TargetData:
    code: str
    short: str  # what the grid header and the pathway show
    statement: str  # in plain teacher language
    after: tuple[str, ...] = ()  # codes of the targets that precede this one


@dataclass(frozen=True)
class DomainData:
    code: str
    title: str
    targets: tuple[TargetData, ...]


@dataclass(frozen=True)
class GradeData:
    """A grade level of a framework written grade by grade (``grade`` ``""``: a 6–8 band)."""

    grade: str
    domains: tuple[DomainData, ...]
    pacing: tuple[str, ...]  # every target code, in the order the class teaches them


@dataclass(frozen=True)
class FrameworkData:
    key: str
    identifier: str  # the CFDocument's
    title: str
    subject: str  # the Section.subject of the classes that work on it
    description: str
    method: str
    parameter: int | None
    grades: tuple[GradeData, ...]
    n_evidence_weights: tuple[int, int, int, int]  # how often a target gets 1, 2, 3, 4 pieces

    @property
    def package(self) -> Path:
        return FOLDER / "case" / f"{self.key}.json"


def _framework(key: str, settings: dict[str, Any]) -> FrameworkData:
    """One framework: its tree and prerequisites from its CASE package, the rest from
    frameworks.json."""
    package = _json(f"case/{key}.json")
    doc = package["CFDocument"]
    items = {item["identifier"]: item for item in package["CFItems"]}
    children: dict[str, list[tuple[int, str]]] = defaultdict(list)
    after: dict[str, list[str]] = defaultdict(list)
    for a in package["CFAssociations"]:
        origin = a["originNodeURI"]["identifier"]
        destination = a["destinationNodeURI"]["identifier"]
        if a["associationType"] == "isChildOf":
            children[destination].append((a["sequenceNumber"], origin))
        elif a["associationType"] == "precedes":
            after[destination].append(items[origin]["humanCodingScheme"])

    def below(identifier: str) -> list[dict[str, Any]]:
        return [items[child] for _, child in sorted(children[identifier])]

    def domain(item: dict[str, Any]) -> DomainData:
        targets = tuple(
            TargetData(
                t["humanCodingScheme"],
                t["abbreviatedStatement"],
                t["fullStatement"],
                tuple(after[t["identifier"]]),
            )
            for t in below(item["identifier"])
        )
        return DomainData(item["humanCodingScheme"], item["fullStatement"], targets)

    top = below(doc["identifier"])
    if all(item["CFItemType"] == "Grade Level" for item in top):
        grades = [(g["humanCodingScheme"], below(g["identifier"])) for g in top]
    else:  # a 6–8 band: its domains hang from the document
        grades = [("", top)]
    return FrameworkData(
        key=key,
        identifier=doc["identifier"],
        title=doc["title"],
        subject=doc["subject"][0],
        description=doc["description"],
        method=settings["method"],
        parameter=settings["parameter"],
        grades=tuple(
            GradeData(grade, tuple(domain(d) for d in domains), settings["pacing"][grade])
            for grade, domains in grades
        ),
        n_evidence_weights=settings["n_evidence_weights"],
    )


FRAMEWORKS: tuple[FrameworkData, ...] = tuple(
    _framework(key, settings) for key, settings in _json("frameworks.json").items()
)
MATH, HUMANITIES, SCIENCE = FRAMEWORKS

_EVIDENCE: dict[str, Any] = _json("evidence.json")
RANDOM_SEED: int = _EVIDENCE["random_seed"]
NOTE_SHARE: float = _EVIDENCE["note_share"]  # evidence with a teacher's note
# (kind, weight) by subject.
KIND_WEIGHTS: dict[str, tuple[tuple[str, int], ...]] = _EVIDENCE["kind_weights"]
# Titles by subject and kind; {short} is the target's short statement. A class shares one quiz
# and one project per target; retakes and conversations are each student's own.
TITLES: dict[str, dict[str, tuple[str, ...]]] = _EVIDENCE["titles"]
# Projects by domain (the part of a code like "7.RP.1" or "RL.2" that names it).
PROJECTS: dict[str, tuple[str, ...]] = _EVIDENCE["projects"]
# A teacher's notes, by subject and by how the piece went: "high" (3–4), "mid" (2), "low" (1);
# {name} is the student's first name. DOMAIN_NOTES add ones that only fit some targets.
NOTES: dict[str, dict[str, tuple[str, ...]]] = _EVIDENCE["notes"]
DOMAIN_NOTES: dict[str, dict[str, tuple[str, ...]]] = _EVIDENCE["domain_notes"]
# Students' own submissions waiting for review: (class key, how many) beyond the login student's.
SUBMISSIONS: tuple[tuple[str, int], ...] = _EVIDENCE["submissions"]
# The teacher's note on the login student's work on the target the class is on.
LOGIN_CURRENT_NOTE: str = _EVIDENCE["login_current_note"]
LOGIN_SUBMISSION_CLASS: str = _EVIDENCE["login_submission_class"]
LOGIN_SUBMISSION_NOTE: str = _EVIDENCE["login_submission_note"]
SUBMISSION_NOTES: dict[str, tuple[str, ...]] = _EVIDENCE["submission_notes"]


@dataclass(frozen=True)
class AbilityData:
    key: str
    weight: int  # how common it is
    start: float  # expected score at the start of the term, on the 1–4 scale
    change: float  # how much it moves by today
    growth: float  # how much each further attempt on the same target adds
    coverage: float  # chance a past target has any evidence
    ahead: tuple[int, ...]  # how many targets past the current one they work on (choices)
    # Whether a target still not met a few days after its pacing date gets reassessed (up to
    # REASSESSMENTS times, at Meets or Exceeds) until it is: how a student stays on pace.
    reassessed: bool = False


_ABILITIES: dict[str, Any] = _json("abilities.json")
ABILITIES: tuple[AbilityData, ...] = tuple(AbilityData(**a) for a in _ABILITIES["abilities"])
# Otherwise a class draws its own.
SAME_ABILITY_IN_EVERY_CLASS: float = _ABILITIES["same_ability_in_every_class"]
REASSESS_AFTER_DAYS: int = _ABILITIES["reassess_after_days"]  # school days after the pacing date
REASSESSMENTS: int = _ABILITIES["reassessments"]
# Slipping: on this many of the targets they worked on most recently, a reassessment in the
# last two weeks comes in well below what they showed before (the follow-up scan's "slipping").
SLIPPING_RECENT_TARGETS: int = _ABILITIES["slipping_recent_targets"]
SLIPPING_RECENT_DAYS: int = _ABILITIES["slipping_recent_days"]  # school days back
# Gone quiet: a few students (never the login student) whose work stops, in every class, this
# many school days before today (the follow-up scan's "no recent evidence").
QUIET_STUDENTS: int = _ABILITIES["quiet_students"]
QUIET_SCHOOL_DAYS: tuple[int, int] = _ABILITIES["quiet_school_days"]
# The login student (Sofia, grade 7): by subject.
LOGIN_ABILITIES: dict[str, str] = _ABILITIES["login_abilities"]
