"""A school admin imports the school's OneRoster export in the admin: upload, look at the
preview, confirm; then a wrong bulk file that would deactivate most of the school asks for
the words typed. axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from profiles.models import Membership, RosterImport, Section, User
from tests.profiles import roster_files as rf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_school_admin_uploads_previews_and_confirms_a_roster(
    world, page, live_server, log_in, assert_accessible, screenshot, tmp_path
):
    world.school.sourced_id = "or0001"
    world.school.save()
    first = tmp_path / "roster.zip"
    first.write_bytes(rf.zip_bytes(rf.SAMPLE))
    log_in("ada@example.org")

    page.goto(f"{live_server.url}/admin/profiles/rosterimport/")
    page.get_by_role("link", name="Import a OneRoster roster").click()
    assert_accessible()
    page.get_by_label("OneRoster 1.1 CSV export (.zip)").set_input_files(str(first))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="Check before importing roster.zip")).to_be_visible()
    expect(page.get_by_text("Nothing has been written yet.")).to_be_visible()
    expect(page.get_by_role("heading", name="Renamed")).to_be_visible()
    expect(
        page.get_by_text("Maple Grove Learning Community → Sample School (or0001)")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="20 people would be created")).to_be_visible()
    expect(page.get_by_text("GN 03 FN 03 (us0003)")).to_be_visible()
    assert Section.objects.filter(sourced_id__isnull=False).count() == 0
    assert_accessible()
    screenshot("admin-roster-preview")

    page.get_by_role("button", name="Import these changes").click()

    expect(
        page.get_by_text(re.compile(r"Imported roster\.zip: 101 created, 1 updated"))
    ).to_be_visible()
    assert RosterImport.objects.get().status == RosterImport.Status.APPLIED
    assert Section.objects.filter(sourced_id__isnull=False).count() == 5
    assert_accessible()
    screenshot("admin-roster-applied")

    # A wrong bulk file: 18 of the 20 people are missing from it.
    wrong_folder = rf.copy_sample(tmp_path, "wrong")
    rf.remove_rows(wrong_folder, "users.csv", {f"us00{n:02d}" for n in range(3, 21)})
    rf.remove_rows(wrong_folder, "enrollments.csv", {f"en00{n:02d}" for n in range(6, 31)})
    wrong = tmp_path / "wrong.zip"
    wrong.write_bytes(rf.zip_bytes(wrong_folder))
    page.goto(f"{live_server.url}/admin/profiles/rosterimport/upload/")
    page.get_by_label("OneRoster 1.1 CSV export (.zip)").set_input_files(str(wrong))
    page.get_by_role("button", name="Check the file").click()

    expect(
        page.get_by_role("heading", name="This file would deactivate many people")
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"18 of 27 people \(67 %\)"))).to_be_visible()
    assert_accessible()
    screenshot("admin-roster-preview-deactivation")
    page.get_by_role("button", name="Import these changes").click()
    expect(page.get_by_text('type "deactivate 18 people" to confirm it')).to_be_visible()
    assert User.objects.get(sourced_id="us0010").is_active is True
    assert_accessible()

    page.get_by_label(re.compile("To import it anyway, type")).fill("deactivate 18 people")
    page.get_by_role("button", name="Import these changes").click()

    expect(page.get_by_text(re.compile(r"Imported wrong\.zip:"))).to_be_visible()
    assert not Membership.objects.filter(user__sourced_id="us0010", is_active=True).exists()
