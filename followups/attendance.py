"""Attendance: which days are school days, and the information system's CSV export.

A school day is a weekday inside one of the school's active terms that is not a closure.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from core import hooks
from core.services import service
from profiles.models import Membership, Role, School, Term, User

from .models import Attendance, AttendanceImport, SchoolClosure


def active_term(school: School, day: dt.date | None = None) -> Term | None:
    """The school's active term containing ``day`` (today at the school by default): the
    shortest one, so a grading period wins over the school year it sits in."""
    day = day or school.today()
    terms = Term.objects.filter(
        school=school, start_date__lte=day, end_date__gte=day, is_active=True
    )
    return min(terms, key=lambda t: (t.end_date - t.start_date, t.pk), default=None)


def is_school_day(school: School, day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    if not Term.objects.filter(
        school=school, start_date__lte=day, end_date__gte=day, is_active=True
    ).exists():
        return False
    return not SchoolClosure.objects.filter(school=school, date=day).exists()


def school_days(school: School, start: dt.date, end: dt.date) -> list[dt.date]:
    """The school days from ``start`` to ``end`` inclusive, in order (two queries)."""
    if end < start:
        return []
    terms = list(
        Term.objects.filter(
            school=school, start_date__lte=end, end_date__gte=start, is_active=True
        ).values_list("start_date", "end_date")
    )
    closed = set(
        SchoolClosure.objects.filter(school=school, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in closed and any(a <= day <= b for a, b in terms):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


# --- the information system's CSV export -------------------------------------------------------

STUDENT_COLUMNS = (
    "student_sourcedid",
    "sourcedid",
    "student_id",
    "student",
    "email",
    "student_email",
)
DATE_COLUMNS = ("date", "attendance_date", "day")
STATUS_COLUMNS = ("status", "attendance", "code", "attendance_code")
STATUS_SPELLINGS = {
    "present": "present",
    "p": "present",
    "in": "present",
    "absent": "absent",
    "a": "absent",
    "u": "absent",
    "unexcused": "absent",
    "unexcused absence": "absent",
    "tardy": "tardy",
    "t": "tardy",
    "late": "tardy",
    "l": "tardy",
    "excused": "excused",
    "e": "excused",
    "ex": "excused",
    "excused absence": "excused",
}
MAX_ROWS = 200_000
MAX_BYTES = 20 * 1024 * 1024
OLDEST_DAYS = 400  # a school year and a bit: older marks are a wrong column, not attendance


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[dict[str, object]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _header_index(header: list[str], names: tuple[str, ...]) -> int | None:
    cleaned = [h.strip().lower().replace(" ", "_").lstrip("\ufeff") for h in header]
    for name in names:
        if name in cleaned:
            return cleaned.index(name)
    return None


def _parse_day(text: str) -> dt.date | None:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def attendance_rows_read(
    *, school: School, content: str, today: dt.date | None = None
) -> tuple[ImportResult, list[tuple[int, dt.date, str]]]:
    """Read and check every row; nothing is written. The marks found, and a per-row report
    of what is wrong (students of other schools, unknown spellings, future or implausible
    dates, the same student and day twice)."""
    result = ImportResult()
    if "\x00" in content:
        result.problems.append({"row": 0, "problem": "The file is not a text CSV file."})
        return result, []
    reader = csv.reader(io.StringIO(content))
    try:
        header = next(reader)
    except StopIteration:
        result.problems.append({"row": 0, "problem": "The file is empty."})
        return result, []
    except csv.Error as exc:
        result.problems.append({"row": 1, "problem": f"The CSV cannot be read: {exc}."})
        return result, []
    who = _header_index(header, STUDENT_COLUMNS)
    when = _header_index(header, DATE_COLUMNS)
    what = _header_index(header, STATUS_COLUMNS)
    missing = [
        name
        for name, index in (("student sourcedId or email", who), ("date", when), ("status", what))
        if index is None
    ]
    if missing:
        result.problems.append(
            {"row": 1, "problem": f"The header has no column for: {', '.join(missing)}."}
        )
        return result, []
    assert who is not None and when is not None and what is not None
    students = list(
        Membership.objects.filter(school=school, role=Role.STUDENT, is_active=True).values_list(
            "user_id", "user__sourced_id", "user__email"
        )
    )
    by_key: dict[str, int] = {}
    for user_id, sourced_id, email in students:
        if sourced_id:
            by_key[sourced_id.strip().lower()] = user_id
        by_key[email.strip().lower()] = user_id
    today = today or school.today()
    oldest = today - dt.timedelta(days=OLDEST_DAYS)
    marks: list[tuple[int, dt.date, str]] = []
    seen: dict[tuple[int, dt.date], int] = {}
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            result.rows += 1
            if result.rows > MAX_ROWS:
                result.problems.append(
                    {"row": number, "problem": f"Import at most {MAX_ROWS} rows at a time."}
                )
                break
            if len(row) <= max(who, when, what):
                result.problems.append({"row": number, "problem": "The row has too few columns."})
                continue
            key, day_text, status_text = row[who].strip(), row[when], row[what]
            student_id = by_key.get(key.lower())
            problem = None
            day = _parse_day(day_text)
            status = STATUS_SPELLINGS.get(status_text.strip().lower())
            if student_id is None:
                problem = f"{key[:80] or 'An empty student'} is not a student of {school.name}."
            elif day is None:
                problem = f"{day_text[:40]!r} is not a date (use YYYY-MM-DD or MM/DD/YYYY)."
            elif day > today:
                problem = f"{day:%Y-%m-%d} is in the future."
            elif day < oldest:
                problem = f"{day:%Y-%m-%d} is more than a year ago."
            elif status is None:
                problem = (
                    f"{status_text[:40]!r} is not an attendance status (present, absent, tardy, "
                    "excused, or P, A, T, E)."
                )
            elif (student_id, day) in seen:
                problem = f"The same student and day is already on row {seen[(student_id, day)]}."
            if problem:
                result.problems.append({"row": number, "problem": problem})
                continue
            assert student_id is not None and day is not None and status is not None
            seen[(student_id, day)] = number
            marks.append((student_id, day, status))
    except csv.Error as exc:
        result.problems.append(
            {"row": reader.line_num, "problem": f"The CSV cannot be read: {exc}."}
        )
    return result, marks


RESCAN_ONE_BY_ONE = 50


def attendance_upsert(marks: list[Attendance]) -> None:
    """Write marks, replacing a student's mark for the same day (one statement per 2,000)."""
    Attendance.objects.bulk_create(
        marks,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["student", "date"],
        update_fields=["status", "source", "recorded_by", "school", "updated_at"],
    )


