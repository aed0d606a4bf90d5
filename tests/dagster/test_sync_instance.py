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


WEEK = 7
PULLED = (
    Asset.ATTENDANCE_RESULTS,
    Asset.ATTENDANCE_PUNCHES,
    Asset.ATTENDANCE_REPORT_VALUES,
    Asset.ATTENDANCE_APPROVALS,
)


@pytest.fixture(scope="module")
def synced(emulator, tmp_path_factory):
    """A week synced through the CLI once: (data dir, its days, metered calls the emulator saw)."""
    data_dir = tmp_path_factory.mktemp("synced")
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_emulator(monkeypatch, emulator, data_dir)
        before = metered_calls(emulator)
        result = sync_days(emulator, WEEK)
        assert result.exit_code == 0, result.output
        spent = metered_calls(emulator) - before
    days = [emulator.config.start + timedelta(days=n) for n in range(WEEK)]
    return data_dir, days, spent


def _instance(data_dir) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(data_dir / "dagster_home"))


@pytest.mark.integration
def test_a_synced_week_is_materialized_in_the_data_dirs_instance(synced):
    data_dir, days, _ = synced
    store = ParquetStore(data_dir)
    with _instance(data_dir) as instance:
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
def test_a_synced_week_materializes_the_monthly_partitions_it_touched(synced):
    data_dir, days, _ = synced
    months = {day.replace(day=1).isoformat() for day in days}
    store = ParquetStore(data_dir)
    with _instance(data_dir) as instance:
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


@pytest.mark.integration
def test_each_day_of_a_range_run_records_its_share_of_the_metered_calls(synced):
    data_dir, days, spent = synced
    catalogue_calls = 0
    attributed = 0.0
    with _instance(data_dir) as instance:
        for table in (Asset.EMPLOYEES, Asset.REPORT_COLUMNS):
            records = instance.fetch_materializations(dg.AssetKey(table), limit=1).records
            catalogue_calls += records[0].asset_materialization.metadata["metered_calls"].value
        for table in PULLED:
            events = {day: latest(instance, table, day.isoformat()).metadata for day in days}
            shares = {day: meta["metered_calls"].value for day, meta in events.items()}
            in_run = events[days[0]]["metered_calls_in_run"].value
            # The days' shares are the run's calls, not the run's total copied onto each day.
            assert sum(shares.values()) == pytest.approx(in_run, abs=0.01), table
            if table == Asset.ATTENDANCE_RESULTS:
                assert in_run > 0 and all(share > 0 for share in shares.values())
                assert all(share < in_run for share in shares.values())
            attributed += sum(shares.values())
    assert catalogue_calls + attributed == pytest.approx(spent, abs=0.05)
