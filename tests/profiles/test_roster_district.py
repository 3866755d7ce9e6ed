"""District exports: one OneRoster academic session is a term at every school whose classes use
it (Term is unique per school and sourcedId), so one export for many schools imports."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from profiles.models import Membership, RosterImport, School, Section, Term
from profiles.oneroster import roster_import

from . import roster_files as rf


def import_(source, actor=None) -> RosterImport:
    return roster_import(source=source, source_name="district.zip", actor=actor)


def terms_at(sid: str) -> list[tuple[str, str]]:
    return sorted(Term.objects.filter(sourced_id=sid).values_list("school__sourced_id", "title"))


@pytest.mark.django_db
def test_a_district_export_with_sessions_shared_by_two_schools_imports(tmp_path):
    result = import_(rf.two_school_district(tmp_path))

    assert result.status == RosterImport.Status.APPLIED, result.errors
    assert sorted(School.objects.values_list("sourced_id", "name")) == [
        ("or0001", "Sample School"),
        ("or0002", "Second School"),
    ]
    # as0001 is used by cl0001/cl0002 (or0001) and cl0004 (or0002): a term at each school.
    assert terms_at("as0001") == [("or0001", "2020 - first"), ("or0002", "2020 - first")]
    assert terms_at("as0002") == [("or0002", "2020 - second")]
    assert terms_at("as0003") == [("or0001", "2020 - full"), ("or0002", "2020 - full")]
    assert terms_at("as0004") == []  # used by no class, and the file has two schools
    assert (
        "1 sessions (as0004) are used by no class and the file has several schools, so "
        "LearnHub cannot tell whose terms they are: they were not imported."
    ) in rf.reasons(result.summary)
    assert result.summary["terms"] == rf.tally(created=5)
    assert rf.counts()["terms"] == 5


@pytest.mark.django_db
def test_each_class_is_linked_to_its_own_schools_term(tmp_path):
    import_(rf.two_school_district(tmp_path))

    first = Section.objects.get(sourced_id="cl0001")
    fourth = Section.objects.get(sourced_id="cl0004")
    assert first.school.sourced_id == "or0001" and fourth.school.sourced_id == "or0002"
    assert [(t.sourced_id, t.school.sourced_id) for t in first.terms.all()] == [
        ("as0001", "or0001")
    ]
    assert sorted((t.sourced_id, t.school.sourced_id) for t in fourth.terms.all()) == [
        ("as0001", "or0002"),
        ("as0002", "or0002"),
    ]


@pytest.mark.django_db
def test_a_teacher_of_both_schools_gets_a_role_at_each(tmp_path):
    import_(rf.two_school_district(tmp_path))

    assert sorted(
        Membership.objects.filter(user__sourced_id="us0001").values_list(
            "school__sourced_id", "role"
        )
    ) == [
        ("or0001", "student"),
        ("or0001", "teacher"),
        ("or0002", "student"),
        ("or0002", "teacher"),
    ]


@pytest.mark.django_db
def test_importing_the_district_export_twice_changes_nothing(tmp_path):
    folder = rf.two_school_district(tmp_path)
    import_(folder)
    before, history = rf.counts(), rf.history_counts()

    again = import_(folder)

    assert rf.counts() == before and rf.history_counts() == history
    assert {
        name: c["created"] + c["updated"] + c["deactivated"]
        for name, c in rf.tallies(again.summary).items()
    } == dict.fromkeys(rf.TALLY_KEYS, 0)
    assert again.summary["terms"] == rf.tally(unchanged=5)


@pytest.mark.django_db
def test_a_changed_session_updates_its_term_at_every_school(tmp_path):
    import_(rf.two_school_district(tmp_path))
    later = rf.two_school_district(tmp_path, "later")
    rf.edit(later, "academicSessions.csv", '"2020 - first"', '"Autumn 2020"')

    result = import_(later)

    assert terms_at("as0001") == [("or0001", "Autumn 2020"), ("or0002", "Autumn 2020")]
    assert result.summary["terms"] == rf.tally(updated=2, unchanged=3)


@pytest.mark.django_db
def test_a_session_marked_tobedeleted_deactivates_its_terms_at_the_files_schools(tmp_path):
    import_(rf.two_school_district(tmp_path))
    later = rf.two_school_district(tmp_path, "later")
    rf.edit(
        later, "manifest.csv", '"file.academicSessions","bulk"', '"file.academicSessions","delta"'
    )
    rf.edit(later, "academicSessions.csv", '"as0003","",""', '"as0003","tobedeleted",""')

    result = import_(later)

    assert result.status == RosterImport.Status.APPLIED, result.errors
    assert sorted(Term.objects.filter(sourced_id="as0003").values_list("is_active", flat=True)) == [
        False,
        False,
    ]
    assert result.summary["terms"]["deactivated"] == 2


@pytest.mark.django_db
def test_another_schools_own_export_reusing_a_session_id_gets_its_own_term(world, tmp_path):
    """Two schools exported separately by one SIS share session ids: neither touches the
    other's term."""
    world.school.sourced_id = "or0001"
    world.school.save()
    world.other_school.sourced_id = "or0002"
    world.other_school.save()
    import_(rf.SAMPLE, actor=world.admin)
    second = rf.copy_sample(tmp_path, "second")
    rf.edit(second, "orgs.csv", '"or0001","","","Sample School"', '"or0002","","","Riverside"')
    for name in ("classes.csv", "enrollments.csv", "courses.csv"):
        text = (second / name).read_text()
        (second / name).write_text(text.replace('"or0001"', '"or0002"'))
    rf.rewrite_csv(
        second,
        "classes.csv",
        lambda rows: [rows[0], *([f"x{r[0]}", *r[1:]] for r in rows[1:])],
    )
    rf.rewrite_csv(
        second,
        "enrollments.csv",
        lambda rows: [
            rows[0],
            *([f"x{r[0]}", *r[1:3], f"x{r[3]}", r[4], f"x{r[5]}", *r[6:]] for r in rows[1:]),
        ],
    )
    rf.rewrite_csv(
        second,
        "users.csv",
        lambda rows: [
            rows[0],
            *(
                [f"x{r[0]}", *r[1:4], "or0002", *r[5:12], r[12].replace("user", "xuser"), *r[13:]]
                for r in rows[1:]
            ),
        ],
    )
    first_term = Term.objects.get(school=world.school, sourced_id="as0001")

    result = import_(second, actor=world.other_admin)

    assert result.status == RosterImport.Status.APPLIED, result.errors
    assert terms_at("as0001") == [("or0001", "2020 - first"), ("or0002", "2020 - first")]
    first_term.refresh_from_db()
    assert first_term.is_active and first_term.school == world.school


