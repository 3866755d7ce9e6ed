"""Every column of an export is read or reported: nothing vanishes silently."""

from __future__ import annotations

import pytest

from profiles.models import GuardianLink, Membership, RosterImport, Section
from profiles.oneroster import roster_import

from . import roster_files as rf


def import_(source) -> RosterImport:
    return roster_import(source=source, source_name="roster.zip", actor=None)


def add_column(folder, filename: str, name: str, values: dict[str, str]) -> None:
    def change(rows):
        rows[0].append(name)
        for row in rows[1:]:
            row.append(values.get(row[0], ""))
        return rows

    rf.rewrite_csv(folder, filename, change)


@pytest.mark.django_db
def test_the_report_says_which_columns_of_the_sample_were_read_and_which_not_kept():
    result = import_(rf.SAMPLE)

    users = result.summary["columns"]["users.csv"]
    assert users == {
        "read": [
            "sourcedId",
            "status",
            "enabledUser",
            "orgSourcedIds",
            "role",
            "username",
            "givenName",
            "familyName",
            "email",
            "agentSourcedIds",
            "grades",
        ],
        "not_kept": [
            "dateLastModified",
            "userIds",
            "middleName",
            "identifier",
            "sms",
            "phone",
            "password",
        ],
        "mapped": {},
        "extensions": ["metadata.phoneticGivenName", "metadata.phoneticFamilyName"],
        "unknown": [],
    }
    assert result.summary["columns"]["classes.csv"]["not_kept"] == [
        "dateLastModified",
        "location",
        "subjectCodes",
        "periods",
    ]
    # Every column of every file is in exactly one list.
    for filename, report in result.summary["columns"].items():
        header = (rf.SAMPLE / filename).read_text().splitlines()[0].replace('"', "").split(",")
        listed = report["read"] + report["not_kept"] + report["extensions"] + report["unknown"]
        assert sorted(listed) == sorted(header), filename


@pytest.mark.django_db
def test_columns_that_are_not_in_oneroster_are_listed_in_a_warning(tmp_path):
    folder = rf.copy_sample(tmp_path)
    add_column(folder, "users.csv", "guardianEmail", {"us0003": "mum@example.org"})
    add_column(folder, "users.csv", "Grade Level", {"us0003": "7"})
    add_column(folder, "enrollments.csv", "", {"en0001": "x"})

    result = import_(folder)

    assert result.status == RosterImport.Status.APPLIED
    assert result.summary["columns"]["users.csv"]["unknown"] == ["guardianEmail", "Grade Level"]
    assert {
        "file": "users.csv",
        "line": 1,
        "field": "",
        "reason": '2 columns are not in OneRoster 1.1 and were not read: "guardianEmail", '
        '"Grade Level". Rename a column to its OneRoster 1.1 name (or to metadata.<name> for '
        "your own data) if LearnHub should read it.",
    } in result.summary["warnings"]
    assert {
        "file": "enrollments.csv",
        "line": 1,
        "field": "",
        "reason": "Column 11 has values but no name in the header, so it was not read.",
    } in result.summary["warnings"]


@pytest.mark.django_db
def test_oneroster_1_0_headers_are_read_as_their_1_1_columns_and_the_report_says_so(tmp_path):
    """A 1.0-style export: guardian links (agents) and grades (grade) used to vanish."""
    folder = rf.copy_sample(tmp_path)
    rf.append_row(
        folder,
        "users.csv",
        rf.user_row("us0021", "guardian", email="g21@example.org", agents="us0003"),
    )
    rf.set_value(folder, "users.csv", "us0003", "grades", "07")
    rf.set_value(folder, "classes.csv", "cl0003", "grades", "07,08")
    rf.rename_column(folder, "users.csv", "agentSourcedIds", "agents")
    rf.rename_column(folder, "users.csv", "grades", "grade")
    rf.rename_column(folder, "classes.csv", "termSourcedIds", "termSourcedId")
    rf.rename_column(folder, "classes.csv", "grades", "grade")

    result = import_(folder)

    assert result.status == RosterImport.Status.APPLIED, result.errors
    assert list(
        GuardianLink.objects.values_list("guardian__sourced_id", "student__sourced_id")
    ) == [("us0021", "us0003")]
    assert Membership.objects.get(user__sourced_id="us0003", role="student").grade_level == "07"
    section = Section.objects.get(sourced_id="cl0003")
    assert section.grade_levels == "07, 08"
    assert list(section.terms.values_list("sourced_id", flat=True)) == ["as0003"]
    assert result.summary["columns"]["users.csv"]["mapped"] == {
        "agents": "agentSourcedIds",
        "grade": "grades",
    }
    reasons = rf.reasons(result.summary)
    assert (
        "These columns have OneRoster 1.0 (or misspelt) names and were read as their 1.1 "
        'columns: "agents" as agentSourcedIds, "grade" as grades.'
    ) in reasons
    assert (
        "These columns have OneRoster 1.0 (or misspelt) names and were read as their 1.1 "
        'columns: "grade" as grades, "termSourcedId" as termSourcedIds.'
    ) in reasons


@pytest.mark.django_db
def test_a_1_0_column_beside_its_1_1_twin_is_not_read_and_is_reported(tmp_path):
    folder = rf.copy_sample(tmp_path)
    add_column(folder, "users.csv", "agents", {"us0003": "us0004"})

    result = import_(folder)

    assert result.status == RosterImport.Status.APPLIED
    assert GuardianLink.objects.count() == 0
    assert (
        'The column "agents" was not read: it means agentSourcedIds, and the file\'s own '
        "agentSourcedIds column was read instead."
    ) in rf.reasons(result.summary)
    assert result.summary["columns"]["users.csv"]["unknown"] == ["agents"]


@pytest.mark.django_db
def test_a_required_column_missing_is_an_error_naming_the_file_and_column(tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.drop_column(folder, "enrollments.csv", "classSourcedId")
    rf.drop_column(folder, "classes.csv", "termSourcedIds")

    result = import_(folder)

    assert result.status == RosterImport.Status.REJECTED
    assert result.errors == [
        {
            "file": "classes.csv",
            "line": 1,
            "field": "termSourcedIds",
            "reason": "classes.csv has no termSourcedIds column, which OneRoster 1.1 requires "
            "in this file.",
        },
        {
            "file": "enrollments.csv",
            "line": 1,
            "field": "classSourcedId",
            "reason": "enrollments.csv has no classSourcedId column, which OneRoster 1.1 "
            "requires in this file.",
        },
    ]
    assert rf.counts() == dict.fromkeys(rf.counts(), 0)
