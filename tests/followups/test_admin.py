"""The admin's side of follow-ups: the attendance import with its preview, and what teachers
said about each rule's flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from followups.models import Attendance, AttendanceImport, Rule
from followups.services import flag_feedback
from tests.followups.support import make_flag

pytestmark = pytest.mark.django_db
UPLOAD = reverse("admin:followups_attendanceimport_upload")


def _csv(day: dt.date, status: str = "P") -> bytes:
    return f"email,date,status\nsam@example.org,{day:%Y-%m-%d},{status}\n".encode()


def test_upload_previews_then_imports_on_confirm(world, client):
    client.force_login(world.admin)
    day = world.school.today() - dt.timedelta(days=3)
    upload = SimpleUploadedFile("export.csv", _csv(day, "A"), content_type="text/csv")
    response = client.post(UPLOAD, {"school": world.school.pk, "file": upload})
    assert response.status_code == 200
    assert "Importing would create 1, update 0 and leave 0 unchanged." in response.content.decode()
    assert Attendance.objects.count() == 0
    content = response.context["form"].initial["content"]
    response = client.post(
        UPLOAD,
        {"school": world.school.pk, "content": content, "file_name": "export.csv", "confirm": "1"},
    )
    record = AttendanceImport.objects.get()
    assert response["Location"] == reverse(
        "admin:followups_attendanceimport_change", args=[record.pk]
    )
    assert (record.status, record.created) == ("applied", 1)
    assert Attendance.objects.get().status == "absent"


def test_upload_with_problems_shows_them_and_writes_nothing(world, client):
    client.force_login(world.admin)
    future = world.school.today() + dt.timedelta(days=3)
    upload = SimpleUploadedFile("export.csv", _csv(future), content_type="text/csv")
    response = client.post(UPLOAD, {"school": world.school.pk, "file": upload})
    assert response.status_code == 400
    assert "is in the future" in response.content.decode()
    assert Attendance.objects.count() == 0 and AttendanceImport.objects.count() == 0


def test_admin_cannot_import_into_another_school(world, client):
    client.force_login(world.other_admin)
    upload = SimpleUploadedFile("export.csv", _csv(world.school.today()), content_type="text/csv")
    response = client.post(UPLOAD, {"school": world.school.pk, "file": upload})
    assert response.status_code == 400
    assert Attendance.objects.count() == 0


def test_teachers_cannot_reach_the_upload(world, client):
    client.force_login(world.teacher)
    assert client.get(UPLOAD).status_code in (302, 403)


def test_flag_changelist_shows_feedback_per_rule(world, client):
    flag = make_flag(world.student, Rule.SLIPPING)
    flag_feedback(actor=world.teacher, flag=flag, feedback="incorrect")
    client.force_login(world.admin)
    response = client.get(reverse("admin:followups_flag_changelist"))
    assert response.status_code == 200
    rows = {r.rule: r for r in response.context["feedback_per_rule"]}
    assert (rows["slipping"].flags, rows["slipping"].incorrect) == (1, 1)
    assert "Teachers' feedback per rule" in response.content.decode()
