"""The sync command's concurrent backfill (API steps side by side in processes, approvals pulled
ahead by the results and report-values steps) writes exactly the Parquet a sequential in-process
run writes, with the same calls per API, and never trips the emulator's rate limit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dagster as dg
import httpx
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipelines.catalogue import Asset
from pipelines.cli import _register_commands, app
from pipelines.definitions import CATALOGUE_ASSETS
from pipelines.demo.instance import open_instance
from pipelines.dingtalk import endpoints
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from tests.dagster.conftest import materialize_range, resources_for

_register_commands()
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# When the pull ran: the one column two identical backfills may disagree on.
VOLATILE = {"pulled_at"}


def _sequential(server: EmulatorServer, data_dir: Path, first, last) -> None:
    resources = resources_for(server, data_dir)
    assert dg.materialize(CATALOGUE_ASSETS, resources=resources, run_config=QUIET).success
    assert materialize_range(resources, first, last, run_config=QUIET).success


def _concurrent(server: EmulatorServer, data_dir: Path, first, last, monkeypatch) -> None:
    monkeypatch.setenv("DINGTALK_CLIENT_ID", server.client_id)
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", server.client_secret)
    monkeypatch.setenv("DINGTALK_API_BASE_URL", server.api_base_url)
    monkeypatch.setenv("DINGTALK_OAPI_BASE_URL", server.oapi_base_url)
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(data_dir))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    result = CliRunner().invoke(app, ["sync", "--start", str(first), "--end", str(last)])
    assert result.exit_code == 0, result.output


def _tables(data_dir: Path) -> dict[str, list[tuple]]:
    """Every Parquet file's rows (volatile columns dropped), sorted, by relative path."""
    found = {}
    for path in sorted((data_dir / "parquet").rglob("*.parquet")):
        table = pq.read_table(path)
        kept = table.select([name for name in table.column_names if name not in VOLATILE])
        rows = [tuple(str(value) for value in row.values()) for row in kept.to_pylist()]
        found[str(path.relative_to(data_dir))] = sorted(rows)
    return found


def _calls(server: EmulatorServer) -> dict[str, int]:
    return httpx.get(f"{server.control_url}/stats").json()["metered_calls"]


def _approvals_step_calls(data_dir: Path) -> dict[str, int]:
    """The metered calls the concurrent run's approvals step made itself."""
    instance = open_instance(data_dir)
    event = instance.get_latest_materialization_event(dg.AssetKey(Asset.ATTENDANCE_APPROVALS))
    assert event is not None and event.asset_materialization is not None
    return event.asset_materialization.metadata["metered_calls_by_endpoint"].value  # type: ignore[return-value]


@pytest.mark.integration
def test_concurrent_backfill_equals_sequential_without_rejections(tmp_path, monkeypatch):
    # The emulator's limits stay on (20 QPS per API): the concurrent run must respect them.
    with EmulatorServer(EmulatorConfig(employees=30, days=14)) as server:
        first = server.config.start
        last = first + timedelta(days=9)
        before = _calls(server)
        _sequential(server, tmp_path / "sequential", first, last)
        between = _calls(server)
        _concurrent(server, tmp_path / "concurrent", first, last, monkeypatch)
        after = _calls(server)
        stats = httpx.get(f"{server.control_url}/stats").json()
    sequential, concurrent = _tables(tmp_path / "sequential"), _tables(tmp_path / "concurrent")
    assert any("attendance_daily" in path for path in sequential)
    assert concurrent.keys() == sequential.keys()
    for path, rows in sequential.items():
        assert concurrent[path] == rows, path
    assert stats["rejected"].get("qps", 0) == 0
    # The same calls per API (each approval-day asked once, whichever step saw it first)...
    update_data = endpoints.UPDATE_DATA.path
    sequential_calls = {api: between.get(api, 0) - before.get(api, 0) for api in after}
    concurrent_calls = {api: after[api] - between.get(api, 0) for api in after}
    assert sum(n for api, n in sequential_calls.items() if api.endswith(update_data)) > 0
    assert concurrent_calls == sequential_calls
    # ...and the approvals step found them all pulled ahead by the results and report steps.
    assert _approvals_step_calls(tmp_path / "concurrent").get(update_data, 0) == 0


def test_backfill_job_runs_its_steps_in_bounded_processes():
    from pipelines.definitions import attendance_backfill_job
    from pipelines.jobs import BACKFILL_MAX_CONCURRENT

    executor = attendance_backfill_job().executor_def
    assert executor.name == "multiprocess_or_celery"  # Celery only with a broker set
    config = executor.config_schema.resolve_config({}).value["config"]
    assert config["max_concurrent"] == BACKFILL_MAX_CONCURRENT


@pytest.mark.integration
def test_a_second_sync_in_one_process_forks_its_steps_with_its_own_settings(tmp_path, monkeypatch):
    # The backfill steps fork from a forkserver that keeps the environment it started with: the
    # first emulator is gone when the second sync runs, so stale settings would fail its steps.
    for name in ("first", "second"):
        with EmulatorServer(EmulatorConfig(employees=5, days=4)) as server:
            first = server.config.start
            _concurrent(server, tmp_path / name, first, first + timedelta(days=1), monkeypatch)
            assert (tmp_path / name / "parquet" / Asset.ATTENDANCE_RESULTS).is_dir()
