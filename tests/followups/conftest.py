"""Shared fixtures of the follow-ups tests."""

from __future__ import annotations

import pytest

from followups import facts


@pytest.fixture(params=["python", "sql"])
def rollup_path(request, monkeypatch) -> str:
    """Run the test with the mastery rollup in Python and again in SQL (facts.py picks by the
    number of students; the small worlds of these tests would otherwise only see Python)."""
    threshold = 10**9 if request.param == "python" else 0
    monkeypatch.setattr(facts, "SQL_ROLLUP_MIN_STUDENTS", threshold)
    return request.param
