"""Test driver for the event pipeline: emulator, listener process, sensor ticks and real runs.

Runs go through Dagster's own execution (`execute_in_process` on the jobs of
`pipelines.definitions.defs`, on a real ephemeral instance), with the resources bound to the
environment exactly as under the daemon; the sensor is evaluated tick by tick with
`build_sensor_context`, carrying its cursor like the daemon does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import dagster as dg
import httpx

from pipelines.definitions import defs
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.emulator.stream import GatewayConfig
from pipelines.resources import resources_for_data_dir
from pipelines.stream.inbox import Inbox
from pipelines.stream.models import SHANGHAI
from pipelines.warehouse import ParquetStore
from sensors.attendance_events import attendance_events_sensor
from sensors.monthly_marts import monthly_marts_sensor
from tests.stream.harness import ListenerProcess, wait_for

FAST_GATEWAY = GatewayConfig(redelivery_delay=0.5, max_attempts=2, ping_interval=2)


@contextmanager
def emulator(clock: datetime, gateway: GatewayConfig = FAST_GATEWAY) -> Iterator[EmulatorServer]:
    """The default 30-person org with its clock frozen at `clock` (Asia/Shanghai)."""
    config = EmulatorConfig(clock_start=clock.replace(tzinfo=SHANGHAI), stream=gateway)
    with EmulatorServer(config) as server:
        yield server


@dataclass
class EventPipeline:
    """Drives ticks and runs against one emulator and one data directory."""

    server: EmulatorServer
    data_dir: Path
    instance: dg.DagsterInstance
    cursor: str | None = None
    emitted: int = 0  # events the emulator's clock made due, over the whole test
    launched: list[dg.RunRequest] = field(default_factory=list)

    @classmethod
    def bind(cls, server: EmulatorServer, data_dir: Path, monkeypatch, instance) -> EventPipeline:
        """Point the Dagster resources (EnvVars) at the emulator and the data directory."""
        for name, value in {
            "DINGTALK_CLIENT_ID": server.client_id,
            "DINGTALK_CLIENT_SECRET": server.client_secret,
            "DINGTALK_API_BASE_URL": server.api_base_url,
            "DINGTALK_OAPI_BASE_URL": server.oapi_base_url,
            "DINGTALK_QPS_PER_API": "20",
            "ATTENDANCE_DATA_DIR": str(data_dir),
            "ATTENDANCE_COALESCE_SECONDS": "0",
        }.items():
            monkeypatch.setenv(name, value)
        data_dir.mkdir(parents=True, exist_ok=True)
        return cls(server, data_dir, instance)

    # -- emulator --------------------------------------------------------------------------
    def control(self, path: str, body: dict | None = None) -> dict:
        url = f"{self.server.control_url}/{path}"
        answer = httpx.post(url, json=body) if body is not None else httpx.get(url)
        answer.raise_for_status()
        return answer.json()

    def advance_to(self, moment: str) -> int:
        """Move the emulator clock (local time); returns how many events became due."""
        emitted = self.control("clock", {"to": moment})["emitted"]
        self.emitted += emitted
        return emitted

    def truth(self, day: str) -> list[dict]:
        return self.control(f"truth?from={day}&to={day}")["employee_days"]

    def truth_points(self, day: str, userid: str) -> set[tuple]:
        """(check_type, time_result, source_type, user_check_time) the emulator shows now."""
        [employee_day] = [d for d in self.truth(day) if d["userid"] == userid]
        return {
            (p["check_type"], p["time_result"], p["source_type"], p["user_check_time"])
            for p in employee_day["check_points"]
            if p["time_result"] is not None
        }

    def warehouse_points(self, day: str, userid: str) -> set[tuple]:
        """The same tuples as `truth_points`, from the warehouse's `attendance_results`."""
        return {
            (
                row["check_type"],
                row["time_result"],
                row["source_type"],
                row["user_check_time"].strftime("%Y-%m-%d %H:%M:%S"),
            )
            for row in results_of(self.data_dir, day, userid)
        }

    def metered_calls(self) -> dict[str, int]:
        return self.control("stats")["metered_calls"]

    # -- listener --------------------------------------------------------------------------
    def start_listener(self, log_name: str = "listener.log", **tuning) -> ListenerProcess:
        listener = ListenerProcess(
            self.server.api_base_url,
            self.data_dir,
            self.data_dir / log_name,
            credentials=(self.server.client_id, self.server.client_secret),
            **tuning,
        )
        try:
            with Inbox.in_data_dir(self.data_dir) as inbox:
                wait_for(lambda: inbox.stats().open_connections, timeout=60)
        except BaseException:
            listener.kill()  # never leave a listener behind a failed test
            raise
        return listener

    def wait_for_events(self, timeout: float = 30) -> None:
        """Until the inbox holds every event the emulator emitted so far (they are distinct)."""
        with Inbox.in_data_dir(self.data_dir) as inbox:
            wait_for(lambda: inbox.stats().received >= self.emitted, timeout=timeout)

    # -- Dagster ---------------------------------------------------------------------------
    def load_catalogue(self) -> None:
        """The unpartitioned assets every daily run reads (roster, report columns)."""
        keys = [dg.AssetKey("employees"), dg.AssetKey("report_columns")]
        job = defs.resolve_implicit_global_asset_job_def()
        assert job.execute_in_process(asset_selection=keys, instance=self.instance).success

    def tick(self) -> dg.SensorResult:
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            definitions=defs,
            resources=resources_for_data_dir(self.data_dir),
        )
        result = attendance_events_sensor.evaluate_tick(context)
        self.cursor = result.cursor
        return result

    def execute(self, run: dg.RunRequest) -> dg.ExecuteInProcessResult:
        job = defs.resolve_job_def(run.job_name)
        result = job.execute_in_process(
            run_config=run.run_config,
            instance=self.instance,
            partition_key=run.partition_key,
            asset_selection=run.asset_selection,
            tags={**run.tags, **({"dagster/run_key": run.run_key} if run.run_key else {})},
        )
        assert result.success, f"run {run.run_key} of {run.job_name} failed"
        self.launched.append(run)
        for reaction in self.reactions_to(result):
            self.execute(reaction)
        return result

    def reactions_to(self, result: dg.ExecuteInProcessResult) -> list[dg.RunRequest]:
        """What the monthly marts' run-status sensor requests after this run, as the daemon
        would evaluate it once the run succeeded."""
        run = self.instance.get_run_by_id(result.run_id)
        assert run is not None
        context = dg.build_run_status_sensor_context(
            sensor_name=monthly_marts_sensor.name,
            dagster_event=result.get_run_success_event(),
            dagster_instance=self.instance,
            dagster_run=run,
        )
        answer = monthly_marts_sensor(context)
        return [answer] if isinstance(answer, dg.RunRequest) else []

    def settle(self, max_ticks: int = 10) -> list[dg.RunRequest]:
        """Tick and execute until a tick launches nothing and nothing waits for its window."""
        launched = []
        for _ in range(max_ticks):
            result = self.tick()
            for run in result.run_requests:
                self.execute(run)
            launched += result.run_requests
            if not result.run_requests and "waiting" not in (result.skip_message or ""):
                return launched
        raise AssertionError(f"still launching runs after {max_ticks} ticks")


def results_of(data_dir: Path, day: str, userid: str) -> list[dict]:
    """`attendance_results` rows of one user-day as the warehouse holds them."""
    table = ParquetStore(data_dir).read("attendance_results", day)
    return [row for row in table.to_pylist() if row["userid"] == userid]
