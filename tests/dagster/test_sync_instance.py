"""`sync` records into the shared instance (`<data dir>/dagster_home` without DAGSTER_HOME):
the partitions it pulled are materialized there, each with its own `dagster/row_count`, the
monthly marts' months too, and each day's `metered_calls` are that day's share of the calls."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import httpx
import pytest
from typer.testing import CliRunner

from pipelines.catalogue import Asset, Job
from pipelines.cli import _register_commands, app
from pipelines.warehouse import ParquetStore

_register_commands()
runner = CliRunner()


def use_emulator(monkeypatch, emulator, data_dir) -> None:
    monkeypatch.setenv("DINGTALK_CLIENT_ID", emulator.client_id)
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", emulator.client_secret)
    monkeypatch.setenv("DINGTALK_API_BASE_URL", emulator.api_base_url)
    monkeypatch.setenv("DINGTALK_OAPI_BASE_URL", emulator.oapi_base_url)
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(data_dir))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def metered_calls(emulator) -> int:
    """Metered calls the emulator counted so far (what the customer would be billed)."""
    return sum(httpx.get(f"{emulator.control_url}/stats").json()["metered_calls"].values())


def sync_days(emulator, days: int, *extra: str):
    """`dingtalk-attendance sync` over the emulator's first `days` days, through the CLI."""
    first = emulator.config.start
    last = first + timedelta(days=days - 1)
    return runner.invoke(app, ["sync", "--start", str(first), "--end", str(last), *extra])


def latest(instance: dg.DagsterInstance, asset: str, partition: str) -> dg.AssetMaterialization:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[partition]), limit=1
    ).records
    assert records, f"{asset} {partition} not materialized"
    return records[0].asset_materialization


@pytest.mark.integration
def test_a_synced_week_is_materialized_in_the_data_dirs_instance(emulator, tmp_path, monkeypatch):
    use_emulator(monkeypatch, emulator, tmp_path)
    first = emulator.config.start
    days = [first + timedelta(days=n) for n in range(7)]
    result = runner.invoke(app, ["sync", "--start", str(days[0]), "--end", str(days[-1])])
    assert result.exit_code == 0, result.output
    store = ParquetStore(tmp_path)
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster_home")) as instance:
        for table in (Asset.ATTENDANCE_RESULTS, Asset.ATTENDANCE_DAILY):
            materialized = instance.get_materialized_partitions(dg.AssetKey(table))
            assert {day.isoformat() for day in days} <= materialized
            counts = {
                day: latest(instance, table, day.isoformat()).metadata["dagster/row_count"].value
                for day in days
            }
            assert counts == {day: store.read(table, day).num_rows for day in days}
            assert all(counts.values())


@pytest.mark.integration
def test_a_synced_week_materializes_the_monthly_partitions_it_touched(
    emulator, tmp_path, monkeypatch
):
    use_emulator(monkeypatch, emulator, tmp_path)
    first = emulator.config.start
    days = [first + timedelta(days=n) for n in range(7)]
    assert sync_days(emulator, 7).exit_code == 0
    months = {day.replace(day=1).isoformat() for day in days}
    store = ParquetStore(tmp_path)
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster_home")) as instance:
        for table in (Asset.ATTENDANCE_MONTHLY, Asset.ATTENDANCE_MONTHLY_DEPARTMENT):
            assert instance.get_materialized_partitions(dg.AssetKey(table)) == months
            counts = {
                month: latest(instance, table, month).metadata["dagster/row_count"].value
                for month in months
            }
            assert counts == {month: store.read(table, month[:7]).num_rows for month in months}
            assert all(counts.values())
        runs = instance.get_runs(dg.RunsFilter(job_name=Job.ATTENDANCE_MONTHLY_MARTS))
        assert len(runs) == 1 and runs[0].status == dg.DagsterRunStatus.SUCCESS
