"""Preview, then confirm: the preview is computed by the import's own checks and plan without
writing anything, and a confirmation applies exactly what was previewed — or nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from profiles.models import Membership, RosterImport, School, User
from profiles.oneroster import roster_import, roster_plan
from profiles.services import (
    roster_import_confirm,
    roster_import_discard,
    roster_import_preview,
    roster_import_refresh,
)

from . import roster_files as rf

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def plan(source, actor=None):
    return roster_plan(source=source, source_name="roster.zip", actor=actor)


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if WRITE.match(q["sql"])]


@pytest.fixture
def school(world):
    """world.school bound to or0001 and imported once from the sample: 27 people."""
    world.school.sourced_id = "or0001"
    world.school.save()
    roster_import(source=rf.SAMPLE, source_name="first.zip", actor=None)
    return world


def without_most_people(tmp_path, name="wrong"):
    """The sample with 18 of its 20 people (and their enrollments) gone, and the school
    renamed."""
    folder = rf.copy_sample(tmp_path, name)
    rf.edit(folder, "orgs.csv", '"Sample School"', '"Sample Academy"')
    rf.remove_rows(folder, "users.csv", {f"us00{n:02d}" for n in range(3, 21)})
    rf.remove_rows(folder, "enrollments.csv", {f"en00{n:02d}" for n in range(6, 31)})
    return folder


# --------------------------------------------------------------------------- the plan


@pytest.mark.django_db
def test_a_plan_writes_nothing_at_all(school, tmp_path):
    with CaptureQueriesContext(connection) as queries:
        result = plan(without_most_people(tmp_path))

    assert result.record.status == RosterImport.Status.PREVIEWED
    assert result.record.pk is None
    assert writes(queries.captured_queries) == []
    assert not any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_the_preview_counts_are_what_the_import_then_does(school, tmp_path):
    folder = without_most_people(tmp_path)
    rf.edit(folder, "users.csv", '"GN 01"', '"Gina"')
    previewed = plan(folder)

    applied = previewed.apply()

    assert rf.tallies(applied.summary) == rf.tallies(previewed.record.summary)
    assert applied.summary["users"] == rf.tally(updated=1, unchanged=1, deactivated=18)
    again = plan(folder)
    assert {
        k: v["created"] + v["updated"] + v["deactivated"]
        for k, v in rf.tallies(again.record.summary).items()
    } == dict.fromkeys(rf.TALLY_KEYS, 0)


@pytest.mark.django_db
def test_the_digest_names_the_changes_not_the_moment(school, tmp_path):
    folder = without_most_people(tmp_path)

    first, second = plan(folder), plan(folder)
    User.objects.filter(sourced_id="us0001").update(given_name="Changed by hand")
    third = plan(folder)

    assert first.digest == second.digest
    assert third.digest != first.digest


@pytest.mark.django_db
def test_the_preview_names_examples_renames_and_the_people_deactivated(school, tmp_path):
    summary = plan(without_most_people(tmp_path)).record.summary

    assert summary["renames"] == {"schools": ["Sample School → Sample Academy (or0001)"]}
    users = summary["changes"]["users"]["deactivated"]
    assert users["count"] == 18
    assert users["examples"] == [
        "GN 03 FN 03 (us0003)",
        "GN 04 FN 04 (us0004)",
        "GN 05 FN 05 (us0005)",
        "GN 06 FN 06 (us0006)",
        "GN 07 FN 07 (us0007)",
    ]
    assert summary["changes"]["schools"]["updated"]["examples"] == ["Sample Academy (or0001): name"]
    assert summary["deactivation"] == {
        "schools": [
            {
                "school": "Sample School",
                "people": 18,
                "of": 27,
                "percent": 67,
                "over": True,
            }
        ],
        "share": 0.1,
        "needed": True,
        "phrase": "deactivate 18 people",
    }


@pytest.mark.django_db
def test_deactivating_a_small_share_needs_no_typed_confirmation(school, tmp_path):
    folder = rf.copy_sample(tmp_path)
    rf.remove_rows(folder, "users.csv", {"us0020"})
    rf.remove_rows(folder, "enrollments.csv", {"en0030"})

    result = plan(folder)

    assert result.record.summary["deactivation"]["schools"] == [
        {
            "school": "Sample School",
            "people": 1,
            "of": 27,
            "percent": 4,
            "over": False,
        }
    ]
    assert result.confirmation == ""


@pytest.mark.django_db
def test_the_share_is_a_setting(school, tmp_path, settings):
    settings.LEARNHUB_ROSTER_CONFIRM_SHARE = 0.8

    assert plan(without_most_people(tmp_path)).confirmation == ""


# --------------------------------------------------------------------------- the services


def preview(actor, folder=rf.SAMPLE) -> RosterImport:
    return roster_import_preview(actor=actor, upload=rf.zip_bytes(folder), source_name="x.zip")


@pytest.mark.django_db
def test_a_preview_keeps_the_file_and_writes_no_roster_data(school, tmp_path):
    before, history = rf.counts(), rf.history_counts()

    record = preview(school.admin, without_most_people(tmp_path))

    assert record.status == RosterImport.Status.PREVIEWED
    assert bytes(record.upload) == rf.zip_bytes(without_most_people(tmp_path, "again"))
    assert rf.counts() == before and rf.history_counts() == history


@pytest.mark.django_db
def test_a_confirmation_applies_the_preview_once(school, tmp_path):
    record = preview(school.admin, without_most_people(tmp_path))

    applied = roster_import_confirm(
        actor=school.admin,
        roster_import_id=record.pk,
        digest=record.plan_digest,
        confirmation="deactivate 18 people",
    )

    assert applied.status == RosterImport.Status.APPLIED
    assert applied.summary["users"]["deactivated"] == 18
    assert bytes(RosterImport.objects.get(pk=record.pk).upload) == b""
    with pytest.raises(Conflict) as again:
        roster_import_confirm(
            actor=school.admin,
            roster_import_id=record.pk,
            digest=record.plan_digest,
            confirmation="deactivate 18 people",
        )
    assert again.value.code == "not_previewed"


@pytest.mark.django_db
def test_a_confirmation_without_the_words_writes_nothing(school, tmp_path):
    record = preview(school.admin, without_most_people(tmp_path))
    before = rf.counts()

    with pytest.raises(ValidationFailed) as refused:
        roster_import_confirm(
            actor=school.admin, roster_import_id=record.pk, digest=record.plan_digest
        )

    assert refused.value.message == (
        'This import deactivates many people: type "deactivate 18 people" to confirm it.'
    )
    assert rf.counts() == before
    assert Membership.objects.filter(user__sourced_id="us0010", is_active=True).exists()


@pytest.mark.django_db
def test_a_stale_preview_is_refused_and_can_be_planned_again(school, tmp_path):
    record = preview(school.admin, without_most_people(tmp_path))
    User.objects.filter(sourced_id="us0001").update(given_name="Changed by hand")

    with pytest.raises(Conflict) as stale:
        roster_import_confirm(
            actor=school.admin,
            roster_import_id=record.pk,
            digest=record.plan_digest,
            confirmation="deactivate 18 people",
        )

    assert stale.value.code == "stale_preview"
    assert User.objects.get(sourced_id="us0010").is_active is True
    refreshed = roster_import_refresh(actor=school.admin, roster_import_id=record.pk)
    assert refreshed.plan_digest != record.plan_digest
    assert refreshed.summary["changes"]["users"]["updated"]["examples"] == [
        "GN 01 FN 01 (us0001): given name"
    ]


@pytest.mark.django_db
def test_a_stored_file_that_changed_is_refused(school, tmp_path):
    record = preview(school.admin, without_most_people(tmp_path))
    RosterImport.objects.filter(pk=record.pk).update(upload=rf.zip_bytes(rf.SAMPLE))

    with pytest.raises(Conflict) as changed:
        roster_import_confirm(
            actor=school.admin, roster_import_id=record.pk, digest=record.plan_digest
        )

    assert changed.value.code == "changed_file"


@pytest.mark.django_db
def test_an_expired_preview_is_refused_and_dropped_later(school, tmp_path):
    record = preview(school.admin, without_most_people(tmp_path))
    RosterImport.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=2)
    )

    with pytest.raises(Conflict) as expired:
        roster_import_confirm(
            actor=school.admin,
            roster_import_id=record.pk,
            digest=record.plan_digest,
            confirmation="deactivate 18 people",
        )

    assert expired.value.code == "expired"
    preview(school.other_admin, rf.SAMPLE)  # any later preview clears expired files
    record.refresh_from_db()
    assert (record.status, bytes(record.upload)) == (RosterImport.Status.DISCARDED, b"")


@pytest.mark.django_db
def test_only_the_uploader_confirms_or_discards_a_preview(school, tmp_path):
    record = preview(school.admin, without_most_people(tmp_path))

    with pytest.raises(NotFound):
        roster_import_confirm(
            actor=school.other_admin, roster_import_id=record.pk, digest=record.plan_digest
        )
    with pytest.raises(NotFound):
        roster_import_discard(actor=school.other_admin, roster_import_id=record.pk)
    with pytest.raises(NotAllowed):
        preview(school.teacher)

    assert roster_import_discard(actor=school.admin, roster_import_id=record.pk).status == (
        RosterImport.Status.DISCARDED
    )


@pytest.mark.django_db
def test_a_new_preview_replaces_my_earlier_one(school, tmp_path):
    first = preview(school.admin, without_most_people(tmp_path))

    preview(school.admin, rf.SAMPLE)

    first.refresh_from_db()
    assert (first.status, bytes(first.upload)) == (RosterImport.Status.DISCARDED, b"")


# --------------------------------------------------------------------------- the command line


@pytest.mark.django_db
def test_the_command_prints_the_preview_and_refuses_a_mass_deactivation_without_yes(
    school, tmp_path, capsys
):
    folder = without_most_people(tmp_path)

    with pytest.raises(CommandError) as refused:
        call_command("import_oneroster", str(folder))

    out = capsys.readouterr().out
    assert "renamed: Sample School → Sample Academy (or0001)" in out
    assert "deactivates 18 of 27 people (67 %) at Sample School" in out
    assert "18 people deactivated: GN 03 FN 03 (us0003); GN 04 FN 04 (us0004)" in out
    assert str(refused.value) == (
        "wrong was not imported: it would deactivate 18 people, more than 10 % of a school's "
        "people (see above). If that is right, run the command again with --yes. Nothing was "
        "written."
    )
    assert User.objects.get(sourced_id="us0010").is_active is True
    assert School.objects.get(sourced_id="or0001").name == "Sample School"


@pytest.mark.django_db
def test_the_command_applies_a_mass_deactivation_with_yes(school, tmp_path, capsys):
    call_command("import_oneroster", str(without_most_people(tmp_path)), "--yes")

    assert "wrong imported:" in capsys.readouterr().out
    assert User.objects.get(sourced_id="us0010").is_active is False


@pytest.mark.django_db
def test_the_command_dry_run_prints_the_preview_without_needing_yes(school, tmp_path, capsys):
    call_command("import_oneroster", str(without_most_people(tmp_path)), "--dry-run")

    out = capsys.readouterr().out
    assert "Dry run: wrong would be imported:" in out
    assert "Nothing was written." in out
    assert User.objects.get(sourced_id="us0010").is_active is True


@pytest.mark.django_db
def test_the_issue_9_export_that_matched_no_demo_people_no_longer_deactivates_in_one_click(
    school, tmp_path
):
    """A bulk export for the admin's school listing other people: everyone else would go."""
    folder = rf.copy_sample(tmp_path)
    for n in range(1, 21):
        rf.set_value(folder, "users.csv", f"us00{n:02d}", "email", f"new{n}@example.org")
    rf.rewrite_csv(
        folder,
        "users.csv",
        lambda rows: [rows[0], *([f"n{r[0]}", *r[1:]] for r in rows[1:])],
    )
    rf.rewrite_csv(
        folder,
        "enrollments.csv",
        lambda rows: [rows[0], *([*r[:5], f"n{r[5]}", *r[6:]] for r in rows[1:])],
    )

    record = preview(school.admin, folder)

    assert record.status == RosterImport.Status.PREVIEWED
    deactivation = record.summary["deactivation"]
    assert deactivation["needed"] is True
    assert deactivation["phrase"] == "deactivate 20 people"
    assert User.objects.get(sourced_id="us0003").is_active is True


