"""A new school gets in: an operator binds the school to its OneRoster sourcedId, and a school
admin refused before that is told what to ask for, and where (docs/decisions/0006)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.errors import Conflict, NotAllowed, ValidationFailed
from profiles.models import RosterImport, School
from profiles.oneroster import roster_import
from profiles.services import school_sourced_id_bind

from . import roster_files as rf

UPLOAD = "admin:profiles_rosterimport_upload"


def import_(actor) -> RosterImport:
    return roster_import(source=rf.SAMPLE, source_name="roster.zip", actor=actor)


@pytest.mark.django_db
def test_a_school_admin_whose_school_has_no_sourced_id_is_told_to_ask_for_the_binding(world):
    result = import_(world.admin)

    assert result.status == RosterImport.Status.REJECTED
    url = reverse("admin:profiles_school_change", args=[world.school.pk])
    assert result.errors == [
        {
            "file": "orgs.csv",
            "line": 2,
            "field": "sourcedId",
            "reason": "School or0001 (Sample School) is not in LearnHub yet, and only a LearnHub "
            "operator can add a school or bind one to its OneRoster sourcedId. If this export is "
            "Maple Grove Learning Community's, ask your operator to enter or0001 as the "
            f"OneRoster sourcedId of Maple Grove Learning Community on {url} (or to run "
            'manage.py school_bind "Maple Grove Learning Community" or0001), then upload the '
            "file again.",
        }
    ]
    assert result.summary["onboarding"] == {
        "org_sids": ["or0001"],
        "names": {"or0001": "Sample School"},
        "unknown": ["or0001"],
        "schools": [{"name": "Maple Grove Learning Community", "sourced_id": "", "url": url}],
        "add_url": reverse("admin:profiles_school_add"),
    }
    assert rf.counts()["sections"] == 3  # the world's own, nothing imported


@pytest.mark.django_db
def test_a_file_for_a_school_in_learnhub_that_they_do_not_run_names_no_other_school(world):
    world.other_school.sourced_id = "or0001"
    world.other_school.save()

    result = import_(world.admin)

    assert [e["reason"] for e in result.errors] == [
        "School or0001 (Sample School) is in LearnHub, but you do not administer it: ask its "
        "school admin or your LearnHub operator to import this file."
    ]
    assert "Riverside" not in str(result.errors)


@pytest.mark.django_db
def test_after_the_operator_binds_the_school_the_admin_imports(world, capsys):
    assert import_(world.admin).status == RosterImport.Status.REJECTED

    call_command("school_bind", "Maple Grove Learning Community", "or0001")

    assert "Maple Grove Learning Community now has the sourcedId or0001." in capsys.readouterr().out
    assert import_(world.admin).status == RosterImport.Status.APPLIED
    world.school.refresh_from_db()
    assert (world.school.sourced_id, world.school.name) == ("or0001", "Sample School")


@pytest.mark.django_db
def test_school_bind_can_add_the_school(db, capsys):
    call_command("school_bind", "Sample School", "or0001", "--create")

    school = School.objects.get()
    assert (school.name, school.sourced_id) == ("Sample School", "or0001")
    assert "Added Sample School with sourcedId or0001." in capsys.readouterr().out


@pytest.mark.django_db
def test_school_bind_refuses_a_sourced_id_another_school_has(world):
    world.other_school.sourced_id = "or0001"
    world.other_school.save()

    with pytest.raises(CommandError, match="or0001 is already the sourcedId of Riverside Academy"):
        call_command("school_bind", str(world.school.pk), "or0001")

    with pytest.raises(CommandError, match='No school is called "Nowhere"'):
        call_command("school_bind", "Nowhere", "or0002")


@pytest.mark.django_db
def test_only_an_operator_binds_a_school(world):
    with pytest.raises(NotAllowed):
        school_sourced_id_bind(actor=world.admin, school=world.school, sourced_id="or0001")
    with pytest.raises(ValidationFailed):
        school_sourced_id_bind(actor=None, school=world.school, sourced_id="a,b")
    world.other_school.sourced_id = "x"
    world.other_school.save()
    with pytest.raises(Conflict):
        school_sourced_id_bind(actor=None, school=world.school, sourced_id="x")
    world.school.refresh_from_db()
    assert world.school.sourced_id is None


@pytest.mark.django_db
def test_the_refused_admin_sees_the_next_step_with_the_admin_page_to_ask_for(client, world):
    client.force_login(world.admin)

    response = client.post(reverse(UPLOAD), {"file": rf.upload()}, follow=True)

    page = response.content.decode()
    url = reverse("admin:profiles_school_change", args=[world.school.pk])
    assert "This file is for or0001 (Sample School), which LearnHub does not know yet." in page
    assert f'bind <a href="{url}">Maple Grove Learning Community</a> to it' in page
