"""Importing a CASE package in the admin: the messages say each thing once, as sentences."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mastery.models import Framework

from .test_case_import import OPENSALT, SBAC

UPLOAD = "admin:mastery_framework_import"


def messages_on(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r"<li class=\"\w+\">(.*?)</li>", page, re.S)
    ]


def test_a_school_admin_imports_a_package_and_reads_one_sentence(client, world):
    client.force_login(world.admin)
    upload = SimpleUploadedFile("standards.json", OPENSALT.read_bytes())

    # Step 1: the package's item types, with the coded ones (the standards) checked.
    page = client.post(reverse(UPLOAD), {"school": world.school.pk, "file": upload})
    body = page.content.decode()
    assert Framework.objects.count() == 0
    assert "Choose which become learning targets" in body
    for kind in ("Cluster", "Standard", "Component"):
        assert f'name="target_types" value="{kind}"' in body
    assert body.count(" checked>") == 3  # every item of all three types carries a code
    package = page.context["form"]["package"].value()
    assert package == OPENSALT.read_text(encoding="utf-8-sig")

    # Step 2: choose the types and import.
    response = client.post(
        reverse(UPLOAD),
        {
            "school": world.school.pk,
            "package": package,
            "package_name": "standards.json",
            "step": "import",
            "target_types": ["Standard", "Component"],
        },
        follow=True,
    )

    framework = Framework.objects.get()
    targets = set(framework.competencies.filter(is_leaf=True).values_list("kind", flat=True))
    assert targets == {"Standard", "Component"}
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


def test_the_smarter_balanced_package_offers_its_measured_skills_as_targets(client, world):
    client.force_login(world.admin)
    upload = SimpleUploadedFile("sbac.json", SBAC.read_bytes())
    page = client.post(reverse(UPLOAD), {"school": world.school.pk, "file": upload})
    form = page.context["form"]
    assert form["target_types"].value() == ["Target", "Measured Skill"]  # the coded ones
    assert "“Task Model 1a”" in page.content.decode()
    response = client.post(
        reverse(UPLOAD),
        {
            "school": world.school.pk,
            "package": form["package"].value(),
            "package_name": "sbac.json",
            "step": "import",
            "target_types": ["Measured Skill"],
        },
    )
    assert response.status_code == 302
    framework = Framework.objects.get()
    assert framework.competencies.filter(is_leaf=True).count() == 2
    assert not framework.competencies.filter(is_leaf=True, statement="None").exists()
