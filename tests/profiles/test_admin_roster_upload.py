"""Uploading a OneRoster export in the admin: first a preview that writes nothing, then an
explicit confirmation that applies exactly what was previewed."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from profiles.models import Enrollment, Membership, RosterImport, School, Section, User

from .roster_files import (
    SAMPLE,
    copy_sample,
    counts,
    edit,
    history_counts,
    remove_rows,
    upload,
)

UPLOAD = "admin:profiles_rosterimport_upload"


def change_page(record: RosterImport) -> str:
    return reverse("admin:profiles_rosterimport_change", args=[record.pk])


def preview_page(record: RosterImport) -> str:
    return reverse("admin:profiles_rosterimport_preview", args=[record.pk])


def digest_on(page: str) -> str:
    match = re.search(r'name="digest" value="([0-9a-f]{64})"', page)
    assert match, "the preview page carries the digest it shows"
    return match.group(1)


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


def test_an_upload_shows_a_preview_and_writes_nothing(client, operator):
    client.force_login(operator)

    response = client.post(reverse(UPLOAD), {"file": upload()})

    record = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == preview_page(record)
    assert record.status == RosterImport.Status.PREVIEWED
    assert len(record.upload_sha256) == 64 and len(record.plan_digest) == 64
    assert bytes(record.upload)[:2] == b"PK"
    assert counts() == {**dict.fromkeys(counts(), 0), "users": 1}
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Nothing has been written yet." in text
    assert "20 people would be created" in text
    assert "GN 03 FN 03 (us0003)" in text
    assert "Sample School (or0001)" in text
    assert "Unknown property &quot;fiel.demographics&quot; was ignored." in text
    assert "{&#x27;file&#x27;" not in text and "{'file'" not in text  # sentences, not dicts
    assert counts()["schools"] == 0  # the GET wrote nothing either


def test_confirming_the_preview_applies_it(client, operator):
    client.force_login(operator)
    client.post(reverse(UPLOAD), {"file": upload()})
    record = RosterImport.objects.get()
    digest = digest_on(client.get(preview_page(record)).content.decode())

    response = client.post(preview_page(record), {"digest": digest})

    record.refresh_from_db()
    assert response["Location"] == change_page(record)
    assert (record.status, record.source_name, record.created_by) == (
        RosterImport.Status.APPLIED,
        "roster.zip",
        operator,
    )
    assert bytes(record.upload) == b"" and record.applied_at is not None
    assert School.objects.get().sourced_id == "or0001"
    assert User.objects.filter(sourced_id__isnull=False).count() == 20
    assert Section.objects.count() == 5
    assert Enrollment.objects.count() == 30
    page = client.get(response["Location"]).content.decode()
    assert "Imported roster.zip: 102 created, 0 updated, 0 deactivated, 0 unchanged." in page
    assert "manifest.csv, line 10 (propertyName): Unknown property" in page


def test_the_school_admin_imports_their_own_schools_export(client, world):
    world.school.sourced_id = "or0001"
    world.school.save()
    client.force_login(world.admin)

    response = client.post(reverse(UPLOAD), {"file": upload()})
    record = RosterImport.objects.get()
    assert response["Location"] == preview_page(record)
    page = client.get(preview_page(record)).content.decode()
    assert "Maple Grove Learning Community → Sample School (or0001)" in page  # the rename
    response = client.post(preview_page(record), {"digest": digest_on(page)})

    record.refresh_from_db()
    assert response["Location"] == change_page(record)
    assert record.status == RosterImport.Status.APPLIED
    assert record.created_by == world.admin
    assert Section.objects.filter(school=world.school, sourced_id__isnull=False).count() == 5
    assert client.get(response["Location"]).status_code == 200


def test_a_preview_made_stale_by_a_change_in_learnhub_is_refused_and_shown_again(client, operator):
    client.force_login(operator)
    client.post(reverse(UPLOAD), {"file": upload()})
    record = RosterImport.objects.get()
    digest = digest_on(client.get(preview_page(record)).content.decode())
    # Meanwhile someone adds us0003 by hand: the preview no longer tells the truth.
    User.objects.create_user("user03@sample-u.ac.jp", "pw", given_name="Old", family_name="Name")

    response = client.post(preview_page(record), {"digest": digest})

    assert response.status_code == 409
    text = response.content.decode()
    assert "LearnHub changed since this preview was made" in text
    assert counts()["schools"] == 0 and counts()["enrollments"] == 0
    record.refresh_from_db()
    assert record.status == RosterImport.Status.PREVIEWED
    assert record.plan_digest != digest  # planned again against LearnHub as it is now
    assert digest_on(text) == record.plan_digest
    assert "19 people would be created" in text
    assert "1 person would be updated" in text


def test_a_confirmation_of_a_digest_that_was_not_the_one_shown_is_refused(client, operator):
    client.force_login(operator)
    client.post(reverse(UPLOAD), {"file": upload()})
    record = RosterImport.objects.get()

    response = client.post(preview_page(record), {"digest": "0" * 64})

    assert response.status_code == 409
    assert counts()["schools"] == 0


def test_a_preview_can_be_cancelled(client, operator):
    client.force_login(operator)
    client.post(reverse(UPLOAD), {"file": upload()})
    record = RosterImport.objects.get()

    response = client.post(reverse("admin:profiles_rosterimport_discard", args=[record.pk]))

    record.refresh_from_db()
    assert response["Location"] == reverse(UPLOAD)
    assert record.status == RosterImport.Status.DISCARDED
    assert bytes(record.upload) == b""
    assert counts()["schools"] == 0
    # A discarded preview cannot be confirmed any more.
    response = client.post(preview_page(record), {"digest": record.plan_digest})
    assert response["Location"] == change_page(record)
    assert counts()["schools"] == 0


def test_another_admin_cannot_see_or_confirm_my_preview(client, world):
    world.school.sourced_id = "or0001"
    world.school.save()
    client.force_login(world.admin)
    client.post(reverse(UPLOAD), {"file": upload()})
    record = RosterImport.objects.get()
    client.force_login(world.other_admin)

    assert client.get(preview_page(record)).status_code == 404
    response = client.post(preview_page(record), {"digest": record.plan_digest})

    assert response.status_code == 404
    assert Section.objects.filter(sourced_id__isnull=False).count() == 0


@pytest.fixture
def seeded_school(world, tmp_path):
    """world.school bound to or0001 and imported once from the sample."""
    world.school.sourced_id = "or0001"
    world.school.save()
    from profiles.oneroster import roster_import

    roster_import(source=SAMPLE, source_name="first.zip", actor=None)
    return world


def test_a_file_deactivating_most_of_the_school_needs_the_words_typed(
    client, seeded_school, tmp_path
):
    world = seeded_school
    folder = copy_sample(tmp_path)
    remove_rows(folder, "users.csv", {f"us00{n:02d}" for n in range(3, 21)})
    remove_rows(folder, "enrollments.csv", {f"en00{n:02d}" for n in range(6, 31)})
    client.force_login(world.admin)
    client.post(reverse(UPLOAD), {"file": upload(folder, "wrong.zip")})
    record = RosterImport.objects.get(source_name="wrong.zip")
    page = client.get(preview_page(record)).content.decode()
    phrase = record.summary["deactivation"]["phrase"]
    assert phrase == "deactivate 18 people"
    assert "This file would deactivate many people" in page
    assert f"type <strong>{phrase}</strong>" in page
    before, history_before = counts(), history_counts()

    refused = client.post(preview_page(record), {"digest": digest_on(page), "confirmation": "yes"})

    assert refused.status_code == 400
    assert f"type &quot;{phrase}&quot; to confirm it" in refused.content.decode()
    assert counts() == before and history_counts() == history_before
    assert Membership.objects.filter(user__sourced_id="us0010", is_active=True).exists()

    applied = client.post(
        preview_page(record), {"digest": digest_on(page), "confirmation": "  Deactivate 18 PEOPLE "}
    )

    assert applied.status_code == 302
    record.refresh_from_db()
    assert record.status == RosterImport.Status.APPLIED
    assert not Membership.objects.filter(user__sourced_id="us0010", is_active=True).exists()
    assert User.objects.get(sourced_id="us0010").is_active is False


def test_a_broken_zip_is_rejected_with_its_errors_and_writes_nothing(client, operator, tmp_path):
    client.force_login(operator)
    folder = copy_sample(tmp_path)
    edit(folder, "users.csv", "user07@sample-u.ac.jp", "user07-at-sample-u.ac.jp")

    response = client.post(reverse(UPLOAD), {"file": upload(folder)})

    record = RosterImport.objects.get()
    assert response["Location"] == change_page(record)
    assert record.status == RosterImport.Status.REJECTED
    assert bytes(record.upload) == b""
    assert record.errors == [
        {
            "file": "users.csv",
            "line": 8,
            "field": "email",
            "reason": '"user07-at-sample-u.ac.jp" is not a valid email address.',
        }
    ]
    assert (School.objects.count(), Section.objects.count(), User.objects.count()) == (0, 0, 1)
    page = client.get(response["Location"]).content.decode()
    # The admin's message list capitalises the first letter.
    assert "Roster.zip cannot be imported: 1 problem, listed below." in page
    assert "users.csv, line 8 (email): &quot;user07-at-sample-u.ac.jp&quot; is not a valid" in page
    assert "Nothing was written. Fix the problems below and upload the file again." in page
    assert page.lower().count("nothing was written") == 1  # said once, not three times
    assert "not imported: Not imported" not in page


def test_an_upload_that_is_not_a_zip_is_rejected(client, operator):
    client.force_login(operator)
    bogus = SimpleUploadedFile("roster.zip", b"not a zip at all", content_type="application/zip")

    client.post(reverse(UPLOAD), {"file": bogus})

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


def test_an_upload_without_a_file_rerenders_with_400(client, operator):
    client.force_login(operator)

    response = client.post(reverse(UPLOAD), {})

    assert response.status_code == 400
    assert RosterImport.objects.count() == 0


def test_another_schools_admin_uploading_this_export_is_rejected(client, world):
    client.force_login(world.other_admin)
    before = (School.objects.count(), User.objects.count())

    client.post(reverse(UPLOAD), {"file": upload()})

    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.REJECTED
    assert [(e["file"], e["line"], e["field"]) for e in record.errors] == [
        ("orgs.csv", 2, "sourcedId")
    ]
    assert (School.objects.count(), User.objects.count()) == before


def test_teachers_cannot_reach_the_upload(client, world):
    client.force_login(world.teacher)

    response = client.post(reverse(UPLOAD), {"file": upload()})

    assert response.status_code == 302  # the admin sends non-staff to its login page
    assert RosterImport.objects.count() == 0


def test_an_upload_larger_than_the_request_body_limit_is_previewed(client, operator, settings):
    """DATA_UPLOAD_MAX_MEMORY_SIZE (512 KB) limits form fields, not the uploaded file."""
    import io
    import os
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in sorted(SAMPLE.iterdir()):
            archive.writestr(path.name, path.read_bytes())
        archive.writestr("extras/photos.bin", os.urandom(700 * 1024))
    big = SimpleUploadedFile("big.zip", buffer.getvalue(), content_type="application/zip")
    assert big.size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    client.force_login(operator)

    response = client.post(reverse(UPLOAD), {"file": big})

    record = RosterImport.objects.get()
    assert response["Location"] == preview_page(record)
    assert record.status == RosterImport.Status.PREVIEWED
