"""learner_profile_update: who may change what, optimistic concurrency, history."""

from __future__ import annotations

import pytest

from core.errors import Conflict, NotAllowed, ValidationFailed
from profiles.models import LearnerProfile
from profiles.services import learner_profile_update


def _profile(world):
    return LearnerProfile.objects.get(student=world.student)


def test_student_edits_their_own_about_me(world):
    updated = learner_profile_update(
        actor=world.student,
        student=world.student,
        expected_version=1,
        changes={"interests": "  Robotics and soccer  "},
    )
    assert updated.interests == "Robotics and soccer"
    assert updated.version == 2
    assert updated.updated_by == world.student
    assert updated.strengths == ""


def test_teacher_edits_a_students_about_me_and_support_notes(world):
    updated = learner_profile_update(
        actor=world.teacher,
        student=world.student,
        expected_version=1,
        changes={"strengths": "Persistent", "support_notes": "Check in privately"},
    )
    assert (updated.strengths, updated.support_notes) == ("Persistent", "Check in privately")


def test_student_cannot_edit_their_own_support_notes(world):
    with pytest.raises(NotAllowed):
        learner_profile_update(
            actor=world.student,
            student=world.student,
            expected_version=1,
            changes={"support_notes": "I am fine"},
        )
    assert _profile(world).support_notes == ""


@pytest.mark.parametrize("actor", ["guardian", "other_student", "other_teacher", "other_admin"])
def test_others_cannot_edit_the_profile(world, actor):
    with pytest.raises(NotAllowed):
        learner_profile_update(
            actor=getattr(world, actor),
            student=world.student,
            expected_version=1,
            changes={"interests": "hacked"},
        )
    assert _profile(world).interests == ""
    assert _profile(world).version == 1


def test_school_admin_edits_support_notes(world):
    updated = learner_profile_update(
        actor=world.admin,
        student=world.student,
        expected_version=1,
        changes={"accommodations": "Extended time"},
    )
    assert updated.accommodations == "Extended time"


def test_second_editor_working_from_an_old_version_is_told_about_the_conflict(world):
    learner_profile_update(
        actor=world.student,
        student=world.student,
        expected_version=1,
        changes={"interests": "Chess"},
    )
    with pytest.raises(Conflict) as raised:
        learner_profile_update(
            actor=world.teacher,
            student=world.student,
            expected_version=1,
            changes={"interests": "Drawing"},
        )
    assert "Sam Rivera changed this profile" in raised.value.message
    profile = _profile(world)
    assert (profile.interests, profile.version) == ("Chess", 2)


def test_unknown_fields_and_overlong_text_are_refused(world):
    with pytest.raises(ValidationFailed, match="Unknown profile field: version"):
        learner_profile_update(
            actor=world.student,
            student=world.student,
            expected_version=1,
            changes={"version": 9},
        )
    with pytest.raises(ValidationFailed) as raised:
        learner_profile_update(
            actor=world.student,
            student=world.student,
            expected_version=1,
            changes={"needs": "x" * 5001},
        )
    assert raised.value.field == "needs"


def test_a_teacher_cannot_get_a_profile_for_a_non_student(world):
    with pytest.raises(ValidationFailed, match="Only students"):
        learner_profile_update(
            actor=world.admin,
            student=world.teacher,
            expected_version=1,
            changes={"interests": "x"},
        )


def test_every_change_is_kept_in_history_with_who_made_it(world):
    learner_profile_update(
        actor=world.student,
        student=world.student,
        expected_version=1,
        changes={"interests": "Chess"},
    )
    learner_profile_update(
        actor=world.teacher,
        student=world.student,
        expected_version=2,
        changes={"support_notes": "Needs quiet space"},
    )
    events = list(
        LearnerProfile.pgh_event_model.objects.filter(pgh_obj_id=_profile(world).pk)
        .order_by("pgh_id")
        .select_related("pgh_context")
    )
    assert [e.pgh_label for e in events] == ["insert", "update", "update"]
    assert [e.interests for e in events] == ["", "Chess", "Chess"]
    assert events[1].pgh_context.metadata["user"] == world.student.pk
    assert events[2].pgh_context.metadata["user"] == world.teacher.pk


def test_bulk_updates_are_kept_in_history_too(world):
    LearnerProfile.objects.filter(student=world.student).update(aspirations="Engineer")
    last = LearnerProfile.pgh_event_model.objects.order_by("-pgh_id").first()
    assert (last.pgh_label, last.aspirations) == ("update", "Engineer")


def test_saving_without_a_change_writes_nothing(world):
    """The admin's Save on an unchanged profile (or a form sent as it was) is no new version
    and no history event."""
    learner_profile_update(
        actor=world.student,
        student=world.student,
        expected_version=1,
        changes={"interests": "Chess"},
    )
    events = LearnerProfile.pgh_event_model.objects.filter(pgh_obj_id=_profile(world).pk)
    before = events.count()
    same = learner_profile_update(
        actor=world.teacher,
        student=world.student,
        expected_version=2,
        changes={"interests": " Chess ", "strengths": ""},
    )
    assert (same.version, same.updated_by) == (2, world.student)
    assert events.count() == before
    with pytest.raises(Conflict):  # an editor who started from an older version still hears
        learner_profile_update(
            actor=world.teacher,
            student=world.student,
            expected_version=1,
            changes={"interests": "Robots"},
        )
