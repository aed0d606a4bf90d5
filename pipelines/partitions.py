"""The partitions of the attendance assets: daily (one per Asia/Shanghai calendar day) for the
pulled tables and the daily mart, monthly for the monthly marts and the monthly report.

Today's partition exists (`end_offset=1`) so that today's punches can land while the day is
still open. The first partition is `ATTENDANCE_START_DATE` (YYYY-MM-DD, read through `Settings`,
default 2026-01-01): partitions are structure, not run configuration, so they are fixed when the
code location loads. DingTalk serves attendance results for about half a year back, so an
earlier start only adds partitions that cannot be filled.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import dagster as dg

from pipelines.days import ZONE_NAME
from pipelines.settings import load_settings

TIMEZONE = ZONE_NAME


def start_date_from_environment() -> str:
    """The configured first partition as YYYY-MM-DD, validated (ConfigError names the variable)."""
    return load_settings().attendance_start_date.isoformat()


def build_daily_partitions(start_date: str | None = None) -> dg.DailyPartitionsDefinition:
    """Daily partitions in Asia/Shanghai from `start_date` (default: the environment) to today."""
    return dg.DailyPartitionsDefinition(
        start_date=start_date or start_date_from_environment(),
        timezone=TIMEZONE,
        end_offset=1,
    )


daily_partitions = build_daily_partitions()


def build_monthly_partitions(start_date: str | None = None) -> dg.MonthlyPartitionsDefinition:
    """One partition per Asia/Shanghai month from the daily partitions' month, this one included.

    The first month is the month of the first daily partition (even when that starts mid-month)
    and the month in progress is a partition (`end_offset=1`), so that its mart and HR's page
    follow the days as they land. Keys are the month's first day, `YYYY-MM-01`.
    """
    first = date.fromisoformat(start_date or start_date_from_environment()).replace(day=1)
    return dg.MonthlyPartitionsDefinition(
        start_date=first.isoformat(), timezone=TIMEZONE, end_offset=1
    )


monthly_partitions = build_monthly_partitions()


def month_key(day: date) -> str:
    """The monthly partition key of the month holding `day`."""
    return day.replace(day=1).isoformat()


def month_keys(days: Iterable[date]) -> list[str]:
    """The monthly partition keys of the months `days` fall in, oldest first."""
    return sorted({month_key(day) for day in days})
