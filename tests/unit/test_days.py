"""The days module: inclusive day ranges, and a fixed +08:00 that agrees with Asia/Shanghai."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipelines import days as pipeline_days
from pipelines.days import SHANGHAI, UTC8, UTC8_MS, DayRange, days_between, shanghai_today


def test_a_range_holds_both_ends_and_refuses_to_run_backwards():
    assert DayRange(date(2026, 2, 27), date(2026, 3, 2)).days() == [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2026, 3, 2),
    ]
    assert days_between(date(2026, 3, 2), date(2026, 3, 1)) == []
    with pytest.raises(ValueError, match="after it ends"):
        DayRange(date(2026, 3, 2), date(2026, 3, 1))


@pytest.mark.parametrize("month", range(1, 13))
def test_the_fixed_offset_is_the_zone_all_year(month):
    moment = datetime(2026, month, 15, 12, tzinfo=SHANGHAI)
    assert moment.utcoffset() == UTC8.utcoffset(None)
    assert UTC8_MS == UTC8.utcoffset(None).total_seconds() * 1000


def test_today_is_the_pipelines(monkeypatch):
    monkeypatch.setattr(
        pipeline_days, "pipeline_now", lambda: datetime(2026, 11, 3, 23, 59, tzinfo=SHANGHAI)
    )
    assert shanghai_today() == date(2026, 11, 3)
