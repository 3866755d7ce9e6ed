from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString

from core.charts import line_chart

from .models import CheckIn


def checkin_chart(checkins: Sequence[CheckIn]) -> SafeString:
    """Progress over the goal's check-ins, oldest first."""
    last = checkins[-1].progress if checkins else 0
    return line_chart(
        [c.created_at.strftime("%b %-d") for c in checkins],
        [c.progress for c in checkins],
        title="Progress at each check-in (%)",
        top=100,
        aria_label=f"Progress at each check-in: now {last}% after {len(checkins)} check-ins",
    )
