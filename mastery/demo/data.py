"""The material of the demo school's mastery data, read from the files beside this file.

* ``case/<key>.json``: each framework as a CASE 1.1 package, which the seed imports with the
  real :func:`mastery.case_import.case_import`; the simulation reads its targets' codes, short
  statements and ``precedes`` associations from it.
* ``frameworks.json``: what CASE does not hold, per framework: its calculation method and
  parameter, each grade's pacing order (``""``: a 6–8 band), how often a target gets 1–4 pieces.
* ``abilities.json``: how students do (one ability profile per student and class, drawn by
  weight) and the follow-up scan's cases (slipping, gone quiet) the simulation makes.
* ``evidence.json``: the phrases evidence is written with and the shares the simulation draws.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.demo import demo_json

FOLDER = Path(__file__).resolve().parent
EVIDENCE: dict[str, Any] = demo_json(__file__, "evidence.json")
ABILITIES: dict[str, Any] = demo_json(__file__, "abilities.json")


@dataclass(frozen=True)
class TargetData:
    code: str
    short: str  # what the grid header and the pathway show
    after: tuple[str, ...]  # codes of the targets that precede this one


@dataclass(frozen=True)
class FrameworkData:
    key: str
    identifier: str  # the CFDocument's
    subject: str  # the Section.subject of the classes that work on it
    targets: dict[str, TargetData]  # by code
    method: str
    parameter: int | None
    pacing: dict[str, tuple[str, ...]]  # by grade ("" for every grade): codes in teaching order
    n_evidence_weights: tuple[int, int, int, int]

    @property
    def package(self) -> Path:
        return FOLDER / "case" / f"{self.key}.json"


def _framework(key: str, settings: dict[str, Any]) -> FrameworkData:
    package = demo_json(__file__, f"case/{key}.json")
    items = {item["identifier"]: item for item in package["CFItems"]}
    after: dict[str, list[str]] = defaultdict(list)
    for a in package["CFAssociations"]:
        if a["associationType"] == "precedes":
            origin = items[a["originNodeURI"]["identifier"]]
            after[a["destinationNodeURI"]["identifier"]].append(origin["humanCodingScheme"])
    targets = {
        t["humanCodingScheme"]: TargetData(
            t["humanCodingScheme"], t["abbreviatedStatement"], tuple(after[t["identifier"]])
        )
        for t in items.values()
        if t["CFItemType"] == "Learning Target"
    }
    doc = package["CFDocument"]
    return FrameworkData(key, doc["identifier"], doc["subject"][0], targets, **settings)


FRAMEWORKS = tuple(_framework(key, s) for key, s in demo_json(__file__, "frameworks.json").items())
BY_SUBJECT = {f.subject: f for f in FRAMEWORKS}
