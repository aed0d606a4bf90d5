"""Fixtures: one emulator on loopback and Dagster resources pointing at it."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.resources import resources_from_settings
from pipelines.settings import load_settings

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(EmulatorConfig(employees=30, days=14)) as server:
        yield server


def resources_for(server: EmulatorServer, data_dir) -> dict:
    """Resources bound to the emulator (plain values: the same fields the EnvVars fill)."""
    return resources_from_settings(
        load_settings(
            dingtalk_client_id=server.client_id,
            dingtalk_client_secret=server.client_secret,
            dingtalk_api_base_url=server.api_base_url,
            dingtalk_oapi_base_url=server.oapi_base_url,
            attendance_data_dir=str(data_dir),
        )
    )


def materialize_range(
    resources: dict, first: date, last: date, **options
) -> dg.ExecuteInProcessResult:
    """Every daily asset over first..last in one range run, then the monthly marts of the months
    those days touch in one monthly run, as `sync` does for a chunk; the daily run's result."""
    from pipelines.definitions import ATTENDANCE_ASSETS, DAILY_ASSETS, MONTHLY_ASSETS
    from pipelines.jobs import monthly_marts_tags

    tags = {RANGE_START: first.isoformat(), RANGE_END: last.isoformat()}
    daily = dg.materialize(
        ATTENDANCE_ASSETS,
        selection=[a.key for a in DAILY_ASSETS],
        resources=resources,
        tags=tags,
        **options,
    )
    if daily.success:
        monthly = dg.materialize(
            ATTENDANCE_ASSETS,
            selection=[a.key for a in MONTHLY_ASSETS],
            resources=resources,
            tags=monthly_marts_tags(first, last),
            **options,
        )
        assert monthly.success, "the monthly marts failed after a successful daily run"
    return daily
