"""The information system's attendance export: read with common spellings, every row or none,
idempotent, and a per-row report of what is wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from followups.attendance import attendance_import, school_days
from followups.models import Attendance, AttendanceImport, SchoolClosure
from tests import factories as f

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "data" / "attendance.csv"
# Three recent days (the export's dates are relative, so the fixture never ages out).
D1, D2, D3 = (dt.date.today() - dt.timedelta(days=n) for n in (9, 8, 7))
CSV = FIXTURE.read_text().format(d1=D1, d2=D2, d3=D3)


@pytest.fixture
def school(world):
    world.student.sourced_id = "stu-sam"
    world.student.save()
    return world.school


def _marks():
    return sorted(Attendance.objects.values_list("student__email", "date", "status", "source"))


def test_import_reads_common_spellings(world, school):
    result, record = attendance_import(
        actor=world.admin, school=school, content=CSV, file_name="a.csv"
    )
    assert result.ok, result.problems
    assert (record.status, record.rows, record.created, record.updated, record.unchanged) == (
        "applied",
        4,
        4,
        0,
        0,
    )
    assert _marks() == [
        ("olive@example.org", D3, "excused", "import"),
        ("sam@example.org", D1, "present", "import"),
        ("sam@example.org", D2, "absent", "import"),
        ("sam@example.org", D3, "tardy", "import"),
    ]


def test_import_twice_changes_nothing_and_a_new_status_updates(world, school):
    attendance_import(actor=world.admin, school=school, content=CSV)
    _, record = attendance_import(actor=world.admin, school=school, content=CSV)
    assert (record.created, record.updated, record.unchanged) == (0, 0, 4)
    changed = CSV.replace(f"{D1:%Y-%m-%d},P", f"{D1:%Y-%m-%d},A")
    _result, record = attendance_import(actor=world.admin, school=school, content=changed)
    assert (record.created, record.updated, record.unchanged) == (0, 1, 3)
    assert Attendance.objects.count() == 4


def test_one_bad_row_means_nothing_is_written(world, school):
    other = f.student(world.other_school, email="far@example.org")
    tomorrow = (school.today() + dt.timedelta(days=1)).isoformat()
    content = CSV + (
        f"{other.email},{D1},P\n"
        f"sam@example.org,{tomorrow},P\n"
        "sam@example.org,2019-01-01,P\n"
        "sam@example.org,yesterday,P\n"
        f"sam@example.org,{D1 - dt.timedelta(days=1)},maybe\n"
        f"stu-sam,{D1},A\n"
        f"nobody@example.org,{D1},P\n"
    )
    result, record = attendance_import(actor=world.admin, school=school, content=content)
    assert not result.ok
    assert [p["row"] for p in result.problems] == [6, 7, 8, 9, 10, 11, 12]
    problems = [p["problem"] for p in result.problems]
    assert problems[0] == f"far@example.org is not a student of {school.name}."
    assert "in the future" in problems[1]
    assert "more than a year ago" in problems[2]
    assert "is not a date" in problems[3]
    assert "is not an attendance status" in problems[4]
    assert problems[5] == "The same student and day is already on row 2."
    assert record.status == "failed" and record.created == 0
    assert Attendance.objects.count() == 0


def test_header_without_a_status_column_is_refused(world, school):
    result, _ = attendance_import(actor=world.admin, school=school, content="email,date\nx,y\n")
    assert result.problems == [{"row": 1, "problem": "The header has no column for: status."}]
    result, _ = attendance_import(actor=world.admin, school=school, content="")
    assert result.problems == [{"row": 0, "problem": "The file is empty."}]


def test_dry_run_counts_and_writes_nothing(world, school):
    result, record = attendance_import(actor=world.admin, school=school, content=CSV, dry_run=True)
    assert (result.created, record) == (4, None)
    assert Attendance.objects.count() == 0
    assert AttendanceImport.objects.count() == 0


def test_command_imports_the_file(world, school, capsys, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(CSV)
    call_command("followups_attendance_import", "--school", str(school.pk), str(export))
    assert "imported 4 rows: 4 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert Attendance.objects.count() == 4


def test_command_refuses_a_bad_file_and_an_unknown_school(world, school, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"email,date,status\nnobody@example.org,{D1},P\n")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("followups_attendance_import", "--school", school.name, str(bad))
    with pytest.raises(CommandError, match="No single school"):
        call_command("followups_attendance_import", "--school", "Atlantis", str(FIXTURE))
    assert Attendance.objects.count() == 0


def test_school_days_skip_weekends_closures_and_days_outside_terms(world):
    f.TermFactory(
        school=world.school, start_date=dt.date(2026, 11, 2), end_date=dt.date(2026, 11, 30)
    )
    SchoolClosure.objects.create(
        school=world.school, date=dt.date(2026, 11, 26), name="Thanksgiving"
    )
    days = school_days(world.school, dt.date(2026, 11, 23), dt.date(2026, 12, 2))
    assert days == [dt.date(2026, 11, d) for d in (23, 24, 25, 27, 30)]


def test_an_applied_import_rescans_the_changed_students_after_commit(
    world, school, settings, django_capture_on_commit_callbacks
):
    seen: list[int] = []
    settings.LEARNHUB_STUDENT_CHANGED = ["tests.followups.test_attendance.record_change"]
    RECORDED.clear()
    with django_capture_on_commit_callbacks(execute=True):
        attendance_import(actor=world.admin, school=school, content=CSV)
    assert sorted(RECORDED) == sorted([world.student.pk, world.other_student.pk])
    RECORDED.clear()
    with django_capture_on_commit_callbacks(execute=True):
        attendance_import(actor=world.admin, school=school, content=CSV)  # nothing changed
    assert RECORDED == seen == []


def test_a_large_import_scans_the_school_once(world, school, monkeypatch):
    from followups import attendance

    sent = []
    monkeypatch.setattr(attendance, "RESCAN_ONE_BY_ONE", 1)
    monkeypatch.setattr(
        "core.tasks.enqueue_after_commit", lambda task, *args, **kw: sent.append((task.name, args))
    )
    attendance_import(actor=world.admin, school=school, content=CSV)
    assert sent == [("followups.school_scan", (school.pk, None, "command"))]


RECORDED: list[int] = []


def record_change(student_id: int) -> None:
    RECORDED.append(student_id)