def _rescan(school: School, student_ids: set[int]) -> None:
    """After commit: a few students' debounced rescans, or one scan of the whole school."""
    if len(student_ids) <= RESCAN_ONE_BY_ONE:
        hooks.students_changed(student_ids)
        return
    from core.tasks import enqueue_after_commit

    from .tasks import school_scan_task

    enqueue_after_commit(school_scan_task, school.pk, None, "command")


@service
def attendance_import(
    *,
    actor: User | None,
    school: School,
    content: str,
    file_name: str = "",
    dry_run: bool = False,
    today: dt.date | None = None,
    rescan: bool = True,
) -> tuple[ImportResult, AttendanceImport | None]:
    """Import the information system's attendance export for ``school``: every row or none.
    Idempotent: a mark already there with the same status is unchanged. With ``dry_run`` the
    counts are worked out and nothing is written (the admin's preview). ``today`` is the
    school's today unless given (the demo replays a term). After commit the students whose
    marks changed are rescanned (a few one by one, many as one scan of the school) unless
    ``rescan`` is off (the demo scans itself)."""
    result, marks = attendance_rows_read(school=school, content=content, today=today)
    if result.ok and marks:
        existing = {
            (student_id, day): status
            for student_id, day, status in Attendance.objects.filter(
                school=school,
                student_id__in={m[0] for m in marks},
                date__range=(min(m[1] for m in marks), max(m[1] for m in marks)),
            ).values_list("student_id", "date", "status")
        }
        changed = []
        for student_id, day, status in marks:
            before = existing.get((student_id, day))
            if before is None:
                result.created += 1
            elif before == status:
                result.unchanged += 1
                continue
            else:
                result.updated += 1
            changed.append(
                Attendance(
                    school=school,
                    student_id=student_id,
                    date=day,
                    status=status,
                    source=Attendance.Source.IMPORT,
                    recorded_by=actor,
                )
            )
        if not dry_run:
            attendance_upsert(changed)
            if rescan and changed:
                _rescan(school, {mark.student_id for mark in changed})
    if dry_run:
        return result, None
    record = AttendanceImport.objects.create(
        school=school,
        file_name=file_name[:255],
        status=AttendanceImport.Status.APPLIED if result.ok else AttendanceImport.Status.FAILED,
        rows=result.rows,
        created=result.created if result.ok else 0,
        updated=result.updated if result.ok else 0,
        unchanged=result.unchanged if result.ok else 0,
        report=result.problems[:1000],
        created_by=actor,
    )
    return result, record
