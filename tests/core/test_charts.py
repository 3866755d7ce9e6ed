"""Charts that read on a phone and say the school's dates."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from core.charts import growth_chart

PHONE_CONTENT_WIDTH = 340  # a 390 px phone less the page's padding


def _smallest_rendered_font(svg: str) -> float:
    width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
    sizes = [float(x) for x in re.findall(r"font-size:\s*([0-9.]+)px", svg)]
    return min(sizes) * PHONE_CONTENT_WIDTH / width


def test_chart_text_is_readable_on_a_390px_phone():
    start = dt.date(2026, 9, 1)
    points = [(start + dt.timedelta(days=7 * i), i) for i in range(16)]
    svg = growth_chart(points, title="Learning targets mastered, Fall", total=20)
    assert _smallest_rendered_font(svg) >= 12
    labels = re.findall(r"<text[^>]*>([A-Z][a-z]{2} \d+)</text>", svg)
    assert labels == ["Sep 1", "Sep 29", "Oct 27", "Nov 24"]  # few enough not to overlap


def test_checkin_dates_are_the_schools_not_utc(world):
    from goals.charts import checkin_chart
    from goals.models import CheckIn

    # 9 pm in New York on Oct 5 is 1 am UTC on Oct 6.
    evening = dt.datetime(2026, 10, 6, 1, 0, tzinfo=dt.UTC)
    checkins = [
        CheckIn(created_at=evening - dt.timedelta(days=3), progress=10, confidence=3),
        CheckIn(created_at=evening, progress=20, confidence=3),
    ]
    svg = checkin_chart(checkins, tz=zoneinfo.ZoneInfo("America/New_York"))
    assert "Oct 5" in svg and "Oct 6" not in svg
