"""A small framework for the world's school: two domains, five learning targets, a prerequisite,
linked to Math 7, on the default 4-level scale, with a pacing plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from mastery.models import Competency, Framework, PacingPlan, PacingTarget, Prerequisite
from mastery.services import framework_link_sections


@dataclass
class Maths:
    framework: Framework
    ratios: Competency
    expressions: Competency
    t1: Competency  # RP.1
    t2: Competency  # RP.2, after RP.1
    t3: Competency  # RP.3
    t4: Competency  # EE.1
    t5: Competency  # EE.2, after EE.1


def _node(fw, identifier, code, statement, parent=None, order=0, leaf=True):
    depth = 0 if parent is None else parent.depth + 1
    key = f"{order:04d}" if parent is None else f"{parent.sort_key}.{order:04d}"
    return Competency.objects.create(
        framework=fw,
        identifier=identifier,
        code=code,
        statement=statement,
        parent=parent,
        order=order,
        depth=depth,
        sort_key=key,
        is_leaf=leaf,
    )


@pytest.fixture
def maths(world) -> Maths:
    return build_maths(world)


def build_maths(world) -> Maths:
    """Idempotent within a test: the authorization matrix calls it from URL kwargs."""
    existing = Framework.objects.filter(school=world.school, identifier="fw-math-7").first()
    if existing is not None:
        by_code = {c.code: c for c in existing.competencies.all()}
        return Maths(
            existing,
            by_code["7.RP"],
            by_code["7.EE"],
            by_code["7.RP.1"],
            by_code["7.RP.2"],
            by_code["7.RP.3"],
            by_code["7.EE.1"],
            by_code["7.EE.2"],
        )
    fw = Framework.objects.create(
        school=world.school,
        title="Math 7",
        identifier="fw-math-7",
        subject="Math",
        calculation_method="decaying_average",
        calculation_parameter=65,
    )
    ratios = _node(fw, "d-rp", "7.RP", "Ratios and proportional relationships", order=1, leaf=False)
    expressions = _node(fw, "d-ee", "7.EE", "Expressions and equations", order=2, leaf=False)
    t1 = _node(fw, "rp1", "7.RP.1", "Compute unit rates", ratios, 1)
    t2 = _node(fw, "rp2", "7.RP.2", "Recognize proportional relationships", ratios, 2)
    t3 = _node(fw, "rp3", "7.RP.3", "Solve percent problems", ratios, 3)
    t4 = _node(fw, "ee1", "7.EE.1", "Add and factor linear expressions", expressions, 1)
    t5 = _node(fw, "ee2", "7.EE.2", "Rewrite expressions in different forms", expressions, 2)
    Prerequisite.objects.create(competency=t2, prerequisite=t1)
    Prerequisite.objects.create(competency=t5, prerequisite=t4)
    framework_link_sections(framework=fw, sections=[world.math])
    plan = PacingPlan.objects.create(section=world.math, name="Math 7 fall")
    PacingTarget.objects.create(plan=plan, competency=t1, expected_by=dt.date(2026, 9, 30))
    PacingTarget.objects.create(plan=plan, competency=t2, expected_by=dt.date(2026, 10, 31))
    PacingTarget.objects.create(plan=plan, competency=t4, expected_by=dt.date(2027, 1, 15))
    return Maths(fw, ratios, expressions, t1, t2, t3, t4, t5)
