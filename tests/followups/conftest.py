"""Shared fixtures of the follow-ups tests."""

from __future__ import annotations

import pytest

from followups import facts


@pytest.fixture(params=["python", "sql", "records"])
def rollup_path(request, monkeypatch) -> str:
    """Run the test with the mastery rollup in Python, again in SQL (facts.py picks by the
    number of students; the small worlds of these tests would otherwise only see Python), and
    again reading the stored mastery records (the path of today's scan, which these tests'
    past dates would otherwise never take; students with evidence after the date still roll up,
    in Python)."""
    threshold = 0 if request.param == "sql" else 10**9
    monkeypatch.setattr(facts, "SQL_ROLLUP_MIN_STUDENTS", threshold)
    days_back = 10**5 if request.param == "records" else -(10**5)
    monkeypatch.setattr(facts, "RECORDS_DAYS_BACK", days_back)
    return request.param
