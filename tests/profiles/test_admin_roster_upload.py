"""Uploading a OneRoster export in the admin: it is imported (or rejected) and the report shown."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from profiles.models import Enrollment, RosterImport, School, Section, User

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "oneroster" / "roster-hub-v1p1"
UPLOAD = "admin:profiles_rosterimport_upload"


def sample_zip(*, replace: dict[str, tuple[str, str]] | None = None) -> SimpleUploadedFile:
    """The sample export zipped in memory; ``replace`` edits one file: {name: (old, new)}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(SAMPLE.iterdir()):
            text = path.read_text(encoding="utf-8")
            if replace and path.name in replace:
                old, new = replace[path.name]
                assert text.count(old) == 1
                text = text.replace(old, new)
            archive.writestr(path.name, text)
    return SimpleUploadedFile("roster.zip", buffer.getvalue(), content_type="application/zip")


def change_page(record: RosterImport) -> str:
    return reverse("admin:profiles_rosterimport_change", args=[record.pk])


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_superuser(
        "operator@example.org", "pw", given_name="Opal", family_name="Reyes"
    )


def test_the_upload_page_shows_a_file_form(client, operator):
    client.force_login(operator)

    response = client.get(reverse(UPLOAD))

    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()


def test_a_superuser_uploads_a_zip_and_lands_on_the_applied_import(client, operator):
    client.force_login(operator)

    response = client.post(reverse(UPLOAD), {"file": sample_zip()})

    record = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_page(record)
    assert (record.status, record.source_name, record.created_by) == (
        RosterImport.Status.APPLIED,
        "roster.zip",
        operator,
    )
    assert School.objects.get().sourced_id == "or0001"
    assert User.objects.filter(sourced_id__isnull=False).count() == 20
    assert Section.objects.count() == 5
    assert Enrollment.objects.count() == 30
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Imported roster.zip: 102 created, 0 updated, 0 deactivated, 0 unchanged." in (
        page.content.decode()
    )


def test_the_school_admin_imports_their_own_schools_export(client, world):
    world.school.sourced_id = "or0001"
    world.school.save()
    client.force_login(world.admin)

    response = client.post(reverse(UPLOAD), {"file": sample_zip()})

    record = RosterImport.objects.get()
    assert response["Location"] == change_page(record)
    assert record.status == RosterImport.Status.APPLIED
    assert record.created_by == world.admin
    assert Section.objects.filter(school=world.school, sourced_id__isnull=False).count() == 5
    assert client.get(response["Location"]).status_code == 200


def test_a_broken_zip_is_rejected_with_its_errors_and_writes_nothing(client, operator):
    client.force_login(operator)
    broken = sample_zip(
        replace={"enrollments.csv": ('"en0030","","","cl0005"', '"en0030","","","cl0099"')}
    )

    response = client.post(reverse(UPLOAD), {"file": broken})

    record = RosterImport.objects.get()
    assert response["Location"] == change_page(record)
    assert record.status == RosterImport.Status.REJECTED
    assert record.errors == [
        {
            "file": "enrollments.csv",
            "line": 31,
            "field": "classSourcedId",
            "reason": "Class cl0099 is not in classes.csv or LearnHub.",
        }
    ]
    assert (School.objects.count(), Section.objects.count(), User.objects.count()) == (0, 0, 1)
    page = client.get(response["Location"]).content.decode()
    # The admin's message list capitalises the first letter.
    assert "Roster.zip was not imported: 1 problem(s), nothing was written." in page
    assert "Class cl0099 is not in classes.csv or LearnHub." in page


def test_an_upload_that_is_not_a_zip_is_rejected(client, operator):
    client.force_login(operator)
    upload = SimpleUploadedFile("roster.zip", b"not a zip at all", content_type="application/zip")

    client.post(reverse(UPLOAD), {"file": upload})

    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.REJECTED
    assert record.errors == [
        {
            "file": "roster.zip",
            "line": None,
            "field": "",
            "reason": "This is not a zip file (or it is damaged).",
        }
    ]


def test_another_schools_admin_uploading_this_export_is_rejected(client, world):
    client.force_login(world.other_admin)
    before = (School.objects.count(), User.objects.count())

    client.post(reverse(UPLOAD), {"file": sample_zip()})

    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.REJECTED
    assert [(e["file"], e["line"], e["field"]) for e in record.errors] == [
        ("orgs.csv", 2, "sourcedId")
    ]
    assert (School.objects.count(), User.objects.count()) == before


def test_teachers_cannot_reach_the_upload(client, world):
    client.force_login(world.teacher)

    response = client.post(reverse(UPLOAD), {"file": sample_zip()})

    assert response.status_code == 302  # the admin sends non-staff to its login page
    assert RosterImport.objects.count() == 0
