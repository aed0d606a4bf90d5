"""The one time zone of the pipeline (Asia/Shanghai) and the ranges of work dates it runs over.

DingTalk's days, natural months and quota months all follow Asia/Shanghai, so every module takes
its zone from here. Nothing here imports dagster or the client: the emulator uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

ZONE_NAME = "Asia/Shanghai"
SHANGHAI = ZoneInfo(ZONE_NAME)
# A fixed +08:00 offset equals Asia/Shanghai for every date since 1991 (no DST): for hot paths
# that turn many epoch values into datetimes and must not look the zone up each time.
UTC8 = timezone(timedelta(hours=8), "+08:00")
UTC8_MS = 8 * 3600 * 1000


def pipeline_now() -> datetime:
    """The present by which the warehouse judges settlement (`pulled_at`, `settled`).

    One function, so that a test or bench driving an emulator whose clock is not the machine's
    can make the pipeline read the emulator's clock instead (DingTalk's clock is the machine's):
    the call ledger's days (`pipelines.dingtalk.ledger.shanghai_now`), "today" and the pulls'
    `pulled_at` all follow it.
    """
    return datetime.now(tz=SHANGHAI)


def shanghai_today() -> date:
    """Today's date in Asia/Shanghai, by the pipeline's present (`pipeline_now`)."""
    return pipeline_now().date()


def days_between(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included (empty when `last` is before `first`)."""
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


@dataclass(frozen=True)
class DayRange:
    """An inclusive range of work dates."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError(f"range starts {self.first} after it ends {self.last}")

    def days(self) -> list[date]:
        return days_between(self.first, self.last)
