"""An asset whose input partition was never materialized fails with one line naming what to run
first, writes nothing and spends no metered call; checks are tied to the partition they judge."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import httpx
import pytest

from pipelines.catalogue import Asset
from pipelines.definitions import ATTENDANCE_ASSETS
from pipelines.warehouse import ParquetStore
from tests.dagster.conftest import resources_for

pytestmark = pytest.mark.integration


def _metered_total(emulator) -> int:
    return sum(httpx.get(f"{emulator.control_url}/stats").json()["metered_calls"].values())


def _materialize(emulator, data_dir, selection: list[str], partition: str | None = None):
    return dg.materialize(
        ATTENDANCE_ASSETS,
        selection=selection,
        resources=resources_for(emulator, data_dir),
        partition_key=partition,
        raise_on_error=False,
    )


def _failure_line(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [event for event in result.all_events if event.is_step_failure]
    return failure.event_specific_data.error.message.strip()


def test_daily_without_results_fails_naming_what_to_run_and_writes_nothing(emulator, tmp_path):
    day = (emulator.config.start + timedelta(days=2)).isoformat()
    assert _materialize(emulator, tmp_path, [Asset.EMPLOYEES]).success
    result = _materialize(emulator, tmp_path, [Asset.ATTENDANCE_DAILY], day)
    assert not result.success
    line = _failure_line(result)
    assert "attendance_results was never materialized" in line
    assert f"dingtalk-attendance sync --start {day} --end {day}" in line
    assert ParquetStore(tmp_path).partitions(Asset.ATTENDANCE_DAILY) == []


def test_a_month_without_daily_partitions_fails_naming_what_to_run_and_writes_nothing(
    emulator, tmp_path
):
    month = emulator.config.start.replace(day=1)
    result = _materialize(emulator, tmp_path, [Asset.ATTENDANCE_MONTHLY], month.isoformat())
    assert not result.success
    line = _failure_line(result)
    assert "\n" not in line
    assert f"{month:%Y-%m}: no day of the month in attendance_daily" in line
    assert f"dingtalk-attendance sync --start {month:%Y-%m}-01" in line
    assert ParquetStore(tmp_path).partitions(Asset.ATTENDANCE_MONTHLY) == []


def test_a_pull_on_an_empty_roster_fails_before_any_metered_call(emulator, tmp_path):
    day = emulator.config.start.isoformat()
    before = _metered_total(emulator)
    result = _materialize(emulator, tmp_path, [Asset.ATTENDANCE_RESULTS], day)
    assert not result.success
    assert "employees is empty" in _failure_line(result)
    assert _metered_total(emulator) == before
    assert ParquetStore(tmp_path).partitions(Asset.ATTENDANCE_RESULTS) == []


def test_checks_of_a_single_partition_run_are_recorded_for_that_partition(emulator, tmp_path):
    day = emulator.config.start.isoformat()
    assert _materialize(emulator, tmp_path, [Asset.EMPLOYEES]).success
    result = _materialize(emulator, tmp_path, [Asset.ATTENDANCE_RESULTS], day)
    assert result.success
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.partition == day
