"""Evidence services: who may record, validation, and mastery records always current."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import NotAllowed, ValidationFailed
from mastery import calculation as calc
from mastery.models import Evidence, MasteryRecord
from mastery.selectors import levels_of, scale_default_for
from mastery.services import (
    _falling_scores,
    evidence_accept,
    evidence_delete,
    evidence_record,
    evidence_record_for_class,
    evidence_return,
    evidence_submit,
    evidence_update,
    mastery_rebuild,
)

D = dt.date


def _record(world, maths, **kw):
    return MasteryRecord.objects.get(student=world.student, competency=kw.get("c", maths.t1))


def _add(world, maths, score, day, competency=None, actor=None):
    return evidence_record(
        actor=actor or world.teacher,
        student=world.student,
        competency=competency or maths.t1,
        score=score,
        observed_on=day,
    )


def test_recording_evidence_updates_the_mastery_record_in_the_same_transaction(world, maths):
    _add(world, maths, 2, D(2026, 9, 1))
    record = _record(world, maths)
    assert (record.score, record.level.label, record.mastered) == (
        Decimal("2.00"),
        "Approaching",
        False,
    )
    _add(world, maths, 4, D(2026, 9, 8))
    record = _record(world, maths)
    # decaying average 65%: 2 × 0.35 + 4 × 0.65 = 3.30 → Meets, mastered on Sep 8
    assert (record.score, record.level.label, record.mastered) == (Decimal("3.30"), "Meets", True)
    assert (record.evidence_count, record.first_mastered_on, record.last_evidence_on) == (
        2,
        D(2026, 9, 8),
        D(2026, 9, 8),
    )


def test_evidence_order_is_by_date_observed_not_entry_order(world, maths):
    _add(world, maths, 4, D(2026, 9, 8))
    _add(world, maths, 2, D(2026, 9, 1))  # entered later, observed earlier
    assert _record(world, maths).score == Decimal("3.30")


def test_editing_and_deleting_evidence_recompute_the_record(world, maths):
    first = _add(world, maths, 2, D(2026, 9, 1))
    second = _add(world, maths, 4, D(2026, 9, 8))
    evidence_update(actor=world.teacher, evidence=second, changes={"score": "1"})
    assert _record(world, maths).score == Decimal("1.35")
    evidence_delete(actor=world.teacher, evidence=first)
    record = _record(world, maths)
    assert (record.score, record.evidence_count, record.mastered) == (Decimal("1.00"), 1, False)
    evidence_delete(actor=world.teacher, evidence=Evidence.objects.get(pk=second.pk))
    record = _record(world, maths)
    assert (record.score, record.level, record.evidence_count, record.last_evidence_on) == (
        None,
        None,
        0,
        None,
    )


def test_the_record_keeps_the_score_before_the_newest_and_the_falling_run(world, maths):
    _add(world, maths, 4, D(2026, 9, 1))
    record = _record(world, maths)
    assert (record.previous_score, record.falling_scores) == (None, 1)
    _add(world, maths, 3, D(2026, 9, 8))
    _add(world, maths, 2, D(2026, 9, 15))
    record = _record(world, maths)
    # Decaying average 65 %: 4 → 3.35 → 2.47; before the newest score it was 3.35.
    assert (record.score, record.previous_score, record.falling_scores) == (
        Decimal("2.47"),
        Decimal("3.35"),
        3,
    )
    _add(world, maths, 2, D(2026, 9, 22))  # equal is not falling
    assert _record(world, maths).falling_scores == 1
    assert _record(world, maths).previous_score == Decimal("2.47")


@given(st.lists(st.sampled_from([Decimal(x) / 4 for x in range(17)]), max_size=8))
def test_falling_scores_says_when_the_trend_is_down(scores: list[Decimal]) -> None:
    run = _falling_scores(scores)
    for k in range(2, 10):
        assert (run >= k) is calc.trend_is_down(scores, k)
    assert run == (
        0
        if not scores
        else max(k for k in range(1, len(scores) + 1) if k == 1 or calc.trend_is_down(scores, k))
    )


@pytest.mark.parametrize("persona", ["student", "guardian", "other_teacher", "other_admin"])
def test_only_the_students_teachers_record_evidence(world, maths, persona):
    with pytest.raises(NotAllowed):
        _add(world, maths, 3, D(2026, 9, 1), actor=getattr(world, persona))
    assert Evidence.objects.count() == 0
    assert MasteryRecord.objects.count() == 0


def test_school_admin_records_evidence(world, maths):
    _add(world, maths, 3, D(2026, 9, 1), actor=world.admin)
    assert _record(world, maths).mastered is True


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("abc", "Give the score as a number."),
        ("NaN", "Give the score as a number."),
        ("5", "A score on this scale is between 0 and 4."),
        ("-1", "A score on this scale is between 0 and 4."),
    ],
)
def test_invalid_scores_are_refused_with_a_sentence(world, maths, score, message):
    with pytest.raises(ValidationFailed) as raised:
        _add(world, maths, score, D(2026, 9, 1))
    assert (raised.value.message, raised.value.field) == (message, "score")


def test_future_dates_and_domains_are_refused(world, maths):
    with pytest.raises(ValidationFailed, match="future"):
        _add(world, maths, 3, dt.date.today() + dt.timedelta(days=2))
    with pytest.raises(ValidationFailed, match="learning target, not a group"):
        _add(world, maths, 3, D(2026, 9, 1), competency=maths.ratios)


def test_a_whole_class_is_recorded_in_one_transaction(world, maths):
    from tests import factories as f

    kids = [f.student(world.school) for _ in range(3)]
    f.enroll(world.math, *kids)
    created = evidence_record_for_class(
        actor=world.teacher,
        section=world.math,
        competency=maths.t2,
        scores={world.student.pk: "3", kids[0].pk: "2", kids[1].pk: "", kids[2].pk: "4"},
        observed_on=D(2026, 10, 2),
        title="Ratio quiz",
    )
    assert len(created) == 3
    records = dict(
        MasteryRecord.objects.filter(competency=maths.t2).values_list("student_id", "score")
    )
    assert records == {
        world.student.pk: Decimal("3.00"),
        kids[0].pk: Decimal("2.00"),
        kids[2].pk: Decimal("4.00"),
    }


def test_one_bad_score_writes_nothing_for_the_class(world, maths):
    with pytest.raises(ValidationFailed, match="Some scores are not valid"):
        evidence_record_for_class(
            actor=world.teacher,
            section=world.math,
            competency=maths.t2,
            scores={world.student.pk: "9"},
            observed_on=D(2026, 10, 2),
        )
    assert Evidence.objects.count() == 0


def test_another_teacher_cannot_record_for_this_class(world, maths):
    with pytest.raises(NotAllowed):
        evidence_record_for_class(
            actor=world.other_teacher,
            section=world.math,
            competency=maths.t2,
            scores={world.student.pk: "3"},
        )


def test_student_submits_evidence_and_the_teacher_accepts_it(world, maths):
    submitted = evidence_submit(
        actor=world.student,
        competency=maths.t3,
        note="I run the bake sale budget",
        link="https://example.org/budget",
    )
    assert (submitted.status, submitted.score) == ("submitted", None)
    assert not MasteryRecord.objects.filter(competency=maths.t3).exists()
    accepted = evidence_accept(actor=world.teacher, evidence=submitted, score="3", comment="Great")
    assert (accepted.status, accepted.score, accepted.reviewed_by) == (
        "accepted",
        Decimal("3.00"),
        world.teacher,
    )
    assert MasteryRecord.objects.get(student=world.student, competency=maths.t3).mastered
    with pytest.raises(ValidationFailed, match="already reviewed"):
        evidence_return(actor=world.teacher, evidence=accepted, comment="again")


def test_returning_evidence_needs_a_comment_and_changes_no_record(world, maths):
    submitted = evidence_submit(actor=world.student, competency=maths.t3, note="My project")
    with pytest.raises(ValidationFailed, match="Tell the student"):
        evidence_return(actor=world.teacher, evidence=submitted, comment=" ")
    returned = evidence_return(actor=world.teacher, evidence=submitted, comment="Add your working")
    assert (returned.status, returned.review_comment) == ("returned", "Add your working")
    assert not MasteryRecord.objects.exists()


def test_a_submission_needs_words_or_a_link_and_only_students_submit_for_themselves(world, maths):
    with pytest.raises(ValidationFailed, match="Say what you did"):
        evidence_submit(actor=world.student, competency=maths.t3, note="  ")
    with pytest.raises(NotAllowed):
        evidence_accept(
            actor=world.other_teacher,
            evidence=evidence_submit(actor=world.student, competency=maths.t3, note="x"),
            score=3,
        )


def test_rebuild_after_a_method_change(world, maths):
    _add(world, maths, 2, D(2026, 9, 1))
    _add(world, maths, 4, D(2026, 9, 8))
    _add(world, maths, 1, D(2026, 9, 15))
    maths.framework.calculation_method = "highest"
    maths.framework.save()
    assert mastery_rebuild(framework_id=maths.framework.pk) == 1
    record = _record(world, maths)
    assert (record.score, record.mastered, record.first_mastered_on) == (
        Decimal("4.00"),
        True,
        D(2026, 9, 8),
    )


def test_records_always_equal_a_recomputation(world, maths):
    days = [D(2026, 9, d) for d in (1, 3, 5, 9, 12)]
    for score, day in zip(["1", "3.5", "2", "4", "2.5"], days, strict=True):
        _add(world, maths, score, day)
    scores = [Decimal(s) for s in ["1", "3.5", "2", "4", "2.5"]]
    levels = levels_of(scale=scale_default_for(school=world.school))
    expected = calc.rollup("decaying_average", scores, levels, parameter=65)
    record = _record(world, maths)
    assert (record.score, record.mastered) == (expected.score, expected.mastered)


# --- framework, scale and competency edits (the admin saves through these) ---------------------


def test_a_new_calculation_method_saves_the_framework_and_queues_its_rebuild(world, maths):
    from unittest import mock

    from mastery.services import framework_update

    maths.framework.calculation_method = "most_recent"
    with mock.patch("mastery.services.mastery_rebuild_enqueue") as enqueue:
        queued = framework_update(
            actor=world.admin, framework=maths.framework, changed=["calculation_method"]
        )
    assert queued is True
    enqueue.assert_called_once_with(framework_ids=[maths.framework.pk])
    maths.framework.refresh_from_db()
    assert maths.framework.calculation_method == "most_recent"


def test_a_new_title_saves_the_framework_without_a_rebuild(world, maths):
    from unittest import mock

    from mastery.services import framework_update

    maths.framework.title = "Mathematics 7"
    with mock.patch("mastery.services.mastery_rebuild_enqueue") as enqueue:
        queued = framework_update(actor=world.admin, framework=maths.framework, changed=["title"])
    assert queued is False
    enqueue.assert_not_called()
    maths.framework.refresh_from_db()
    assert maths.framework.title == "Mathematics 7"


def test_a_competencys_own_method_queues_a_rebuild_of_its_framework(world, maths):
    from unittest import mock

    from mastery.services import competency_update

    maths.t1.calculation_method = "highest"
    with mock.patch("mastery.services.mastery_rebuild_enqueue") as enqueue:
        assert competency_update(
            actor=world.admin, competency=maths.t1, changed=["calculation_method"]
        )
        assert not competency_update(actor=world.admin, competency=maths.t1, changed=["label"])
    enqueue.assert_called_once_with(framework_ids=[maths.framework.pk])


def test_editing_the_default_scale_saves_its_levels_and_rebuilds_the_frameworks_using_it(
    world, maths
):
    from unittest import mock

    from mastery.services import scale_update

    scale = scale_default_for(school=world.school)
    beginning = scale.levels.get(label="Beginning")
    exceeds = scale.levels.get(label="Exceeds")
    exceeds.label = "Extends"
    with mock.patch("mastery.services.mastery_rebuild_enqueue") as enqueue:
        ids = scale_update(actor=world.admin, scale=scale, levels=[exceeds], deleted=[beginning])
    assert ids == [maths.framework.pk]  # it names no scale: the school's default is its scale
    enqueue.assert_called_once_with(framework_ids=[maths.framework.pk])
    assert sorted(scale.levels.values_list("label", flat=True)) == [
        "Approaching",
        "Extends",
        "Meets",
    ]


def test_the_admin_saves_a_scale_edit_through_scale_update(world, maths, client):
    from unittest import mock

    from django.urls import reverse

    scale = scale_default_for(school=world.school)
    levels = list(scale.levels.order_by("-points"))
    data = {
        "school": world.school.pk,
        "name": scale.name,
        "is_default": "on",
        "levels-TOTAL_FORMS": len(levels),
        "levels-INITIAL_FORMS": len(levels),
        "levels-MIN_NUM_FORMS": 1,
        "levels-MAX_NUM_FORMS": 1000,
    }
    for i, lv in enumerate(levels):
        data |= {
            f"levels-{i}-id": lv.pk,
            f"levels-{i}-scale": scale.pk,
            f"levels-{i}-points": lv.points,
            f"levels-{i}-label": "Extends" if lv.label == "Exceeds" else lv.label,
            f"levels-{i}-colour": lv.colour,
        }
        if lv.is_mastery:
            data[f"levels-{i}-is_mastery"] = "on"
    client.force_login(world.admin)
    from mastery.services import scale_update

    with mock.patch("mastery.admin.scale_update", wraps=scale_update) as update:
        response = client.post(
            reverse("admin:mastery_proficiencyscale_change", args=[scale.pk]), data
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    update.assert_called_once()
    assert scale.levels.filter(label="Extends").exists()


def test_the_rebuild_command_fills_records_written_before_the_falling_run(world, maths):
    from django.core.management import CommandError, call_command

    _add(world, maths, 4, D(2026, 9, 1))
    _add(world, maths, 3, D(2026, 9, 8))
    MasteryRecord.objects.update(previous_score=None, falling_scores=None)  # as migrated
    call_command("mastery_rebuild", "--framework", str(maths.framework.pk))
    record = _record(world, maths)
    assert (record.score, record.previous_score, record.falling_scores) == (
        Decimal("3.35"),
        Decimal("4.00"),
        2,
    )
    with pytest.raises(CommandError, match="No framework with id 0"):
        call_command("mastery_rebuild", "--framework", "0")
