from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from django.utils.safestring import SafeString

from core.charts import line_chart

from .models import CheckIn


def checkin_chart(checkins: Sequence[CheckIn], *, tz: dt.tzinfo) -> SafeString:
    """Progress over the goal's check-ins, oldest first, each dated in the school's time zone."""
    last = checkins[-1].progress if checkins else 0
    return line_chart(
        [timezone.localtime(c.created_at, tz).strftime("%b %-d") for c in checkins],
        [c.progress for c in checkins],
        title="Progress at each check-in (%)",
        top=100,
        aria_label=f"Progress at each check-in: now {last}% after {len(checkins)} check-ins",
    )
