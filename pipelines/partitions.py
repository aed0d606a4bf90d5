"""The daily partitions of every attendance asset: one per Asia/Shanghai calendar day.

Today's partition exists (`end_offset=1`) so that today's punches can land while the day is
still open. The first partition is `ATTENDANCE_START_DATE` (YYYY-MM-DD, read through `Settings`,
default 2026-01-01): partitions are structure, not run configuration, so they are fixed when the
code location loads. DingTalk serves attendance results for about half a year back, so an
earlier start only adds partitions that cannot be filled.
"""

from __future__ import annotations

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