# --------------------------------------------------------------------------- scale and scope


@pytest.mark.django_db
def test_the_preview_runs_the_same_number_of_queries_at_two_sizes(tmp_path):
    from .test_oneroster import big_export

    small, large = big_export(tmp_path / "small", 100), big_export(tmp_path / "large", 1000)
    roster_import(source=small, source_name="s", actor=None)

    with CaptureQueriesContext(connection) as at_100:
        plan(small)
    School.objects.all().delete()
    roster_import(source=large, source_name="l", actor=None)
    with CaptureQueriesContext(connection) as at_1000:
        plan(large)

    assert len(at_100) == len(at_1000) <= 20


@pytest.mark.django_db
def test_a_school_admins_import_leaves_the_account_of_a_person_known_elsewhere(school, tmp_path):
    """docs/decisions/0004: their account is an operator's; each school keeps their roles."""
    shared = User.objects.get(sourced_id="us0005")
    Membership.objects.create(user=shared, school=school.other_school, role="guardian")
    folder = rf.copy_sample(tmp_path)
    rf.edit(folder, "users.csv", '"GN 05"', '"Renamed"')
    rf.edit(folder, "users.csv", '"us0006","",""', '"us0006","tobedeleted",""')
    Membership.objects.create(
        user=User.objects.get(sourced_id="us0006"), school=school.other_school, role="guardian"
    )

    result = roster_import(source=folder, source_name="x", actor=school.admin)

    assert result.status == RosterImport.Status.APPLIED, result.errors
    shared.refresh_from_db()
    assert shared.given_name == "GN 05"
    leaving = User.objects.get(sourced_id="us0006")
    assert leaving.is_active is True
    assert sorted(leaving.memberships.values_list("school__name", "role", "is_active")) == [
        ("Riverside Academy", "guardian", True),
        ("Sample School", "student", False),
    ]
    assert not leaving.enrollments.filter(is_active=True).exists()
    reasons = rf.reasons(result.summary)
    assert (
        "Person us0005 was also known at a school you do not administer, so only a LearnHub "
        "operator can change their name, email or sign-in. Those changes were skipped; their "
        "roles, classes and links at your schools were imported."
    ) in reasons
    assert (
        "Person us0006 was also known at a school you do not administer, so only a LearnHub "
        "operator can deactivate their account. Their roles, classes and links at your schools "
        "were deactivated."
    ) in reasons
