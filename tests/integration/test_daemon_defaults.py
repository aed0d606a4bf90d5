"""A real `dagster-daemon run -w workspace.yaml`, given only the credentials and the URLs, brings a
punch from the emulator's Stream into `attendance_results`: every other setting (data dir, QPS,
quota) takes its README default inside Dagster as it does in the listener.

The coalescing window is the one more variable set: at its default of 900 s the sensor would
hold the punch for a quarter of an hour before launching its run.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from pipelines.catalogue import Job, Sensor
from pipelines.demo.instance import initialize_instance, prepare_dagster_home
from pipelines.demo.processes import ProcessGroup
from pipelines.emulator.server import EmulatorServer
from pipelines.stream.inbox import Inbox
from tests.sensors.pipeline import EventPipeline, emulator
from tests.stream.harness import wait_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DAY = "2026-11-05"
# Everything the project reads, cleared so that nothing but what the test sets reaches a child.
PROJECT_PREFIXES = ("DINGTALK_", "ATTENDANCE_", "LISTENER_", "DAGSTER_")


def _only_credentials_and_urls(server: EmulatorServer, home: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT_PREFIXES)}
    return {
        **inherited,
        "DINGTALK_CLIENT_ID": server.client_id,
        "DINGTALK_CLIENT_SECRET": server.client_secret,
        "DINGTALK_API_BASE_URL": server.api_base_url,
        "DINGTALK_OAPI_BASE_URL": server.oapi_base_url,
        "ATTENDANCE_COALESCE_SECONDS": "0",
        "DAGSTER_HOME": str(home),
    }


def _spawn(group: ProcessGroup, name: str, argv: list[str], env: dict, cwd: Path) -> None:
    log = (cwd / f"{name}.log").open("w")
    group.spawn(name, argv, env, cwd=cwd, stdout=log, stderr=log)
    log.close()  # the child holds its own descriptor


def _sensor_runs(home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [
            record.dagster_run
            for record in instance.get_run_records()
            if record.dagster_run.tags.get("dagster/sensor_name") == Sensor.ATTENDANCE_EVENTS
            and record.dagster_run.job_name == Job.ATTENDANCE_REFRESH
        ]


def _logs(cwd: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in cwd.glob("*.log"))


@pytest.mark.timeout(300)
def test_daemon_with_only_credentials_and_urls_refreshes_a_punch(tmp_path: Path):
    # The daemon and the listener run in `tmp_path` with ATTENDANCE_DATA_DIR unset: both use
    # the default `data`, relative to their working directory.
    data_dir = tmp_path / "data"
    home = prepare_dagster_home(data_dir)
    initialize_instance(home)
    shutil.copy(REPO / "workspace.yaml", tmp_path / "workspace.yaml")
    with emulator(datetime(2026, 11, 5, 8, 0)) as server, ProcessGroup() as group:
        env = _only_credentials_and_urls(server, home)
        _spawn(group, "listener", [sys.executable, "-m", "pipelines", "listen"], env, tmp_path)
        daemon = [sys.executable, "-m", "dagster._daemon", "run", "-w", "workspace.yaml"]
        _spawn(group, "daemon", daemon, env, tmp_path)
        with Inbox.in_data_dir(data_dir) as inbox:
            wait_for(lambda: inbox.stats().open_connections, timeout=60)
        with dg.DagsterInstance.ephemeral() as unused:  # the daemon's instance is `home`
            pipeline = EventPipeline(server, data_dir, unused)
        assert pipeline.advance_to(f"{DAY}T09:30:00") > 0
        with Inbox.in_data_dir(data_dir) as inbox:
            wait_for(lambda: inbox.stats().received >= pipeline.emitted, timeout=60)
            punchers = {
                row["userId"]
                for event in inbox.read_after(0)
                if event.event_type == "attendance_check_record"
                for row in event.payload["dataList"]
            }
        expected = {userid: pipeline.truth_points(DAY, userid) for userid in punchers}
        assert punchers and all(expected.values())

        def refreshed() -> bool:
            runs = _sensor_runs(home)
            if not runs or not all(run.is_finished for run in runs):
                return False
            return all(pipeline.warehouse_points(DAY, u) == expected[u] for u in punchers)

        deadline = time.monotonic() + 200
        while not refreshed():
            assert time.monotonic() < deadline and not group.exited(), _logs(tmp_path)
            time.sleep(1)
        runs = _sensor_runs(home)
        assert {run.status for run in runs} == {dg.DagsterRunStatus.SUCCESS}, _logs(tmp_path)
        assert {run.tags["dagster/partition"] for run in runs} == {DAY}
