"""What every app's demo step shares: reading its data files (each app's ``demo/`` folder holds
its part of the demo school as JSON and CSV, docs/decisions/0026) and the school calendar."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DemoStep:
    """What a demo step did: ``created`` is False when its rows were already there (or there
    is no demo school); ``counts`` are what it wrote, ``text`` its data file's line for them."""

    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    text: str = ""

    def described(self) -> str:
        return self.text.format(**self.counts)


def frozen(value: Any) -> Any:
    """JSON lists as tuples, all the way down, so values are hashable and seeded random draws
    over them are the same in every process."""
    if isinstance(value, list):
        return tuple(frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: frozen(v) for k, v in value.items()}
    return value


def demo_json(module_file: str, name: str) -> Any:
    """The JSON file ``name`` beside ``module_file`` (pass ``__file__``), frozen."""
    return frozen(json.loads((Path(module_file).resolve().parent / name).read_text("utf-8")))


def _nth(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` of the month; ``n`` -1 for the last one."""
    if n < 0:
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def closed_days(fall_year: int) -> set[date]:
    """Labor Day, Thanksgiving (Wednesday to Friday), winter break (December 21 to January 1),
    MLK Day, Presidents' Day, spring break (the week of the last Monday in March), Memorial Day."""
    spring, thanksgiving = fall_year + 1, _nth(fall_year, 11, 3, 4)
    closed = {_nth(fall_year, 9, 0, 1), _nth(spring, 1, 0, 3), _nth(spring, 2, 0, 3)}
    closed |= {_nth(spring, 5, 0, -1)} | {thanksgiving + timedelta(days=i) for i in (-1, 0, 1)}
    closed |= {date(fall_year, 12, 21) + timedelta(days=i) for i in range(12)}
    return closed | {_nth(spring, 3, 0, -1) + timedelta(days=i) for i in range(5)}


def school_days(start: date, end: date) -> list[date]:
    """Every day the demo school is open from ``start`` to ``end``, in order."""
    closed = closed_days(start.year if start.month >= 7 else start.year - 1)
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5 and d not in closed]


def weekdays(first: date, count: int) -> list[date]:
    """``count`` weekdays from ``first`` on (a weekend ``first`` counts from the Monday)."""
    days: list[date] = []
    while len(days) < count:
        days += [first] if first.weekday() < 5 else []
        first += timedelta(days=1)
    return days
