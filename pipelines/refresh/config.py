"""Tunables of the event-driven refresh, read from `ATTENDANCE_*` variables.

Inside Dagster, `RefreshResource` (pipelines/resources.py) reads them once per tick or run,
never at import time, so that an operator can change the coalescing window or the sweep depth
by editing the environment of the Dagster daemon.
"""

from __future__ import annotations

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings

from pipelines.settings import ConfigError, settings_config


class RefreshSettings(BaseSettings):
    """Event refresh configuration (see docs/events.md for what each one costs)."""

    model_config = settings_config("ATTENDANCE_")

    # Events of one day arriving within this window share one run. Every run spends about two
    # metered calls (per 50 users), so the window is what keeps the event path inside the
    # monthly quota: 900 s gives ~43 runs a work day for 200 employees (docs/events.md).
    coalesce_seconds: float = Field(default=900, ge=0)
    # Inbox events read per sensor tick: keeps a tick bounded after a long outage.
    sensor_batch: int = Field(default=500, gt=0, le=10_000)
    # A punch before this hour may close yesterday's overnight shift when the shift is unknown.
    overnight_cutoff_hour: int = Field(default=8, ge=0, le=23)
    # A connection gap longer than this many days is re-pulled for its last days only.
    gap_max_days: int = Field(default=31, gt=0)
    # Settlement re-pulls these days back (1 = yesterday) once DingTalk has settled them.
    settlement_days: list[int] = Field(default=[1, 2])
    # The nightly sweep re-pulls this many days back (settlement days excluded).
    sweep_days: int = Field(default=7, ge=0, le=62)
    # Report values (a metered call per user) are re-pulled for the past week on this weekday
    # (0 = Monday) and for the whole previous month on this day of the month.
    report_settlement_weekday: int = Field(default=0, ge=0, le=6)
    report_settlement_month_day: int = Field(default=2, ge=1, le=28)
    # The failed-push list is read (a metered call) after a listener disconnected or while none
    # is connected, and at least this often otherwise.
    failed_push_max_interval_seconds: float = Field(default=6 * 3600, gt=0)
    # DingTalk moves an undelivered event to the list a few minutes after its last retry.
    failed_push_settle_seconds: float = Field(default=900, ge=0)
    # The nightly sweep and the weekly report re-pull run only while this month's metered calls,
    # projected to the month's end, stay under this share of DINGTALK_MONTHLY_API_QUOTA.
    discretionary_quota_share: float = Field(default=0.8, gt=0, le=1)
    # Failed-push pages drained per reconciliation run (200 entries each).
    failed_push_max_pages: int = Field(default=50, gt=0)


def load_refresh_settings(**overrides: object) -> RefreshSettings:
    """Build RefreshSettings from the environment; one-line ConfigError naming the variable."""
    try:
        return RefreshSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = "ATTENDANCE_" + str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(
            f"{name} is invalid: {first['msg']} (got {first.get('input')!r})."
        ) from None
