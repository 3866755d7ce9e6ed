"""The scan: flags opened, kept, cleared and reopened; idempotent; serialised per school."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followups.models import Attendance, Flag, FlagEvent, RiskPolicy, Rule, ScanRun
from followups.scan import ABANDONED, _close_abandoned, _lock_school, school_scan
from profiles.models import School
from tests.mastery.conftest import build_maths

from . import scan_world as w

pytestmark = pytest.mark.usefixtures("rollup_path")

CHRONIC = Rule.CHRONIC_ABSENCE


def _setup(world):
    w.term(world.school)
    maths = build_maths(world)
    # Sam (world.student) is on track except for attendance: 3 absences in 20 days, and 3 more
    # in the term's first days (6 of its 51 school days to date: 88.2 %).
    w.evidence(world.student, maths.t1, "3", dt.date(2026, 9, 20), world.math)
    w.evidence(world.student, maths.t2, "3", dt.date(2026, 10, 28), world.math)
    days = w.school_days(w.AS_OF, 20)
    w.attendance(world.school, world.student, days, Attendance.Status.PRESENT)
    w.attendance(world.school, world.student, days[-3:], Attendance.Status.ABSENT)
    w.first_days_absent(world.school, world.student)
    # Only chronic absence, to keep the other student (no evidence at all) quiet.
    RiskPolicy.objects.filter(school=world.school).update(
        no_evidence_enabled=False, behind_pace_enabled=False
    )
    return maths


def flags_of(student, rule=CHRONIC):
    return list(Flag.objects.filter(student=student, rule=rule).order_by("id"))


@pytest.mark.django_db
def test_scan_opens_a_flag_with_numbers_for_the_advisor(world) -> None:
    _setup(world)
    run = school_scan(school=world.school, as_of=w.AS_OF)
    [flag] = flags_of(world.student)
    assert flag.status == Flag.Status.OPEN
    assert flag.measured == {
        "attended_percent": 85.0,
        "absent_days": 3,
        "excused_days": 0,
        "school_days": 20,
        "term_attended_percent": 88.2,
        "term_missed_days": 6,
        "term_school_days": 51,
    }
    assert flag.threshold == {"percent": 90, "school_days": 20, "min_days": 40}
    assert flag.assigned_to == world.teacher  # the advisor
    assert (flag.first_detected_on, flag.last_detected_on) == (w.AS_OF, w.AS_OF)
    assert Flag.objects.filter(school=world.school).count() == 1
    run.refresh_from_db()
    assert (run.students_scanned, run.flags_opened, run.flags_cleared, run.errors) == (2, 1, 0, 0)
    assert run.finished_at is not None and run.as_of == w.AS_OF
    event = FlagEvent.objects.filter(pgh_obj=flag).select_related("pgh_context").get()
    assert event.pgh_context.metadata["service"] == "flags_scan"
    assert event.pgh_context.metadata["trigger"] == "command"


@pytest.mark.django_db
def test_running_twice_changes_nothing(world) -> None:
    _setup(world)
    school_scan(school=world.school, as_of=w.AS_OF)
    before = list(Flag.objects.values())
    events = FlagEvent.objects.count()
    second = school_scan(school=world.school, as_of=w.AS_OF)
    assert list(Flag.objects.values()) == before
    assert FlagEvent.objects.count() == events
    assert (second.flags_opened, second.flags_kept, second.flags_cleared) == (0, 1, 0)


@pytest.mark.django_db
def test_next_day_updates_the_numbers(world) -> None:
    _setup(world)
    school_scan(school=world.school, as_of=w.AS_OF)
    next_day = w.AS_OF + dt.timedelta(days=1)
    w.attendance(world.school, world.student, [next_day], Attendance.Status.ABSENT)
    school_scan(school=world.school, as_of=next_day)
    [flag] = flags_of(world.student)
    assert flag.measured["absent_days"] == 4
    assert flag.severity == "high"  # 80 %
    assert (flag.first_detected_on, flag.last_detected_on) == (w.AS_OF, next_day)


@pytest.mark.django_db
def test_next_night_moves_the_date_and_records_history_only_for_new_numbers(world) -> None:
    """Each night every kept flag's ``last_detected_on`` moves; that alone is no history event
    (decision 0030), new numbers are, with the date they were seen on."""
    _setup(world)
    school_scan(school=world.school, as_of=w.AS_OF)
    [flag] = flags_of(world.student)
    assert FlagEvent.objects.filter(pgh_obj=flag).count() == 1
    next_day = w.AS_OF + dt.timedelta(days=1)
    Flag.objects.filter(pk=flag.pk).update(last_detected_on=next_day, updated_at=timezone.now())
    assert FlagEvent.objects.filter(pgh_obj=flag).count() == 1
    w.attendance(world.school, world.student, [next_day], Attendance.Status.ABSENT)
    kept = school_scan(school=world.school, as_of=next_day + dt.timedelta(days=1))
    [flag] = flags_of(world.student)
    assert kept.flags_kept == 1 and flag.last_detected_on == next_day + dt.timedelta(days=1)
    first, second = FlagEvent.objects.filter(pgh_obj=flag).order_by("pgh_id")
    assert first.measured != second.measured == flag.measured
    assert second.last_detected_on == flag.last_detected_on


@pytest.mark.django_db
def test_a_condition_that_clears_closes_the_flag_and_a_returning_one_opens_another(world) -> None:
    _setup(world)
    school_scan(school=world.school, as_of=w.AS_OF)
    days = w.school_days(w.AS_OF, 20)
    w.attendance(world.school, world.student, days[-3:], Attendance.Status.PRESENT)
    cleared_run = school_scan(school=world.school, as_of=w.AS_OF)
    [flag] = flags_of(world.student)
    assert flag.status == Flag.Status.CLEARED
    assert flag.closed_on == w.AS_OF and flag.condition_cleared_on == w.AS_OF
    assert cleared_run.flags_cleared == 1
    w.attendance(world.school, world.student, days[-3:], Attendance.Status.ABSENT)
    school_scan(school=world.school, as_of=w.AS_OF)
    old, new = flags_of(world.student)
    assert (old.pk, old.status) == (flag.pk, Flag.Status.CLEARED)
    assert new.status == Flag.Status.OPEN
    # The history shows both: the first opened then cleared, the second opened.
    history = list(FlagEvent.objects.filter(pgh_obj__student=world.student).order_by("pgh_id"))
    assert [(e.pgh_obj_id, e.status) for e in history] == [
        (old.pk, "open"),
        (old.pk, "cleared"),
        (new.pk, "open"),
    ]


@pytest.mark.django_db
def test_resolved_while_the_condition_holds_does_not_reopen(world) -> None:
    _setup(world)
    school_scan(school=world.school, as_of=w.AS_OF)
    Flag.objects.filter(student=world.student).update(
        status=Flag.Status.RESOLVED, outcome="Talked with the family", closed_on=w.AS_OF
    )
    school_scan(school=world.school, as_of=w.AS_OF)
    assert len(flags_of(world.student)) == 1
    days = w.school_days(w.AS_OF, 20)
    w.attendance(world.school, world.student, days[-3:], Attendance.Status.PRESENT)
    school_scan(school=world.school, as_of=w.AS_OF)
    [flag] = flags_of(world.student)
    assert flag.status == Flag.Status.RESOLVED and flag.condition_cleared_on == w.AS_OF
    w.attendance(world.school, world.student, days[-3:], Attendance.Status.ABSENT)
    school_scan(school=world.school, as_of=w.AS_OF)
    assert [f.status for f in flags_of(world.student)] == ["resolved", "open"]


@pytest.mark.django_db
def test_a_snoozed_flag_wakes_on_its_date(world) -> None:
    _setup(world)
    school_scan(school=world.school, as_of=w.AS_OF)
    wake = w.AS_OF + dt.timedelta(days=2)
    Flag.objects.update(status=Flag.Status.SNOOZED, snoozed_until=wake)
    school_scan(school=world.school, as_of=w.AS_OF + dt.timedelta(days=1))
    assert flags_of(world.student)[0].status == Flag.Status.SNOOZED
    school_scan(school=world.school, as_of=wake)
    [flag] = flags_of(world.student)
    assert (flag.status, flag.snoozed_until) == (Flag.Status.OPEN, None)


@pytest.mark.django_db
def test_a_disabled_rule_clears_its_flags(world) -> None:
    _setup(world)
    school_scan(school=world.school, as_of=w.AS_OF)
    RiskPolicy.objects.filter(school=world.school).update(chronic_absence_enabled=False)
    school_scan(school=world.school, as_of=w.AS_OF)
    assert flags_of(world.student)[0].status == Flag.Status.CLEARED


@pytest.mark.django_db
def test_section_and_student_scans_touch_only_their_students(world) -> None:
    _setup(world)
    RiskPolicy.objects.filter(school=world.school).update(no_evidence_enabled=True)
    run = school_scan(
        school=world.school, as_of=w.AS_OF, section=world.other_section, trigger="section"
    )
    assert run.students_scanned == 1 and run.section == world.other_section
    assert not Flag.objects.filter(student=world.student).exists()
    assert Flag.objects.filter(student=world.other_student, rule=Rule.NO_RECENT_EVIDENCE).exists()
    school_scan(
        school=world.school, as_of=w.AS_OF, student_ids=[world.student.pk], trigger="student"
    )
    assert {f.rule for f in Flag.objects.filter(student=world.student)} == {CHRONIC}
    # A scan of one student never clears another student's flags.
    assert Flag.objects.get(student=world.other_student).status == Flag.Status.OPEN


@pytest.mark.django_db
def test_a_failed_scan_is_recorded(world, monkeypatch) -> None:
    _setup(world)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("followups.facts.facts_for", broken)
    with pytest.raises(RuntimeError):
        school_scan(school=world.school, as_of=w.AS_OF)
    run = ScanRun.objects.get()
    assert run.errors == 1 and "database went away" in run.error_text
    assert run.finished_at is not None
    assert not Flag.objects.exists()


@pytest.mark.django_db
def test_a_run_left_unfinished_by_a_dead_worker_is_closed_by_the_next_scan(world) -> None:
    """bench/scan_drills.py: a worker killed mid-scan leaves its ScanRun unfinished (the row is
    written before the scan's transaction, which rolled back); the redelivered scan, holding the
    school's lock, closes it as abandoned instead of leaving it "running" for ever."""
    _setup(world)
    killed = ScanRun.objects.create(
        school=world.school,
        as_of=w.AS_OF,
        trigger=ScanRun.Trigger.NIGHTLY,
        started_at=timezone.now(),
    )
    other_school = ScanRun.objects.create(
        school=School.objects.create(name="Other school"),
        as_of=w.AS_OF,
        trigger=ScanRun.Trigger.NIGHTLY,
        started_at=timezone.now(),
    )
    run = school_scan(school=world.school, as_of=w.AS_OF, trigger=ScanRun.Trigger.NIGHTLY)
    killed.refresh_from_db()
    assert killed.finished_at is not None
    assert killed.errors == 1
    assert killed.error_text == ABANDONED.format(run.pk)
    assert (killed.flags_opened, killed.flags_kept) == (0, 0)
    run.refresh_from_db()
    assert (run.errors, run.error_text, run.flags_opened) == (0, "", 1)
    other_school.refresh_from_db()
    assert other_school.finished_at is None  # another school's scan is none of its business
    # The next scan finds nothing left to close and leaves the closed run as it is.
    school_scan(school=world.school, as_of=w.AS_OF)
    killed.refresh_from_db()
    assert killed.error_text == ABANDONED.format(run.pk)


@pytest.mark.django_db(transaction=True)
def test_a_run_waiting_for_the_lock_is_not_closed_as_abandoned(world) -> None:
    """Found by bench/scan_drills.py (two scans at once): the scan holding the lock must not
    close the other one's run while that one waits for the lock."""
    _setup(world)
    waiting = ScanRun.objects.create(
        school=world.school, as_of=w.AS_OF, trigger="command", started_at=timezone.now()
    )
    got_it = threading.Event()

    def wait_for_the_lock() -> None:
        try:
            with transaction.atomic():
                _lock_school(world.school.pk)
                got_it.set()
        finally:
            connection.close()

    with transaction.atomic():
        _lock_school(world.school.pk)
        thread = threading.Thread(target=wait_for_the_lock)
        thread.start()
        for _ in range(100):
            with connection.cursor() as cursor:  # this school's lock only: not another
                cursor.execute(  # test's lock waiting in a parallel worker's database
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'advisory' "
                    "AND objid = %s AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())",
                    [world.school.pk],
                )
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.05)
        assert not got_it.is_set()
        assert _close_abandoned(world.school.pk, waiting.pk + 1) == 0
    thread.join(timeout=10)
    assert got_it.is_set()
    waiting.refresh_from_db()
    assert waiting.finished_at is None
    # Nobody waits any more: the same run, never finished, is closed.
    with transaction.atomic():
        _lock_school(world.school.pk)
        assert _close_abandoned(world.school.pk, waiting.pk + 1) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, 30])