@pytest.mark.django_db
def test_a_school_admin_of_one_school_cannot_import_the_whole_district(world, tmp_path):
    world.school.sourced_id = "or0001"
    world.school.save()

    result = import_(rf.two_school_district(tmp_path), actor=world.admin)

    assert result.status == RosterImport.Status.REJECTED
    assert [(e["file"], e["field"]) for e in result.errors] == [("orgs.csv", "sourcedId")]
    assert result.errors[0]["reason"].startswith("School or0002 (Second School) is not in LearnHub")
    assert rf.counts()["terms"] == 0


@pytest.mark.django_db
def test_a_term_sourced_id_is_unique_per_school_only(world):
    Term.objects.create(
        school=world.school,
        sourced_id="fall",
        title="Fall",
        start_date="2026-08-24",
        end_date="2027-01-22",
    )
    Term.objects.create(
        school=world.other_school,
        sourced_id="fall",
        title="Fall",
        start_date="2026-08-24",
        end_date="2027-01-22",
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(
            school=world.school,
            sourced_id="fall",
            title="Again",
            start_date="2026-08-24",
            end_date="2027-01-22",
        )


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_terms():
    executor = MigrationExecutor(connection)
    before = [("profiles", "0002_school_time_zone")]
    after = [("profiles", "0003_term_per_school_and_import_preview")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    school = old.get_model("profiles", "School").objects.create(name="Old School", sourced_id="s1")
    old.get_model("profiles", "Term").objects.create(
        school=school,
        sourced_id="t1",
        title="Old term",
        start_date="2025-08-24",
        end_date="2026-01-22",
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    term = Term.objects.get(sourced_id="t1")
    assert (term.title, term.school.sourced_id) == ("Old term", "s1")
