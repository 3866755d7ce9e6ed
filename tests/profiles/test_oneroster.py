"""OneRoster 1.1 CSV import, specified against the real sample export (quirks included)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from profiles.models import (
    Enrollment,
    GuardianLink,
    LearnerProfile,
    Membership,
    Role,
    RosterImport,
    School,
    Section,
    Term,
    User,
)
from profiles.oneroster import roster_import

from .roster_files import (
    SAMPLE,
    append_row,
    copy_sample,
    counts,
    drop_column,
    edit,
    history_counts,
    tallies,
    tally,
    user_row,
    zip_folder,
)

SAMPLE_WARNINGS = [
    {
        "file": "manifest.csv",
        "line": 10,
        "field": "propertyName",
        "reason": 'Unknown property "fiel.demographics" was ignored.',
    },
    {
        "file": "enrollments.csv",
        "line": None,
        "field": "role",
        "reason": "us0001 is a student in users.csv but enrollments.csv enrolls them as teacher "
        "in cl0001, cl0002, cl0003, cl0004: they were also given a teacher membership at "
        "Sample School.",
    },
    {
        "file": "enrollments.csv",
        "line": None,
        "field": "role",
        "reason": "us0002 is a student in users.csv but enrollments.csv enrolls them as teacher "
        "in cl0005: they were also given a teacher membership at Sample School.",
    },
]


def import_(source: Path | object, actor: User | None = None) -> RosterImport:
    return roster_import(source=source, source_name="roster.zip", actor=actor)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the real sample


@pytest.mark.django_db
def test_the_real_sample_imports_every_record_it_holds():
    result = import_(SAMPLE)

    assert result.status == RosterImport.Status.APPLIED
    assert result.errors == []
    assert counts() == {
        "schools": 1,
        "terms": 4,
        "sections": 5,
        "users": 20,
        "memberships": 22,  # 20 students + the 2 students enrollments.csv makes teachers
        "learner_profiles": 20,
        "guardian_links": 0,
        "enrollments": 30,
    }
    assert tallies(result.summary) == {
        "schools": tally(created=1),
        "terms": tally(created=4),
        "sections": tally(created=5),
        "users": tally(created=20),
        "memberships": tally(created=22),
        "learner_profiles": tally(created=20),
        "guardian_links": tally(),
        "enrollments": tally(created=30),
    }
    assert result.summary["courses"] == {"read": 2}
    assert result.summary["files"] == {
        "orgs.csv": "bulk",
        "academicSessions.csv": "bulk",
        "courses.csv": "bulk",
        "classes.csv": "bulk",
        "users.csv": "bulk",
        "enrollments.csv": "bulk",
    }
    assert result.summary["warnings"] == SAMPLE_WARNINGS
    assert result.summary["renames"] == {}
    assert result.summary["deactivation"]["needed"] is False
    assert result.summary_text == "102 created, 0 updated, 0 deactivated, 0 unchanged"
    assert RosterImport.objects.get() == result


@pytest.mark.django_db
def test_the_sample_school_terms_and_sections_carry_the_exported_values():
    import_(SAMPLE)

    school = School.objects.get()
    assert (school.sourced_id, school.name, school.identifier, school.is_active) == (
        "or0001",
        "Sample School",
        "",
        True,
    )
    first = Term.objects.get(sourced_id="as0001")
    assert (first.title, first.kind, first.start_date, first.end_date, first.school_year) == (
        "2020 - first",
        Term.Kind.TERM,
        dt.date(2020, 8, 1),
        dt.date(2021, 2, 1),
        "2021",
    )
    assert first.school == school and first.parent is None
    advanced = Section.objects.get(sourced_id="cl0003")
    assert (
        advanced.name,
        advanced.code,
        advanced.kind,
        advanced.course_title,
        advanced.subject,
        advanced.school,
    ) == (
        "Advanced Information Systems",
        "C403",
        Section.Kind.CLASS,
        "Advanced Information Systems",
        "",
        school,
    )
    assert [t.sourced_id for t in advanced.terms.all()] == ["as0003"]
    assert sorted(
        Enrollment.objects.filter(section=advanced, role="student").values_list(
            "user__sourced_id", flat=True
        )
    ) == ["us0003", "us0004", "us0005", "us0006", "us0007", "us0008", "us0009"]


@pytest.mark.django_db
def test_the_sample_people_get_lower_cased_emails_roles_and_no_usable_password():
    import_(SAMPLE)

    student = User.objects.get(sourced_id="us0003")
    assert (student.email, student.given_name, student.family_name, student.is_active) == (
        "user03@sample-u.ac.jp",
        "GN 03",
        "FN 03",
        True,
    )
    assert not student.has_usable_password()
    assert not student.is_staff
    assert list(student.memberships.values_list("role", "grade_level", "is_active")) == [
        ("student", "", True)
    ]
    assert LearnerProfile.objects.filter(student=student).exists()


@pytest.mark.django_db
def test_sample_students_whom_enrollments_make_teachers_get_a_teacher_membership_too():
    import_(SAMPLE)

    us0001 = User.objects.get(sourced_id="us0001")
    assert sorted(us0001.memberships.values_list("role", flat=True)) == ["student", "teacher"]
    assert sorted(
        Enrollment.objects.filter(user=us0001).values_list("section__sourced_id", "role")
    ) == [
        ("cl0001", "teacher"),
        ("cl0002", "teacher"),
        ("cl0003", "teacher"),
        ("cl0004", "teacher"),
    ]
    assert Enrollment.objects.get(sourced_id="en0001").is_primary is True
    assert Enrollment.objects.get(sourced_id="en0006").is_primary is False


@pytest.mark.django_db
def test_importing_the_same_export_twice_changes_nothing_and_writes_no_history():
    import_(SAMPLE)
    before, history_before = counts(), history_counts()

    again = import_(SAMPLE)

    assert again.status == RosterImport.Status.APPLIED
    assert counts() == before
    assert history_counts() == history_before
    assert tallies(again.summary) == {
        "schools": tally(unchanged=1),
        "terms": tally(unchanged=4),
        "sections": tally(unchanged=5),
        "users": tally(unchanged=20),
        "memberships": tally(unchanged=22),
        "learner_profiles": tally(unchanged=20),
        "guardian_links": tally(),
        "enrollments": tally(unchanged=30),
    }
    assert again.summary_text == "0 created, 0 updated, 0 deactivated, 102 unchanged"


@pytest.mark.django_db
def test_the_first_import_is_recorded_in_history_as_the_actor_via_oneroster():
    operator = User.objects.create_superuser(
        "op@example.org", "pw", given_name="O", family_name="P"
    )

    import_(SAMPLE, actor=operator)

    events = Enrollment.pgh_event_model.objects.filter(pgh_label="insert")  # type: ignore[attr-defined]
    assert events.count() == 30
    context = events.first().pgh_context
    assert context.metadata["user"] == operator.pk
    assert context.metadata["source"] == "oneroster"
    assert context.metadata["roster_import"] == RosterImport.objects.get().pk


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "roster-hub/"])
def test_a_zip_of_the_export_imports_like_the_folder(tmp_path, prefix):
    archive = zip_folder(SAMPLE, tmp_path / "roster.zip", prefix=prefix)

    result = import_(archive)

    assert result.status == RosterImport.Status.APPLIED
    assert counts()["users"] == 20 and counts()["enrollments"] == 30


@pytest.mark.django_db
def test_an_open_zip_file_object_imports_too(tmp_path):
    archive = zip_folder(SAMPLE, tmp_path / "roster.zip")

    with archive.open("rb") as handle:
        result = import_(handle)

    assert result.status == RosterImport.Status.APPLIED
    assert counts()["sections"] == 5


@pytest.mark.django_db
def test_a_dry_run_reports_what_would_change_and_writes_nothing():
    result = roster_import(source=SAMPLE, source_name="sample", actor=None, dry_run=True)

    assert result.status == RosterImport.Status.PREVIEWED
    assert result.pk is None
    assert result.summary["users"] == tally(created=20)
    assert counts() == dict.fromkeys(counts(), 0)
    assert RosterImport.objects.count() == 0
    assert history_counts() == dict.fromkeys(history_counts(), 0)


# --------------------------------------------------------------------------- broken exports


def break_missing_column(folder: Path) -> None:
    drop_column(folder, "users.csv", "familyName")


def break_date(folder: Path) -> None:
    edit(folder, "academicSessions.csv", '"2021-02-01","2021-08-01"', '"02/01/2021","2021-08-01"')


def break_end_before_start(folder: Path) -> None:
    edit(folder, "academicSessions.csv", '"2020-08-01","2021-02-01"', '"2020-08-01","2020-07-01"')


def break_duplicate_sourced_id(folder: Path) -> None:
    edit(folder, "enrollments.csv", '"en0030"', '"en0029"')


def break_role(folder: Path) -> None:
    edit(folder, "users.csv", '"or0001","student","user05"', '"or0001","pupil","user05"')


def break_missing_file(folder: Path) -> None:
    (folder / "classes.csv").unlink()


def break_email(folder: Path) -> None:
    edit(folder, "users.csv", "user07@sample-u.ac.jp", "user07-at-sample-u.ac.jp")


def break_status(folder: Path) -> None:
    edit(folder, "orgs.csv", '"or0001","",""', '"or0001","deleted",""')


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        (
            break_missing_column,
            {
                "file": "users.csv",
                "line": 1,
                "field": "familyName",
                "reason": "users.csv has no familyName column, which OneRoster 1.1 requires "
                "in this file.",
            },
        ),
        (
            break_date,
            {
                "file": "academicSessions.csv",
                "line": 3,
                "field": "startDate",
                "reason": '"02/01/2021" is not a date written as yyyy-mm-dd (for example '
                "2021-08-01).",
            },
        ),
        (
            break_end_before_start,
            {
                "file": "academicSessions.csv",
                "line": 2,
                "field": "endDate",
                "reason": "endDate 2020-07-01 must be after startDate 2020-08-01.",
            },
        ),
        (
            break_duplicate_sourced_id,
            {
                "file": "enrollments.csv",
                "line": 31,
                "field": "sourcedId",
                "reason": "sourcedId en0029 appears twice: it is already used on line 30.",
            },
        ),
        (
            break_role,
            {
                "file": "users.csv",
                "line": 6,
                "field": "role",
                "reason": '"pupil" is not a valid role: use one of student, teacher, aide, '
                "parent, guardian, relative, administrator, proctor.",
            },
        ),
        (
            break_missing_file,
            {
                "file": "classes.csv",
                "line": None,
                "field": "",
                "reason": "classes.csv is missing, but manifest.csv (line 6) says it is bulk.",
            },
        ),
        (
            break_email,
            {
                "file": "users.csv",
                "line": 8,
                "field": "email",
                "reason": '"user07-at-sample-u.ac.jp" is not a valid email address.',
            },
        ),
        (
            break_status,
            {
                "file": "orgs.csv",
                "line": 2,
                "field": "status",
                "reason": '"deleted" is not a status: use active, tobedeleted or leave it blank.',
            },
        ),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_a_broken_export_is_rejected_with_one_precise_error_and_writes_nothing(
    tmp_path, breaker, expected
):
    folder = copy_sample(tmp_path)
    breaker(folder)

    result = import_(folder)

    assert result.status == RosterImport.Status.REJECTED
    assert result.errors == [expected]
    assert counts() == dict.fromkeys(counts(), 0)
    assert RosterImport.objects.get().status == RosterImport.Status.REJECTED


@pytest.mark.django_db
def test_every_problem_is_reported_at_once(tmp_path):
    folder = copy_sample(tmp_path)
    break_date(folder)
    break_role(folder)
    break_email(folder)
    break_duplicate_sourced_id(folder)

    result = import_(folder)

    assert [(e["file"], e["line"], e["field"]) for e in result.errors] == [
        ("academicSessions.csv", 3, "startDate"),
        ("users.csv", 6, "role"),
        ("users.csv", 8, "email"),
        ("enrollments.csv", 31, "sourcedId"),
    ]


@pytest.mark.django_db
def test_a_broken_second_import_changes_nothing_already_imported(tmp_path):
    import_(SAMPLE)
    before, history_before = counts(), history_counts()
    folder = copy_sample(tmp_path)
    edit(folder, "users.csv", '"GN 05"', '"Renamed"')
    break_date(folder)

    result = import_(folder)

    assert result.status == RosterImport.Status.REJECTED
    assert counts() == before and history_counts() == history_before
    assert User.objects.get(sourced_id="us0005").given_name == "GN 05"


@pytest.mark.django_db
def test_a_file_that_is_not_a_zip_is_rejected(tmp_path):
    bogus = tmp_path / "roster.zip"
    bogus.write_bytes(b"this is not a zip")

    result = import_(bogus)

    assert result.status == RosterImport.Status.REJECTED
    assert result.errors == [
        {
            "file": "roster.zip",
            "line": None,
            "field": "",
            "reason": "This is not a zip file (or it is damaged).",
        }
    ]


@pytest.mark.django_db
def test_an_export_without_a_manifest_is_rejected(tmp_path):
    folder = copy_sample(tmp_path)
    (folder / "manifest.csv").unlink()

    result = import_(folder)

    assert result.errors == [
        {
            "file": "manifest.csv",
            "line": None,
            "field": "",
            "reason": "manifest.csv is missing: a OneRoster export lists its files in it.",
        }
    ]


# --------------------------------------------------------------------------- quirks accepted


@pytest.mark.django_db
def test_extra_metadata_columns_blank_columns_and_crlf_line_endings_are_accepted(tmp_path):
    folder = copy_sample(tmp_path)
    path = folder / "users.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))

    result = import_(folder)

    assert result.status == RosterImport.Status.APPLIED
    assert User.objects.get(sourced_id="us0001").email == "user01@sample-u.ac.jp"


@pytest.mark.django_db
def test_a_person_without_email_falls_back_to_an_email_username_else_a_placeholder(tmp_path):
    folder = copy_sample(tmp_path)
    append_row(folder, "users.csv", user_row("us0021", "student", username="Kim@Example.ORG"))
    append_row(folder, "users.csv", user_row("us0022", "student", username="kim22"))

    result = import_(folder)

    assert result.status == RosterImport.Status.APPLIED
    assert User.objects.get(sourced_id="us0021").email == "kim@example.org"
    assert User.objects.get(sourced_id="us0022").email == "us0022@roster.invalid"
    assert {
        "file": "users.csv",
        "line": None,
        "field": "email",
        "reason": "1 people have no email address (us0022): they were given a placeholder ending "
        "in @roster.invalid and cannot sign in until someone enters their real address.",
    } in result.summary["warnings"]


@pytest.mark.django_db
def test_a_placeholder_never_replaces_an_address_entered_in_learnhub(tmp_path):
    folder = copy_sample(tmp_path)
    append_row(folder, "users.csv", user_row("us0022", "student"))
    import_(folder)
    User.objects.filter(sourced_id="us0022").update(email="real22@example.org")

    again = import_(folder)

    assert User.objects.get(sourced_id="us0022").email == "real22@example.org"
    assert again.summary["users"] == tally(unchanged=21)


@pytest.mark.django_db
def test_a_person_already_in_learnhub_with_the_same_email_is_linked_not_duplicated():
    existing = User.objects.create_user(
        "USER03@sample-u.ac.jp", "pw", given_name="Old", family_name="Name"
    )

    result = import_(SAMPLE)

    assert result.status == RosterImport.Status.APPLIED
    existing.refresh_from_db()
    assert (existing.sourced_id, existing.email, existing.given_name) == (
        "us0003",
        "user03@sample-u.ac.jp",
        "GN 03",
    )
    assert User.objects.count() == 20
    assert result.summary["users"] == tally(created=19, updated=1)


@pytest.mark.django_db
def test_an_email_owned_by_another_rostered_person_is_rejected():
    User.objects.create_user(
        "user03@sample-u.ac.jp", "pw", given_name="A", family_name="B", sourced_id="other-sis-9"
    )

    result = import_(SAMPLE)

    assert result.errors == [
        {
            "file": "users.csv",
            "line": 4,
            "field": "email",
            "reason": "user03@sample-u.ac.jp already belongs to another LearnHub account "
            "(other-sis-9).",
        }
    ]


@pytest.mark.django_db
def test_homeroom_classes_become_advisories_and_term_lists_may_hold_several_terms(tmp_path):
    folder = copy_sample(tmp_path)
    edit(
        folder,
        "classes.csv",
        '"C405","scheduled","","or0001","as0002","",""',
        '"C405","homeroom","","or0001","as0002, as0004","Informatics,Math",""',
    )

    import_(folder)

    advisory = Section.objects.get(sourced_id="cl0005")
    assert advisory.kind == Section.Kind.ADVISORY
    assert advisory.subject == "Informatics, Math"
    assert sorted(advisory.terms.values_list("sourced_id", flat=True)) == ["as0002", "as0004"]


@pytest.mark.django_db
def test_a_session_parent_links_terms(tmp_path):
    folder = copy_sample(tmp_path)
    append_row(
        folder,
        "academicSessions.csv",
        '"as0000","","","2020-2021","schoolYear","2020-08-01","2021-08-01","","2021"',
    )
    edit(folder, "academicSessions.csv", '"2021-02-01","",', '"2021-02-01","as0000",')

    import_(folder)

    year = Term.objects.get(sourced_id="as0000")
    assert year.kind == Term.Kind.SCHOOL_YEAR
    assert year.school.sourced_id == "or0001"
    assert list(year.children.values_list("sourced_id", flat=True)) == ["as0001"]


@pytest.mark.django_db
def test_non_school_orgs_are_skipped_with_a_warning(tmp_path):
    folder = copy_sample(tmp_path)
    append_row(folder, "orgs.csv", '"or0000","","","Sample District","district","",""')
    edit(folder, "orgs.csv", '"school","",""', '"school","","or0000"')

    result = import_(folder)

    assert result.status == RosterImport.Status.APPLIED
    assert list(School.objects.values_list("sourced_id", flat=True)) == ["or0001"]
    assert {
        "file": "orgs.csv",
        "line": 3,
        "field": "type",
        "reason": "or0000 (Sample District) is a district: LearnHub keeps schools only, so it "
        "was not imported.",
    } in result.summary["warnings"]


# --------------------------------------------------------------------------- second imports


@pytest.mark.django_db
def test_a_changed_given_name_updates_exactly_that_person(tmp_path):
    import_(SAMPLE)
    history_before = history_counts()
    folder = copy_sample(tmp_path)
    edit(folder, "users.csv", '"GN 05"', '"Gina"')

    result = import_(folder)

    assert result.summary["users"] == tally(updated=1, unchanged=19)
    assert User.objects.get(sourced_id="us0005").given_name == "Gina"
    assert history_counts() == {**history_before, "users": history_before["users"] + 1}
    event = User.pgh_event_model.objects.order_by("pgh_id").last()  # type: ignore[attr-defined]
    assert (event.pgh_label, event.sourced_id, event.given_name) == ("update", "us0005", "Gina")


@pytest.mark.django_db
def test_tobedeleted_deactivates_a_person_their_memberships_and_enrollments(tmp_path):
    import_(SAMPLE)
    folder = copy_sample(tmp_path)
    edit(folder, "users.csv", '"us0003","","","true"', '"us0003","tobedeleted","","true"')

    result = import_(folder)

    person = User.objects.get(sourced_id="us0003")
    assert person.is_active is False
    assert list(person.memberships.values_list("is_active", flat=True)) == [False]
    assert sorted(person.enrollments.values_list("sourced_id", "is_active")) == [
        ("en0006", False),
        ("en0013", False),
    ]
    assert result.summary["users"] == tally(unchanged=19, deactivated=1)
    assert result.summary["memberships"] == tally(unchanged=21, deactivated=1)
    assert result.summary["enrollments"] == tally(unchanged=28, deactivated=2)
    assert Enrollment.objects.filter(is_active=True).count() == 28


@pytest.mark.django_db
def test_enabled_user_false_deactivates_the_account_only(tmp_path):
    folder = copy_sample(tmp_path)
    edit(folder, "users.csv", '"us0004","","","true"', '"us0004","","","false"')

    import_(folder)

    person = User.objects.get(sourced_id="us0004")
    assert person.is_active is False
    assert person.memberships.get().is_active is True
    assert person.enrollments.filter(is_active=True).count() == 2


@pytest.mark.django_db
def test_a_bulk_file_deactivates_what_it_no_longer_lists(tmp_path):
    import_(SAMPLE)
    folder = copy_sample(tmp_path)
    edit(
        folder,
        "enrollments.csv",
        '"en0030","","","cl0005","or0001","us0020","student","false","",""\n',
        "",
    )

    result = import_(folder)

    assert Enrollment.objects.get(sourced_id="en0030").is_active is False
    assert result.summary["enrollments"] == tally(unchanged=29, deactivated=1)


@pytest.mark.django_db
def test_a_delta_file_leaves_what_it_does_not_list(tmp_path):
    import_(SAMPLE)
    folder = copy_sample(tmp_path)
    edit(folder, "manifest.csv", '"file.enrollments","bulk"', '"file.enrollments","delta"')
    edit(
        folder,
        "enrollments.csv",
        '"en0030","","","cl0005","or0001","us0020","student","false","",""\n',
        "",
    )

    result = import_(folder)

    assert Enrollment.objects.get(sourced_id="en0030").is_active is True
    assert result.summary["enrollments"] == tally(unchanged=29)


@pytest.mark.django_db
def test_a_file_the_manifest_marks_absent_is_not_read_and_references_use_learnhub(tmp_path):
    import_(SAMPLE)
    folder = copy_sample(tmp_path)
    edit(folder, "manifest.csv", '"file.orgs","bulk"', '"file.orgs","absent"')
    (folder / "orgs.csv").unlink()

    result = import_(folder)

    assert result.status == RosterImport.Status.APPLIED
    assert "schools" in result.summary and result.summary["schools"] == tally()
    assert result.summary["users"] == tally(unchanged=20)


@pytest.mark.django_db
def test_a_learner_profile_is_never_overwritten(tmp_path):
    import_(SAMPLE)
    LearnerProfile.objects.filter(student__sourced_id="us0003").update(strengths="Drawing")

    import_(SAMPLE)

    assert LearnerProfile.objects.get(student__sourced_id="us0003").strengths == "Drawing"


# --------------------------------------------------------------------------- guardians


@pytest.mark.django_db
def test_agent_sourced_ids_link_guardians_from_either_side(tmp_path):
    folder = copy_sample(tmp_path)
    append_row(
        folder,
        "users.csv",
        user_row("us0021", "parent", email="parent21@example.org", agents="us0003"),
    )
    append_row(folder, "users.csv", user_row("us0022", "relative", email="rel22@example.org"))
    edit(
        folder,
        "users.csv",
        '"user04@sample-u.ac.jp","","","",',
        '"user04@sample-u.ac.jp","","","us0022",',
    )

    result = import_(folder)

    assert result.status == RosterImport.Status.APPLIED
    assert sorted(
        GuardianLink.objects.values_list(
            "guardian__sourced_id", "student__sourced_id", "relationship", "is_active"
        )
    ) == [("us0021", "us0003", "parent", True), ("us0022", "us0004", "relative", True)]
    assert list(
        Membership.objects.filter(user__sourced_id="us0021").values_list("role", flat=True)
    ) == [Role.GUARDIAN]
    assert not LearnerProfile.objects.filter(student__sourced_id="us0021").exists()
    assert result.summary["guardian_links"] == tally(created=2)


@pytest.mark.django_db
def test_a_guardian_link_dropped_from_a_bulk_file_is_deactivated(tmp_path):
    folder = copy_sample(tmp_path)
    append_row(
        folder,
        "users.csv",
        user_row("us0021", "guardian", email="g21@example.org", agents="us0003"),
    )
    import_(folder)
    later = copy_sample(tmp_path / "later")
    append_row(later, "users.csv", user_row("us0021", "guardian", email="g21@example.org"))

    result = import_(later)

    assert GuardianLink.objects.get().is_active is False
    assert result.summary["guardian_links"] == tally(deactivated=1)


# --------------------------------------------------------------------------- who may import


@pytest.mark.django_db
def test_a_school_admin_of_another_school_cannot_import_this_org(world):
    world.other_school.sourced_id = "or0002"
    world.other_school.save()
    before = counts()

    result = import_(SAMPLE, actor=world.other_admin)

    assert result.status == RosterImport.Status.REJECTED
    assert result.errors == [
        {
            "file": "orgs.csv",
            "line": 2,
            "field": "sourcedId",
            "reason": "School or0001 (Sample School) is not in LearnHub yet, and only a LearnHub "
            "operator can add a school or bind one to its OneRoster sourcedId. You administer "
            "Riverside Academy, whose sourcedId is or0002: check that this is your school's "
            "export. If your school's sourcedId really is or0001, ask your operator to change it "
            f"on /admin/profiles/school/{world.other_school.pk}/change/; if it is another "
            "school, ask them to add it on /admin/profiles/school/add/ with sourcedId or0001 "
            "and make you its school admin. Then upload the file again.",
        }
    ]
    assert counts() == before
    assert result.created_by == world.other_admin


@pytest.mark.django_db
def test_a_school_admin_imports_the_export_of_their_own_school(world):
    world.school.sourced_id = "or0001"
    world.school.save()
    before = counts()

    result = import_(SAMPLE, actor=world.admin)

    assert result.status == RosterImport.Status.APPLIED
    assert result.summary["schools"] == tally(updated=1)
    world.school.refresh_from_db()
    assert world.school.name == "Sample School"
    assert counts()["users"] == before["users"] + 20
    # People LearnHub had before the roster are untouched.
    assert world.student.memberships.get().is_active is True


@pytest.mark.django_db
def test_a_school_admin_cannot_change_a_person_rostered_at_another_school(world):
    world.school.sourced_id = "or0001"
    world.school.save()
    world.other_student.sourced_id = "us0003"
    world.other_student.save()
    Membership.objects.filter(user=world.other_student).update(school=world.other_school)

    result = import_(SAMPLE, actor=world.admin)

    assert result.status == RosterImport.Status.REJECTED
    assert result.errors == [
        {
            "file": "users.csv",
            "line": 4,
            "field": "sourcedId",
            "reason": "Person us0003 is already in LearnHub at a school you do not administer.",
        }
    ]


# --------------------------------------------------------------------------- the command


@pytest.mark.django_db
def test_the_command_imports_a_folder_and_prints_the_summary(capsys):
    call_command("import_oneroster", str(SAMPLE))

    out = capsys.readouterr().out
    assert "users: 20 created, 0 updated, 0 unchanged, 0 deactivated" in out
    assert "warning: manifest.csv, line 10 (propertyName): Unknown property" in out
    assert "roster-hub-v1p1 imported: 102 created, 0 updated, 0 deactivated, 0 unchanged." in out
    assert counts()["enrollments"] == 30


@pytest.mark.django_db
def test_the_command_dry_run_writes_nothing(capsys):
    call_command("import_oneroster", str(SAMPLE), "--dry-run")

    assert "Dry run: roster-hub-v1p1 would be imported: 102 created" in capsys.readouterr().out
    assert counts() == dict.fromkeys(counts(), 0)
    assert RosterImport.objects.count() == 0


@pytest.mark.django_db
def test_the_command_fails_on_a_broken_export_and_lists_the_errors(tmp_path, capsys):
    folder = copy_sample(tmp_path)
    break_role(folder)

    with pytest.raises(CommandError, match="export was not imported: 1 problem"):
        call_command("import_oneroster", str(folder))

    assert 'error: users.csv, line 6 (role): "pupil" is not a valid role' in capsys.readouterr().err
    assert counts() == dict.fromkeys(counts(), 0)


# --------------------------------------------------------------------------- scale


def big_export(folder: Path, students: int) -> Path:
    folder.mkdir()
    for name in ("manifest.csv", "orgs.csv", "academicSessions.csv", "courses.csv"):
        (folder / name).write_bytes((SAMPLE / name).read_bytes())
    classes = [
        '"sourcedId","title","courseSourcedId","classType","schoolSourcedId","termSourcedIds"'
    ]
    classes += [f'"c{n}","Class {n}","co0001","scheduled","or0001","as0001"' for n in range(50)]
    (folder / "classes.csv").write_text("\n".join(classes) + "\n")
    users = ['"sourcedId","orgSourcedIds","role","givenName","familyName","email","grades"']
    users += [
        f'"u{n}","or0001","student","Given{n}","Family{n}","u{n}@example.org","07"'
        for n in range(students)
    ]
    (folder / "users.csv").write_text("\n".join(users) + "\n")
    enrollments = ['"sourcedId","classSourcedId","schoolSourcedId","userSourcedId","role"']
    enrollments += [f'"e{n}","c{n % 50}","or0001","u{n}","student"' for n in range(students)]
    (folder / "enrollments.csv").write_text("\n".join(enrollments) + "\n")
    return folder


@pytest.mark.django_db
def test_five_thousand_people_import_in_seconds_with_a_bounded_number_of_queries(
    tmp_path, django_assert_max_num_queries
):
    folder = big_export(tmp_path / "big", 5000)

    started = time.monotonic()
    with django_assert_max_num_queries(60):
        result = import_(folder)
    first = time.monotonic() - started
    started = time.monotonic()
    with django_assert_max_num_queries(30):
        again = import_(folder)
    second = time.monotonic() - started

    assert result.status == RosterImport.Status.APPLIED, result.errors[:3]
    assert result.summary["users"] == tally(created=5000)
    assert again.summary["enrollments"] == tally(unchanged=5000)
    assert first < 30 and second < 30, (first, second)
