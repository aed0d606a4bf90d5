"""`serve --emulator` brings up the listener, the Dagster webserver on 127.0.0.1 and the daemon;
a punch the emulator emits reaches the warehouse through the daemon's sensor and run; SIGINT
stops every process serve started and serve exits 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import httpx
import pyarrow.parquet as pq
import pytest

from pipelines.demo.serve import wait_for_url
from tests.demo.helpers import processes_using

LIVE_DAY = "2026-11-06"  # the last day of a 5-day emulated window starting 2026-11-02


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _announcement(out: Path, serve: subprocess.Popen, timeout: float = 60) -> dict:
    """The JSON line serve prints first (URLs of the webserver and the emulator's control)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and serve.poll() is None:
        first = out.read_text().partition("\n")
        if first[1]:
            return json.loads(first[0].removeprefix("serve: "))
        time.sleep(0.2)
    raise AssertionError(f"serve announced nothing (exit code {serve.poll()})")


def _wait_for_sensor_run(home: Path, timeout: float) -> list[dg.DagsterRun]:
    """The sensor's refresh runs of the live day (launched by the daemon), once one finished."""
    deadline = time.monotonic() + timeout
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while True:
            runs = [
                record.dagster_run
                for record in instance.get_run_records()
                if record.dagster_run.tags.get("dagster/sensor_name") == "attendance_events_sensor"
                and record.dagster_run.tags.get("dagster/partition") == LIVE_DAY
            ]
            if any(run.is_finished for run in runs) or time.monotonic() > deadline:
                return runs
            time.sleep(1)


def _rows(path: Path) -> int:
    return pq.read_table(path).num_rows if path.exists() else 0


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_serve_emulator_end_to_end_and_sigint_stops_everything(tmp_path: Path):
    real_dir = (tmp_path / "data").resolve()
    data_dir = real_dir / "emulator"  # serve --emulator never writes into the real data dir
    port = _free_port()
    env = {**os.environ, "ATTENDANCE_DATA_DIR": str(real_dir), "ATTENDANCE_COALESCE_SECONDS": "0"}
    options = [
        "--emulator",
        "--port",
        str(port),
        "--employees",
        "10",
        "--days",
        "5",
        "--speed",
        "0",
    ]
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        serve = subprocess.Popen(
            [sys.executable, "-m", "pipelines", "serve", *options],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        announced = _announcement(out, serve)
        assert announced["webserver_url"] == f"http://127.0.0.1:{port}"
        assert announced["data_dir"] == str(data_dir)
        assert wait_for_url(announced["webserver_url"], timeout=120), err.read_text()[-3000:]

        clock = f"{announced['emulator_control_url']}/clock"
        moved = httpx.post(clock, json={"to": f"{LIVE_DAY}T10:00:00"}, timeout=10).json()
        assert moved["emitted"] > 0  # the morning's punches were pushed to the listener
        runs = _wait_for_sensor_run(data_dir / "dagster_home", timeout=150)
        assert any(run.is_success for run in runs), (
            [r.status for r in runs],
            err.read_text()[-3000:],
        )
        punches = data_dir / "parquet" / "attendance_punches" / f"work_date={LIVE_DAY}"
        assert _rows(punches / "part-0.parquet") > 0
        assert processes_using(data_dir) != []
        assert sorted(p.name for p in real_dir.iterdir()) == ["emulator"]
    finally:
        serve.send_signal(signal.SIGINT)
        code = serve.wait(timeout=60)
    assert code == 0
    assert processes_using(data_dir) == []
