"""The sync command's concurrent backfill (API steps side by side in processes) writes exactly
the Parquet a sequential in-process run writes, and never trips the emulator's rate limit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dagster as dg
import httpx
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipelines.cli import _register_commands, app
from pipelines.definitions import CATALOGUE_ASSETS
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


@pytest.mark.integration
def test_concurrent_backfill_equals_sequential_without_rejections(tmp_path, monkeypatch):
    # The emulator's limits stay on (20 QPS per API): the concurrent run must respect them.
    with EmulatorServer(EmulatorConfig(employees=30, days=14)) as server:
        first = server.config.start
        last = first + timedelta(days=9)
        _sequential(server, tmp_path / "sequential", first, last)
        _concurrent(server, tmp_path / "concurrent", first, last, monkeypatch)
        stats = httpx.get(f"{server.control_url}/stats").json()
    sequential, concurrent = _tables(tmp_path / "sequential"), _tables(tmp_path / "concurrent")
    assert any("attendance_daily" in path for path in sequential)
    assert concurrent.keys() == sequential.keys()
    for path, rows in sequential.items():
        assert concurrent[path] == rows, path
    assert stats["rejected"].get("qps", 0) == 0


def test_backfill_job_runs_its_steps_in_bounded_processes():
    from pipelines.definitions import attendance_backfill_job
    from pipelines.jobs import BACKFILL_MAX_CONCURRENT

    executor = attendance_backfill_job().executor_def
    assert executor.name == "multiprocess"
    config = executor.config_schema.resolve_config({}).value["config"]
    assert config["max_concurrent"] == BACKFILL_MAX_CONCURRENT
