"""core.demo: the demo's JSON files are read as frozen values; the demo school's calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.demo import closed_days, demo_json, school_days, weekdays


def test_demo_json_reads_the_file_beside_the_module_with_lists_as_tuples(tmp_path: Path):
    (tmp_path / "phrases.json").write_text(
        '{"pools": {"reading": ["Reading on the bus.", "The library"]}, "weights": [[1, 3]]}',
        encoding="utf-8",
    )

    data = demo_json(str(tmp_path / "data.py"), "phrases.json")

    assert data == {
        "pools": {"reading": ("Reading on the bus.", "The library")},
        "weights": ((1, 3),),
    }
    hash(data["weights"])  # hashable, like the Python literals it replaces


def test_the_demo_calendar_closes_for_holidays_and_breaks():
    closed = closed_days(2025)
    assert {
        date(2025, 9, 1),  # Labor Day
        date(2025, 11, 26),  # Thanksgiving: Wednesday to Friday
        date(2025, 11, 27),
        date(2025, 11, 28),
        date(2025, 12, 22),  # winter break: December 21 to January 1
        date(2026, 1, 1),
        date(2026, 1, 19),  # MLK Day
        date(2026, 2, 16),  # Presidents' Day
        date(2026, 3, 30),  # spring break: the week of the last Monday in March
        date(2026, 4, 3),
        date(2026, 5, 25),  # Memorial Day
    } <= closed
    assert len(closed) == 1 + 3 + 12 + 1 + 1 + 5 + 1
    days = school_days(date(2025, 12, 18), date(2026, 1, 6))
    assert days == [
        date(2025, 12, 18),
        date(2025, 12, 19),
        date(2026, 1, 2),
        date(2026, 1, 5),
        date(2026, 1, 6),
    ]
    assert school_days(date(2026, 1, 6), date(2026, 1, 5)) == []


def test_weekdays_skip_the_weekend_and_a_weekend_start_counts_from_monday():
    assert weekdays(date(2025, 11, 28), 3) == [
        date(2025, 11, 28),
        date(2025, 12, 1),
        date(2025, 12, 2),
    ]
    assert weekdays(date(2025, 11, 29), 2) == [date(2025, 12, 1), date(2025, 12, 2)]
