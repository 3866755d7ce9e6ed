"""``manage.py followups_scan``: one school or all, as of a date or replayed day by day."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from followups.models import Attendance, Flag, RiskPolicy, Rule, ScanRun
from tests.mastery.conftest import build_maths

from . import scan_world as w

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("followups_scan", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def absent(world):
    w.term(world.school)
    build_maths(world)
    days = w.school_days(w.AS_OF, 20)
    w.attendance(world.school, world.student, days[-3:], Attendance.Status.ABSENT)
    w.first_days_absent(world.school, world.student)
    RiskPolicy.objects.filter(school=world.school).update(
        no_evidence_enabled=False, behind_pace_enabled=False
    )
    return world


def test_scan_one_school_by_name_as_of_a_date(absent) -> None:
    out = run("--school", absent.school.name, "--as-of", "2026-11-02")
    assert f"{absent.school.name} as of 2026-11-02: 2 students, 1 flags opened" in out
    assert "1 scan of 1 school: 1 flags opened, 0 cleared, 0 errors" in out
    assert Flag.objects.get().rule == Rule.CHRONIC_ABSENCE
    assert ScanRun.objects.get().trigger == "command"


def test_scan_every_school_today_by_default(absent) -> None:
    out = run()
    assert out.count(" as of ") == 2
    assert {r.as_of for r in ScanRun.objects.all()} == {absent.school.today()}
    assert "2 scans of 2 schools" in out


def test_scan_by_id(absent) -> None:
    run("--school", str(absent.other_school.pk), "--as-of", "2026-11-02")
    assert ScanRun.objects.get().school == absent.other_school


def test_replay_day_by_day_opens_the_flag_when_the_absences_add_up(absent) -> None:
    # Absences on Oct 29, 30 and Nov 2: below 90 % from Nov 2 on.
    out = run("--school", str(absent.school.pk), "--from", "2026-10-29", "--to", "2026-11-02")
    assert out.count(" as of ") == 5
    [flag] = Flag.objects.all()
    assert flag.first_detected_on == dt.date(2026, 11, 2)
    assert ScanRun.objects.count() == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "yesterday"], "--as-of takes a date like 2026-11-02"),
        (["--as-of", "2026-02-30"], "“2026-02-30” is not one"),
        (["--school", "Nowhere High"], "No school is called “Nowhere High”"),
        (["--from", "2026-11-01"], "Give both --from and --to"),
        (["--from", "2026-11-02", "--to", "2026-11-01"], "is before --from"),
        (["--from", "2026-01-01", "--to", "2027-12-31"], "Replay at most 400 days"),
        (["--as-of", "2026-11-02", "--from", "2026-11-01", "--to", "2026-11-02"], "not both"),
    ],
)
def test_bad_arguments_say_what_is_wrong(absent, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ScanRun.objects.exists()
