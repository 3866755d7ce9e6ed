"""Pacing, pathway and the class grid, read from the records."""

from __future__ import annotations

import datetime as dt

from mastery.selectors import class_grid, mastered_over_time, pacing_for_section, student_progress
from mastery.services import evidence_record
from tests import factories as f

D = dt.date
SEP_10 = dt.date(2026, 9, 10)


def _score(world, maths, competency, score, day=SEP_10, student=None):
    evidence_record(
        actor=world.teacher,
        student=student or world.student,
        competency=competency,
        score=score,
        observed_on=day,
    )


def test_pacing_counts_mastered_against_expected_by_today(world, maths):
    _score(world, maths, maths.t1, 4)
    pacing = pacing_for_section(
        section=world.math, student_ids=[world.student.pk], today=D(2026, 11, 1)
    )
    assert pacing[world.student.pk].mastered == 1
    assert pacing[world.student.pk].expected == 2  # RP.1 by Sep 30, RP.2 by Oct 31
    assert pacing[world.student.pk].behind_by == 1
    early = pacing_for_section(
        section=world.math, student_ids=[world.student.pk], today=D(2026, 9, 1)
    )
    assert early[world.student.pk].on_pace is True


def test_pathway_statuses(world, maths):
    _score(world, maths, maths.t1, 4)  # mastered
    _score(world, maths, maths.t4, 1)  # in progress
    [math] = student_progress(viewer=world.student, student=world.student)
    status = {i.competency.code: i.status for i in math.items}
    assert status == {
        "7.RP.1": "mastered",
        "7.RP.2": "ready",  # its prerequisite RP.1 is mastered
        "7.RP.3": "ready",  # no prerequisites
        "7.EE.1": "in_progress",
        "7.EE.2": "locked",  # needs EE.1
    }
    locked = next(i for i in math.items if i.status == "locked")
    assert [m.code for m in locked.missing] == ["7.EE.1"]
    assert [i.competency.code for i in math.next_up] == ["7.EE.1", "7.RP.2", "7.RP.3"]
    assert (math.mastered, math.in_progress) == (1, 1)


def test_progress_is_scoped_to_the_viewer(world, maths):
    _score(world, maths, maths.t1, 4)
    assert student_progress(viewer=world.guardian, student=world.student)[0].mastered == 1
    assert student_progress(viewer=world.other_admin, student=world.student) == []


def test_growth_counts_mastery_week_by_week(world, maths):
    _score(world, maths, maths.t1, 4, D(2026, 9, 10))
    _score(world, maths, maths.t3, 4, D(2026, 9, 20))
    points = mastered_over_time(
        viewer=world.student, student=world.student, start=D(2026, 9, 1), end=D(2026, 9, 29)
    )
    assert points == [
        (D(2026, 9, 1), 0),
        (D(2026, 9, 8), 0),
        (D(2026, 9, 15), 1),
        (D(2026, 9, 22), 2),
        (D(2026, 9, 29), 2),
    ]


def test_growth_ends_today_not_at_last_weeks_point(world, maths):
    _score(world, maths, maths.t1, 4, D(2026, 9, 10))
    _score(world, maths, maths.t3, 4, D(2026, 10, 1))
    points = mastered_over_time(
        viewer=world.student, student=world.student, start=D(2026, 9, 1), end=D(2026, 10, 2)
    )
    assert points[-2:] == [(D(2026, 9, 29), 1), (D(2026, 10, 2), 2)]


def test_class_grid_rows_cells_and_sorting(world, maths):
    kid = f.student(world.school, given_name="Zed", family_name="Adams")
    f.enroll(world.math, kid)
    _score(world, maths, maths.t1, 4)
    _score(world, maths, maths.t1, 2, student=kid)
    grid = class_grid(viewer=world.teacher, section=world.math, today=D(2026, 11, 1))
    assert [c.code for c in grid.competencies] == ["7.RP.1", "7.RP.2", "7.RP.3", "7.EE.1", "7.EE.2"]
    assert [r.student.family_name for r in grid.rows] == ["Adams", "Rivera"]
    adams, rivera = grid.rows
    assert adams.cells[0].level.label == "Approaching" and adams.cells[1] is None
    assert (rivera.mastered, rivera.pacing.behind_by, adams.pacing.behind_by) == (1, 1, 2)
    by_progress = class_grid(viewer=world.teacher, section=world.math, sort="progress")
    assert [r.student.family_name for r in by_progress.rows] == ["Rivera", "Adams"]
    only_ee = class_grid(viewer=world.teacher, section=world.math, domain_id=maths.expressions.pk)
    assert [c.code for c in only_ee.competencies] == ["7.EE.1", "7.EE.2"]
    assert [d.code for d in grid.domains] == ["7.RP", "7.EE"]


def test_grid_shows_only_students_the_viewer_may_see(world, maths):
    assert class_grid(viewer=world.other_teacher, section=world.math).rows == []


def test_the_grid_frame_reads_what_the_orm_reads(world, maths):
    """``_grid_frame``'s one raw query: the section's targets in tree order with their parents,
    the levels (default scale, and a framework's own), the pacing dates."""
    from mastery.models import ProficiencyLevel, ProficiencyScale
    from mastery.selectors import (
        _grid_frame,
        _pacing_targets,
        _scale_levels,
        section_competencies,
    )

    own = ProficiencyScale.objects.create(school=world.school, name="Two levels")
    ProficiencyLevel.objects.create(scale=own, points=2, label="Got it", is_mastery=True)
    ProficiencyLevel.objects.create(scale=own, points=1, label="Not yet")
    maths.framework.scale = own
    maths.framework.save(update_fields=["scale"])
    leaves, levels, pacing = _grid_frame(world.math)
    expected = list(section_competencies(section=world.math))
    assert [row[0] for row in leaves] == [c.pk for c in expected]
    assert [(row[3], row[7 + 3]) for row in leaves] == [(c.code, c.parent.code) for c in expected]
    orm_levels = _scale_levels(world.school.pk, {maths.framework.pk})
    assert [(lv.pk, lv.points, lv.label, lv.is_mastery) for lv in levels] == [
        (lv.pk, lv.points, lv.label, lv.is_mastery) for lv in orm_levels
    ]
    assert pacing == _pacing_targets(world.math) and pacing
