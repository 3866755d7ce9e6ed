"""The facts behind the rules, as of a date, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followups.facts import calendar_for, facts_for, student_ids_for
from followups.models import Attendance, SchoolClosure
from followups.rules import Thresholds
from tests.mastery.conftest import build_maths

from . import scan_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rollup_path")]

# Mechanics first, without the pacing grace or slipping's recency (tested on their own below).
T = Thresholds(behind_pace_grace_days=0, slipping_recent_days=0, stalled_goal_checkin_days=14)


@pytest.fixture
def maths(world):
    w.term(world.school)
    return build_maths(world)


def one(world, as_of=w.AS_OF, thresholds=T):
    [facts] = facts_for(world.school, [world.student.pk], as_of, thresholds)
    return facts


def test_pace_uses_evidence_up_to_the_date(world, maths) -> None:
    w.evidence(world.student, maths.t1, "3", dt.date(2026, 9, 20))
    w.evidence(world.student, maths.t2, "4", dt.date(2026, 11, 5))  # after the date
    facts = one(world)
    assert (facts.expected, facts.mastered) == (2, 1)
    assert facts.last_evidence_on == dt.date(2026, 9, 20)
    later = one(world, as_of=dt.date(2026, 11, 6))
    assert (later.expected, later.mastered) == (2, 2)
    before = one(world, as_of=dt.date(2026, 9, 29))
    assert (before.expected, before.mastered) == (0, 0)  # nothing expected before Sep 30


def test_a_target_is_expected_once_the_grace_has_passed(world, maths) -> None:
    graced = replace(T, behind_pace_grace_days=5)
    # Sep 30 (a Wednesday) + 5 school days is Oct 7: on Oct 6 nothing is expected yet.
    assert one(world, as_of=dt.date(2026, 10, 6), thresholds=graced).expected == 0
    assert one(world, as_of=dt.date(2026, 10, 7), thresholds=graced).expected > 0
    assert one(world, as_of=dt.date(2026, 10, 6)).expected > 0  # no grace


def test_unaccepted_evidence_and_other_sections_do_not_count(world, maths) -> None:
    from mastery.models import Evidence
    from mastery.services import mastery_recompute

    e = w.evidence(world.student, maths.t1, "3", dt.date(2026, 9, 20))
    Evidence.objects.filter(pk=e.pk).update(status=Evidence.Status.SUBMITTED)
    mastery_recompute(pairs=[(world.student.pk, maths.t1.pk)])  # what every evidence write does
    facts = one(world)
    assert facts.mastered == 0 and facts.last_evidence_on is None
    [other] = facts_for(world.school, [world.other_student.pk], w.AS_OF, T)
    assert other.expected == 0  # not in Math 7: no pacing plan expects anything of them


def test_school_days_without_evidence_skip_weekends_closures_and_other_terms(world, maths) -> None:
    # Friday Oct 23 → Monday Nov 2: Oct 26-30 and Nov 2 = 6 school days, minus one closure.
    w.evidence(world.student, maths.t1, "3", dt.date(2026, 10, 23))
    SchoolClosure.objects.create(school=world.school, date=dt.date(2026, 10, 28), name="Training")
    assert one(world).school_days_without_evidence == 5
    # No evidence at all: every school day of the term so far.
    [other] = facts_for(world.school, [world.other_student.pk], w.AS_OF, T)
    calendar = calendar_for(world.school, w.AS_OF)
    assert other.school_days_without_evidence == len(calendar.days)
    assert other.last_evidence_on is None
    # Outside every term (the summer): no school days.
    [summer] = facts_for(world.school, [world.other_student.pk], dt.date(2027, 7, 1), T)
    assert summer.school_days_without_evidence == 0


def test_slipping_and_below_approaching(world, maths) -> None:
    for on, score in [
        (dt.date(2026, 9, 1), "4"),
        (dt.date(2026, 9, 8), "3"),
        (dt.date(2026, 9, 15), "2"),
    ]:
        w.evidence(world.student, maths.t1, score, on)
    w.evidence(world.student, maths.t3, "1", dt.date(2026, 9, 15))
    w.evidence(world.student, maths.t4, "1", dt.date(2026, 9, 15))
    w.evidence(world.student, maths.t5, "2", dt.date(2026, 9, 15))  # approaching: not below
    facts = one(world)
    assert facts.trending_down == ("7.RP.1",)
    assert facts.dropped == ("7.RP.1",)  # the decaying average fell from Meets to Approaching
    assert facts.below_approaching == 2
    # With k = 4 three scores are not a trend.
    assert one(world, thresholds=replace(T, slipping_scores=4)).trending_down == ()
    # Slipping is about now: evidence from September no longer counts on Nov 2 with a
    # 10-school-day window, and counts again with a window that reaches it.
    recent = one(world, thresholds=replace(T, slipping_recent_days=10))
    assert (recent.trending_down, recent.dropped) == ((), ())
    assert one(world, thresholds=replace(T, slipping_recent_days=40)).dropped == ("7.RP.1",)


def test_goals_stalled_as_of(world, maths) -> None:
    past = w.goal(
        world.student, target_date=dt.date(2026, 10, 30), checked_in=dt.date(2026, 10, 29)
    )
    quiet = w.goal(world.student, checked_in=dt.date(2026, 10, 19))  # 14 days before Nov 2
    w.goal(world.student, checked_in=dt.date(2026, 10, 20))  # 13 days: not yet
    facts = one(world)
    assert facts.past_target_date_goal_ids == (past.pk,)
    assert facts.without_checkin_goal_ids == (quiet.pk,)
    assert facts.longest_without_checkin_days == 14
    # A check-in after the date does not count for that date.
    w.goal(world.student, checked_in=dt.date(2026, 11, 10))
    assert len(one(world).without_checkin_goal_ids) == 2  # approved Sep 1, no check-in by Nov 2


def test_attendance_window(world, maths) -> None:
    days = w.school_days(w.AS_OF, 25)
    w.attendance(world.school, world.student, days[:5], Attendance.Status.ABSENT)  # outside
    w.attendance(world.school, world.student, days[5:7], Attendance.Status.ABSENT)
    w.attendance(world.school, world.student, days[7:8], Attendance.Status.EXCUSED)
    w.attendance(world.school, world.student, days[8:10], Attendance.Status.TARDY)
    facts = one(world)
    assert (facts.attendance_school_days, facts.absent_days, facts.excused_days) == (20, 2, 1)
    # Over the term to date (from Aug 24): the five absences before the window count too.
    term_days = [d for d in calendar_for(world.school, w.AS_OF).days if d >= w.TERM_START]
    assert (facts.term_school_days, facts.term_missed_days) == (len(term_days), 8)
    before_term = dt.date(2026, 8, 21)
    Attendance.objects.create(
        school=world.school, student=world.student, date=before_term, status="absent"
    )
    assert one(world).term_missed_days == 8  # a day before the term is not the term's
    # The second week of term: the window is not full yet.
    early = one(world, as_of=dt.date(2026, 9, 1))
    assert early.attendance_school_days == 7


def test_targets_due_recently_and_not_mastered(world, maths) -> None:
    # 7.RP.1 is due Sep 30, 7.RP.2 Oct 31; only 7.RP.1 is mastered.
    w.evidence(world.student, maths.t1, "3", dt.date(2026, 9, 20))
    ten = one(world, thresholds=replace(T, behind_pace_recent_days=10))
    assert (ten.expected, ten.mastered) == (2, 1)
    assert (ten.recently_expected, ten.recently_behind) == (1, 1)  # 7.RP.2, after Oct 19
    thirty = one(world, thresholds=replace(T, behind_pace_recent_days=30))
    assert (thirty.recently_expected, thirty.recently_behind) == (2, 1)  # after Sep 21
    graced = one(world, thresholds=replace(T, behind_pace_grace_days=1, behind_pace_recent_days=10))
    assert (graced.expected, graced.recently_expected) == (1, 0)  # Oct 31 is not due yet


def test_score_trend_recent_window_against_the_term_before_it(world, maths) -> None:
    from mastery.models import Evidence

    w.evidence(world.student, maths.t1, "1", dt.date(2026, 8, 3))  # before the term
    w.evidence(world.student, maths.t1, "3", dt.date(2026, 9, 1))
    w.evidence(world.student, maths.t2, "4", dt.date(2026, 9, 8))
    w.evidence(world.student, maths.t3, "2", dt.date(2026, 10, 26))  # in the last 10 days
    draft = w.evidence(world.student, maths.t3, "1", dt.date(2026, 10, 27))
    Evidence.objects.filter(pk=draft.pk).update(status=Evidence.Status.SUBMITTED)
    facts = one(world, thresholds=replace(T, slipping_recent_days=10))
    # Mastery is 3 points on the world's scale: 3 and 4 are 100 and 133.3 %, 2 is 66.7 %.
    assert (facts.earlier_scores, facts.earlier_score_percent) == (2, 116.7)
    assert (facts.recent_scores, facts.recent_score_percent) == (1, 66.7)
    # No recent window: no trend.
    off = one(world)
    assert (off.recent_scores, off.recent_score_percent, off.earlier_score_percent) == (
        0,
        None,
        None,
    )


def test_students_of_a_section_or_ids(world, maths) -> None:
    everyone = student_ids_for(world.school)
    assert everyone == sorted([world.student.pk, world.other_student.pk])
    assert student_ids_for(world.school, section=world.other_section) == [world.other_student.pk]
    assert student_ids_for(world.school, student_ids=[world.student.pk, world.teacher.pk]) == [
        world.student.pk
    ]


def _queries(world, maths, n: int, thresholds: Thresholds = T) -> int:
    for i in range(n):
        s = w.on_track_student(world, maths, i)
        w.goal(s, target_date=dt.date(2026, 10, 1))
        w.attendance(world.school, s, w.school_days(w.AS_OF, 3), Attendance.Status.ABSENT)
        w.evidence(s, maths.t3, "1", dt.date(2026, 10, 1))
    ids = student_ids_for(world.school)
    with CaptureQueriesContext(connection) as ctx:
        facts = facts_for(world.school, ids, w.AS_OF, thresholds)
    assert sum(1 for x in facts if x.absent_days == 3) == n
    assert sum(1 for x in facts if x.past_target_date_goal_ids) == n
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_does_not_grow_with_students(world, maths, n: int) -> None:
    # terms, closures, levels, competencies, evidence (DECLARE cursor), pacing, goals, attendance
    assert _queries(world, maths, n) == 8


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_with_the_default_windows(world, maths, rollup_path, n: int) -> None:
    # ... and with slipping's recent window: the score trend, and (SQL rollup) the recent evidence
    assert _queries(world, maths, n, Thresholds()) == (10 if rollup_path == "sql" else 9)


def test_ambiguous_pairs_are_rolled_up_in_python(world, maths, monkeypatch) -> None:
    """Force every decaying-average pair to be 'ambiguous': the SQL hands each back with its
    scores and Python rolls it up; the facts are those of the plain SQL path."""
    from followups import facts as facts_module
    from followups import rollup_sql

    for on, score in [
        (dt.date(2026, 9, 1), "4"),
        (dt.date(2026, 9, 8), "3"),
        (dt.date(2026, 9, 15), "2"),
    ]:
        w.evidence(world.student, maths.t1, score, on)
    w.evidence(world.student, maths.t3, "1", dt.date(2026, 9, 15))
    w.evidence(world.student, maths.t5, "3.5", dt.date(2026, 9, 15))
    monkeypatch.setattr(facts_module, "SQL_ROLLUP_MIN_STUDENTS", 0)
    monkeypatch.setattr(facts_module, "RECORDS_DAYS_BACK", -(10**5))  # the rollup from evidence
    plain = one(world)
    monkeypatch.setattr(rollup_sql, "PYTHON_EXACT_DECAYING_LENGTH", 0)
    monkeypatch.setattr(rollup_sql, "AMBIGUITY", "1")
    calls = []
    real = facts_module._roll_up
    monkeypatch.setattr(
        facts_module,
        "_roll_up",
        lambda *a: calls.append(a[1]) or real(*a),  # type: ignore[func-returns-value]
    )
    assert one(world) == plain
    assert plain.trending_down == ("7.RP.1",) and plain.dropped == ("7.RP.1",)
    rolled = [c for c in calls if c != [Decimal(0)]]  # not _specs' check of each target
    assert sorted(map(len, rolled)) == [1, 1, 3]


def _varied_evidence(world, maths) -> None:
    """Targets mastered, dropped, trending down, below approaching, for two students."""
    series = {
        maths.t1: ["4", "3", "2"],  # falling, dropped from Meets
        maths.t2: ["2", "3", "3.5"],  # mastered
        maths.t3: ["1"],  # below approaching
        maths.t4: ["3", "1.5"],  # dropped from Meets to Approaching
        maths.t5: ["2", "2"],  # approaching, flat
    }
    for n, student in enumerate([world.student, world.other_student]):
        for competency, scores in series.items():
            for i, score in enumerate(scores):
                w.evidence(student, competency, score, dt.date(2026, 9, 1 + 7 * i + n))


def test_todays_facts_come_from_the_records_and_equal_the_rollup(world, maths, monkeypatch) -> None:
    from followups import facts as facts_module

    _varied_evidence(world, maths)
    ids = [world.student.pk, world.other_student.pk]
    thresholds = replace(T, slipping_recent_days=60, slipping_scores=3)
    monkeypatch.setattr(facts_module, "RECORDS_DAYS_BACK", -(10**5))
    rolled_up = facts_for(world.school, ids, w.AS_OF, thresholds)
    monkeypatch.setattr(facts_module, "RECORDS_DAYS_BACK", 10**5)
    monkeypatch.setattr(facts_module, "_mastery_rolled_up", None)  # calling it would fail
    from_records = facts_for(world.school, ids, w.AS_OF, thresholds)
    assert from_records == rolled_up
    assert rolled_up[0].dropped == ("7.RP.1", "7.EE.1")
    assert rolled_up[0].trending_down == ("7.RP.1",)
    assert rolled_up[0].below_approaching == 1  # 7.RP.3
    assert (rolled_up[0].expected, rolled_up[0].mastered) == (2, 1)
    # Outside slipping's window, neither path counts the targets.
    narrow = replace(thresholds, slipping_recent_days=10)
    assert facts_for(world.school, ids, w.AS_OF, narrow)[0].dropped == ()


def test_students_whose_records_cannot_say_are_rolled_up(world, maths, monkeypatch) -> None:
    from followups import facts as facts_module
    from mastery.models import MasteryRecord

    _varied_evidence(world, maths)
    ids = [world.student.pk, world.other_student.pk]
    expected = facts_for(world.school, ids, w.AS_OF, T)
    monkeypatch.setattr(facts_module, "RECORDS_DAYS_BACK", 10**5)
    rolled: list[list[int]] = []
    real = facts_module._mastery_rolled_up
    monkeypatch.setattr(
        facts_module,
        "_mastery_rolled_up",
        lambda school, comps, student_ids, *a, **kw: (
            rolled.append(student_ids) or real(school, comps, student_ids, *a, **kw)
        ),
    )
    assert facts_for(world.school, ids, w.AS_OF, T) == expected
    assert rolled == []
    # A record not recomputed since falling_scores was added (null): that student rolls up.
    MasteryRecord.objects.filter(student=world.student, competency=maths.t3).update(
        falling_scores=None
    )
    assert facts_for(world.school, ids, w.AS_OF, T) == expected
    assert rolled == [[world.student.pk]]
    # Evidence after the date: the record holds it, the date must not.
    w.evidence(world.other_student, maths.t2, "1", dt.date(2026, 11, 20))
    assert facts_for(world.school, ids, w.AS_OF, T) == expected
    assert rolled[-1] == [world.student.pk, world.other_student.pk]


@pytest.mark.django_db(transaction=True)
def test_reads_beside_the_records_give_the_same_facts(world, maths, monkeypatch) -> None:
    """A school-sized scan reads the trend, pacing, goals and attendance on a second connection
    with the transaction's snapshot while the records are read: the same facts as one connection
    reading everything (committed data; a test's own transaction runs them inline)."""
    import threading

    from django.db import transaction

    from followups import facts as facts_module

    _varied_evidence(world, maths)
    ids = [world.student.pk, world.other_student.pk]
    thresholds = replace(T, slipping_recent_days=60, slipping_scores=3)
    serial = facts_for(world.school, ids, w.AS_OF, thresholds)
    monkeypatch.setattr(facts_module, "READS_BESIDE_MIN_STUDENTS", 1)
    threads: list[str] = []
    real = facts_module._score_trend
    monkeypatch.setattr(
        facts_module,
        "_score_trend",
        lambda *a: threads.append(threading.current_thread().name) or real(*a),
    )
    with transaction.atomic():
        beside = facts_for(world.school, ids, w.AS_OF, thresholds)
    assert beside == serial
    assert threads and threads[0].startswith("read-beside")
    with transaction.atomic():  # a transaction that wrote something reads inline
        SchoolClosure.objects.create(school=world.school, date=dt.date(2026, 12, 24))
        assert facts_for(world.school, ids, w.AS_OF, thresholds) == serial
    assert threads[1] == threading.current_thread().name


@pytest.mark.django_db(transaction=True)
def test_read_beside_reads_the_snapshot_and_inline_after_a_write(world) -> None:
    import threading

    from django.db import transaction

    from core.reads import read_beside
    from profiles.models import Term

    def look() -> tuple[str, str, int]:
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            (isolation,) = cursor.fetchone()
        return threading.current_thread().name, isolation, Term.objects.count()

    main = threading.current_thread().name
    before = Term.objects.count()
    with transaction.atomic():
        name, isolation, seen = read_beside(look)()
        assert (isolation, seen) == ("repeatable read", before)
        assert name.startswith("read-beside")
        Term.objects.create(
            school=world.school,
            title="Spring",
            start_date=dt.date(2027, 1, 4),
            end_date=dt.date(2027, 6, 11),
        )
        # A second connection would not see the new term: the read runs here.
        assert read_beside(look)() == (main, "read committed", before + 1)
    assert read_beside(look)()[0] == main  # outside a transaction
    with transaction.atomic():
        assert read_beside(look, enabled=False)()[0] == main
        with pytest.raises(ZeroDivisionError):
            read_beside(lambda: 1 // 0)()
