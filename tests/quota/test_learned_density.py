"""The governor learns the punch density from the warehouse's last four weeks of punches."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pipelines.catalogue import Asset
from pipelines.days import SHANGHAI
from pipelines.quota import governor
from pipelines.quota.density import LEARN_DAYS, learned_density
from pipelines.warehouse.store import ParquetStore

TODAY = date(2026, 11, 16)


def punches(day: date, hour: int, minute: int, count: int) -> list[dict]:
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
    return [
        {"userid": f"u{i}", "record_id": i, "user_check_time": at, "check_type": "OnDuty"}
        for i in range(count)
    ]


def test_the_last_four_weeks_of_punches_place_the_polls(tmp_path):
    store = ParquetStore(tmp_path)
    for back in range(1, LEARN_DAYS + 1):
        day = TODAY - timedelta(days=back)
        store.write(Asset.ATTENDANCE_PUNCHES, punches(day, 10, 32, 400), day)
    # Older days and today's partial day are not the last four weeks: ignored.
    old = TODAY - timedelta(days=LEARN_DAYS + 1)
    store.write(Asset.ATTENDANCE_PUNCHES, punches(old, 15, 0, 50_000), old)
    store.write(Asset.ATTENDANCE_PUNCHES, punches(TODAY, 16, 0, 50_000), TODAY)
    density = learned_density(store, TODAY)
    assert density != governor.DEFAULT_DENSITY
    assert density[(2 * 60 + 30) // governor.LEARNED_BIN_MINUTES] == 1.0  # 10:30-10:45
    assert governor.poll_minutes(1, density) == [165.0]  # 10:45, after every punch


def test_without_enough_punches_the_default_density_stands(tmp_path):
    store = ParquetStore(tmp_path)
    day = TODAY - timedelta(days=1)
    store.write(Asset.ATTENDANCE_PUNCHES, punches(day, 10, 32, 10), day)
    assert learned_density(store, TODAY) == governor.DEFAULT_DENSITY
    assert learned_density(ParquetStore(tmp_path / "empty"), TODAY) == governor.DEFAULT_DENSITY
