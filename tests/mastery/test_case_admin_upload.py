"""Importing a CASE package in the admin: the messages say each thing once, as sentences."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mastery.models import Framework

from .test_case_import import OPENSALT

UPLOAD = "admin:mastery_framework_import"


def messages_on(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r"<li class=\"\w+\">(.*?)</li>", page, re.S)
    ]


def test_a_school_admin_imports_a_package_and_reads_one_sentence(client, world):
    client.force_login(world.admin)
    upload = SimpleUploadedFile("standards.json", OPENSALT.read_bytes())

    response = client.post(
        reverse(UPLOAD), {"school": world.school.pk, "file": upload}, follow=True
    )

    framework = Framework.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:mastery_framework_change", args=[framework.pk]
    )
    success = [m for m in messages_on(response.content.decode()) if m.startswith("Imported")]
    assert len(success) == 1
    assert success[0].startswith("Imported standards.json: What Standards Could Be: 16 ")
    assert success[0].endswith(".") and not success[0].endswith("..")


def test_a_broken_package_says_so_once(client, world):
    client.force_login(world.admin)
    text = OPENSALT.read_text(encoding="utf-8")[:-40]
    upload = SimpleUploadedFile("broken.json", text.encode())

    response = client.post(reverse(UPLOAD), {"school": world.school.pk, "file": upload})

    page = response.content.decode()
    assert Framework.objects.count() == 0
    assert page.count("The file is not valid JSON") == 1
    assert "Not imported" not in page
