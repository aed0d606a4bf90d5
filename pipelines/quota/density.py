"""The punch-time density the governor places polls by, learned from the warehouse.

The punches of the LEARN_DAYS days before today (`attendance_punches`, which the daily close
writes anyway: learning costs no call) show where this organisation's shifts start and end;
with too few of them the governor's measured default stands. Learned once a day per data
directory: the weeks before today do not change during it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache
from pathlib import Path

from pipelines.catalogue import Asset
from pipelines.days import SHANGHAI
from pipelines.quota import governor
from pipelines.warehouse.store import ParquetStore

LEARN_DAYS = 28


def recent_punch_times(store: ParquetStore, today: date) -> list[time]:
    """Asia/Shanghai times of the punches of the LEARN_DAYS days before `today`."""
    found: list[time] = []
    for back in range(1, LEARN_DAYS + 1):
        day = today - timedelta(days=back)
        rows = store.partition_rows(Asset.ATTENDANCE_PUNCHES, day, ["user_check_time"]) or []
        found.extend(
            row["user_check_time"].astimezone(SHANGHAI).time()
            for row in rows
            if row["user_check_time"] is not None
        )
    return found


@lru_cache(maxsize=8)
def _learned(data_dir: Path, today: date) -> tuple[float, ...]:
    return governor.density_from_punches(recent_punch_times(ParquetStore(data_dir), today))


def learned_density(store: ParquetStore, today: date) -> tuple[float, ...]:
    """The density of the last four weeks' punches (the governor's default without them)."""
    return _learned(store.data_dir, today)


@dataclass(frozen=True)
class Density:
    """The density the governor will use, and what it came from (for `plan`)."""

    bins: tuple[float, ...]
    punches: int  # work-hour punches of the LEARN_DAYS days before today
    learned: bool

    def describe(self) -> str:
        if self.learned:
            return f"learned from {self.punches:,} punches of the last {LEARN_DAYS} days"
        return (
            f"default (hourly): {self.punches:,} punches in the last {LEARN_DAYS} days, "
            f"fewer than the {governor.MIN_LEARNED:,} learning needs"
        )


def density_in(store: ParquetStore, today: date) -> Density:
    """The density the polling sensor uses on `today`, by the same rule (`learned_density`)."""
    bins = learned_density(store, today)
    in_hours = [
        t for t in recent_punch_times(store, today) if governor.WORK_START <= t < governor.WORK_END
    ]
    return Density(bins, len(in_hours), bins != governor.DEFAULT_DENSITY)