def test_scan_query_count_does_not_grow_with_students(world, n: int, rollup_path: str) -> None:
    maths = _setup(world)
    for i in range(n):
        s = w.on_track_student(world, maths, i)
        w.attendance(world.school, s, w.school_days(w.AS_OF, 3), Attendance.Status.ABSENT)
        w.first_days_absent(world.school, s)
    with CaptureQueriesContext(connection) as first:
        school_scan(school=world.school, as_of=w.AS_OF)
    assert Flag.objects.filter(rule=CHRONIC).count() == n + 1
    with CaptureQueriesContext(connection) as second:
        school_scan(school=world.school, as_of=w.AS_OF)
    # run insert, savepoint, lock, lock waiters, abandoned runs, policy, students, 9 facts (the
    # evidence through a server-side cursor, the score trend), flags, advisors, flag insert, run
    # update, release; the SQL rollup reads which targets have recent evidence (slipping's
    # window) in one more
    recent = 1 if rollup_path == "sql" else 0
    assert len(first.captured_queries) == 21 + recent
    assert len(second.captured_queries) == 19 + recent  # nothing to open: no advisors, no insert


def test_the_database_refuses_a_second_active_flag(db, world) -> None:
    _setup(world)
    school_scan(school=world.school, as_of=w.AS_OF)
    flag = Flag.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(
            school=world.school,
            student=world.student,
            rule=CHRONIC,
            first_detected_on=w.AS_OF,
            last_detected_on=w.AS_OF,
            status=Flag.Status.ACKNOWLEDGED,
        )
    assert Flag.objects.get() == flag


