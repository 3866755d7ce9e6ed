"""Rows that can be skipped are skipped with a warning and the rest imported; only what would
corrupt data refuses the file (docs/decisions/0009)."""

from __future__ import annotations

import pytest

from profiles.models import Enrollment, GuardianLink, RosterImport, School, Section, Term, User
from profiles.oneroster import roster_import

from . import roster_files as rf


def import_(source) -> RosterImport:
    return roster_import(source=source, source_name="roster.zip", actor=None)


def applied(result: RosterImport) -> RosterImport:
    assert result.status == RosterImport.Status.APPLIED, result.errors
    return result


@pytest.mark.django_db
def test_an_agent_who_is_not_a_guardian_is_skipped_and_the_rest_imported(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.set_value(folder, "users.csv", "us0004", "agentSourcedIds", "us0005")
    rf.append_row(
        folder,
        "users.csv",
        rf.user_row("us0021", "parent", email="p21@example.org", agents="us0003"),
    )

    result = applied(import_(folder))

    assert list(
        GuardianLink.objects.values_list("guardian__sourced_id", "student__sourced_id")
    ) == [("us0021", "us0003")]
    assert {
        "file": "users.csv",
        "line": 5,
        "field": "agentSourcedIds",
        "reason": "us0005 is not a parent, guardian or relative, so they cannot be an agent of "
        "this student: the link between us0004 and us0005 was skipped.",
    } in result.summary["warnings"]
    assert User.objects.filter(sourced_id__isnull=False).count() == 21


@pytest.mark.django_db
def test_an_agent_who_is_nowhere_is_skipped(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.set_value(folder, "users.csv", "us0004", "agentSourcedIds", "us9999")

    result = applied(import_(folder))

    assert GuardianLink.objects.count() == 0
    assert (
        "Person us9999 is not in users.csv or LearnHub, so the link between us0004 and us9999 "
        "was skipped."
    ) in rf.reasons(result.summary)


@pytest.mark.django_db
def test_enrollments_in_a_class_marked_tobedeleted_are_skipped(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.edit(folder, "classes.csv", '"cl0005","",""', '"cl0005","tobedeleted",""')

    result = applied(import_(folder))

    assert not Section.objects.filter(sourced_id="cl0005").exists()
    assert Enrollment.objects.count() == 23  # 30 minus cl0005's 7
    assert (
        "Class cl0005 is marked tobedeleted, so 7 enrollments (en0005, en0025, en0026, en0027, "
        "en0028, en0029, en0030) were skipped."
    ) in rf.reasons(result.summary)


@pytest.mark.django_db
def test_a_class_marked_tobedeleted_that_exists_takes_its_enrollments_with_it(tmp_path):
    import_(rf.SAMPLE)
    folder = rf.copy_sample(tmp_path)
    rf.edit(folder, "classes.csv", '"cl0005","",""', '"cl0005","tobedeleted",""')

    result = applied(import_(folder))

    section = Section.objects.get(sourced_id="cl0005")
    assert section.is_active is False
    assert not section.enrollments.filter(is_active=True).exists()
    assert result.summary["sections"] == rf.tally(unchanged=4, deactivated=1)
    assert result.summary["enrollments"] == rf.tally(unchanged=23, deactivated=7)


@pytest.mark.django_db
def test_an_enrollment_in_an_unknown_class_or_of_an_unknown_person_is_skipped(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.set_value(folder, "enrollments.csv", "en0030", "classSourcedId", "cl0099")
    rf.set_value(folder, "enrollments.csv", "en0029", "userSourcedId", "us0099")

    result = applied(import_(folder))

    assert Enrollment.objects.count() == 28
    reasons = rf.reasons(result.summary)
    assert "Class cl0099 is not in classes.csv or LearnHub, so enrollment en0030 was skipped." in (
        reasons
    )
    assert "Person us0099 is not in users.csv or LearnHub, so enrollment en0029 was skipped." in (
        reasons
    )


@pytest.mark.django_db
def test_a_skipped_enrollment_row_leaves_its_enrollment_as_it_is_in_a_bulk_file(tmp_path):
    import_(rf.SAMPLE)
    folder = rf.copy_sample(tmp_path)
    rf.set_value(folder, "enrollments.csv", "en0030", "classSourcedId", "cl0099")

    result = applied(import_(folder))

    assert Enrollment.objects.get(sourced_id="en0030").is_active is True
    assert result.summary["enrollments"] == rf.tally(unchanged=29)


@pytest.mark.django_db
def test_a_department_org_is_skipped_and_its_classes_go_to_the_school_above(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.append_row(folder, "orgs.csv", '"or0009","","","Informatics","department","","or0001"')
    rf.set_value(folder, "classes.csv", "cl0003", "schoolSourcedId", "or0009")
    rf.set_value(folder, "users.csv", "us0003", "orgSourcedIds", "or0009")

    result = applied(import_(folder))

    assert list(School.objects.values_list("sourced_id", flat=True)) == ["or0001"]
    assert Section.objects.get(sourced_id="cl0003").school.sourced_id == "or0001"
    assert User.objects.get(sourced_id="us0003").memberships.get().school.sourced_id == "or0001"
    reasons = rf.reasons(result.summary)
    assert (
        "or0009 (Informatics) is a department: LearnHub keeps schools only, so it was not imported."
    ) in reasons
    assert (
        "or0009 is a department, not a school: class cl0003 was placed at the school above it, "
        "or0001."
    ) in reasons
    # The enrollments of cl0003 say or0001, which is where the class is: no warning about them.
    assert not any("cl0003 is at school" in r for r in reasons)


@pytest.mark.django_db
def test_a_class_at_an_org_with_no_school_above_is_skipped_with_its_enrollments(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.append_row(folder, "orgs.csv", '"or0000","","","Sample District","district","",""')
    rf.set_value(folder, "classes.csv", "cl0003", "schoolSourcedId", "or0000")

    result = applied(import_(folder))

    assert not Section.objects.filter(sourced_id="cl0003").exists()
    assert Enrollment.objects.count() == 30 - 8
    reasons = rf.reasons(result.summary)
    assert (
        "or0000 is a district with no school above it, so class cl0003 was skipped, with its "
        "enrollments."
    ) in reasons
    assert (
        "Class cl0003 was skipped (see classes.csv), so 8 enrollments (en0003, en0013, en0014, "
        "en0015, en0016, en0017, en0018, en0019) were skipped."
    ) in reasons


@pytest.mark.django_db
def test_a_missing_parent_session_and_a_missing_parent_org_are_treated_alike(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.set_value(folder, "academicSessions.csv", "as0001", "parentSourcedId", "as0999")
    rf.set_value(folder, "orgs.csv", "or0001", "parentSourcedId", "or0999")

    result = applied(import_(folder))

    assert Term.objects.get(sourced_id="as0001").parent is None
    assert School.objects.get().sourced_id == "or0001"
    warnings = {w["file"]: w for w in result.summary["warnings"] if w["field"] == "parentSourcedId"}
    assert warnings["academicSessions.csv"]["reason"] == (
        "The parent session as0999 is not in academicSessions.csv or LearnHub, so session "
        "as0001 was imported without a parent there."
    )
    assert warnings["orgs.csv"]["reason"] == (
        "The parent org or0999 is not in orgs.csv or LearnHub, so org or0001 was imported "
        "without it."
    )


@pytest.mark.django_db
def test_a_class_term_that_cannot_be_found_is_left_out_of_the_class(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.set_value(folder, "classes.csv", "cl0003", "termSourcedIds", "as0003,as0099")

    result = applied(import_(folder))

    assert list(
        Section.objects.get(sourced_id="cl0003").terms.values_list("sourced_id", flat=True)
    ) == ["as0003"]
    assert (
        "Term as0099 is not in academicSessions.csv or LearnHub, so class cl0003 was imported "
        "without it."
    ) in rf.reasons(result.summary)


@pytest.mark.django_db
def test_an_enrollment_naming_another_school_than_its_class_follows_the_class(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.append_row(folder, "orgs.csv", '"or0002","","","Second School","school","",""')
    rf.set_value(folder, "enrollments.csv", "en0030", "schoolSourcedId", "or0002")

    result = applied(import_(folder))

    assert Enrollment.objects.get(sourced_id="en0030").section.school.sourced_id == "or0001"
    assert (
        "Class cl0005 is at school or0001, not or0002: enrollment en0030 was imported at "
        "or0001, with the class."
    ) in rf.reasons(result.summary)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "sourced_id", "column", "value", "field"),
    [
        ("academicSessions.csv", "as0001", "startDate", "02/01/2021", "startDate"),
        ("users.csv", "us0007", "email", "user07-at-example", "email"),
        ("users.csv", "us0008", "email", "user07@sample-u.ac.jp", "email"),
        ("enrollments.csv", "en0030", "sourcedId", "en0029", "sourcedId"),
        ("users.csv", "us0005", "role", "pupil", "role"),
        ("academicSessions.csv", "as0001", "parentSourcedId", "as0001", "parentSourcedId"),
    ],
)
def test_what_would_corrupt_data_still_refuses_the_whole_file(
    tmp_path, filename, sourced_id, column, value, field
):
    folder = rf.copy_sample(tmp_path)
    rf.set_value(folder, filename, sourced_id, column, value)

    result = import_(folder)

    assert result.status == RosterImport.Status.REJECTED
    assert [e["field"] for e in result.errors] == [field]
    assert rf.counts() == dict.fromkeys(rf.counts(), 0)