@pytest.mark.django_db(transaction=True)
def test_overlapping_scans_wait_for_each_other_and_open_one_flag(world) -> None:
    _setup(world)
    barrier = threading.Barrier(2)
    runs: list[ScanRun] = []
    failures: list[BaseException] = []

    def scan() -> None:
        try:
            barrier.wait(timeout=10)
            runs.append(school_scan(school=world.school, as_of=w.AS_OF))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures
    assert len(flags_of(world.student)) == 1
    assert sorted(r.flags_opened for r in runs) == [0, 1]
    assert sorted(r.flags_kept for r in runs) == [0, 1]


@pytest.mark.django_db
def test_a_misconfigured_scale_is_an_error_not_a_failed_scan(world) -> None:
    from mastery.models import Framework, ProficiencyLevel

    _setup(world)
    # n number of times needs a mastery level to count against; this scale has none.
    Framework.objects.filter(school=world.school).update(
        calculation_method="n_mastery", calculation_parameter=2
    )
    ProficiencyLevel.objects.filter(scale__school=world.school).update(is_mastery=False)
    run = school_scan(school=world.school, as_of=w.AS_OF)
    assert run.errors == 2  # Sam's two targets
    assert "7.RP.1" in run.error_text and "mastery level" in run.error_text
    assert flags_of(world.student)  # the other rules still ran
