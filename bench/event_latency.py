"""Punch-to-warehouse latency of the event path, and what the refresh schedules cost.

Latency: the emulator replays a morning (its clock advanced a few minutes at a time, each punch
becoming visible to the API and pushed over Stream at that moment) to a real listener process;
the events sensor is evaluated every `--tick` seconds with the daemon's semantics and its runs
executed in process. For each punch, the time from its push to the first moment its row is in
`attendance_results` is recorded; p50 / p95 / max are printed next to the coalescing window.

Costs (`--costs`): the metered calls of each kind of run the sensor and the schedules launch
(settlement D-1..D-2, sweep D-3..D-7, weekly report settlement, a punch run for 10 users, an
approval run for 1 user), per employee count, read from the emulator's stats. `--windows`:
how many event-driven runs one replayed work day causes per coalescing window, computed with
the real mapping and Coalescer over the emulator's event timeline (event time as the clock).

Usage: .venv/bin/python bench/event_latency.py [--window 10] [--tick 1] [--costs 30,100,200]
       [--windows 60,300,900,1800]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import httpx

from pipelines.emulator.org import OrgSpec, build_org
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.emulator.stream import GatewayConfig
from pipelines.jobs import refresh_run_config
from pipelines.refresh.actions import RefreshDay
from pipelines.refresh.coalesce import Coalescer
from pipelines.refresh.mapping import actions_for_event
from pipelines.refresh.scopes import assets_for
from pipelines.stream.inbox import Inbox
from pipelines.stream.models import SHANGHAI
from pipelines.warehouse import ParquetStore
from sensors.schedules import range_run, settlement_days, sweep_days

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
DAY = date(2026, 11, 5)


def _bind(server: EmulatorServer, data_dir: Path, window: float) -> None:
    os.environ.update(
        DINGTALK_CLIENT_ID=server.client_id,
        DINGTALK_CLIENT_SECRET=server.client_secret,
        DINGTALK_API_BASE_URL=server.api_base_url,
        DINGTALK_OAPI_BASE_URL=server.oapi_base_url,
        DINGTALK_QPS_PER_API="20",
        ATTENDANCE_DATA_DIR=str(data_dir),
        ATTENDANCE_COALESCE_SECONDS=str(window),
    )


def _listener(server: EmulatorServer, data_dir: Path) -> subprocess.Popen:
    env = dict(os.environ, LISTENER_HEARTBEAT_S="0.5", LISTENER_BACKOFF_INITIAL_S="0.2")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "listen"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with Inbox.in_data_dir(data_dir) as inbox:
        deadline = time.monotonic() + 60
        while not inbox.stats().open_connections:
            if time.monotonic() > deadline:
                process.kill()
                process.wait(10)
                raise SystemExit("the listener did not connect within 60 s")
            time.sleep(0.1)
    return process


class Driver:
    """The events sensor with the daemon's semantics: a tick every `tick` s, runs in process."""

    def __init__(self, data_dir: Path):
        from pipelines.definitions import defs  # after the environment is bound

        self.defs, self.data_dir = defs, data_dir
        self.instance = dg.DagsterInstance.ephemeral()
        self.cursor: str | None = None
        self.runs = 0

    def run(self, request: dg.RunRequest) -> None:
        job = self.defs.resolve_job_def(request.job_name)
        result = job.execute_in_process(
            run_config={**(request.run_config or {}), **QUIET},
            instance=self.instance,
            partition_key=request.partition_key,
            asset_selection=request.asset_selection,
            tags=dict(request.tags),
        )
        if not result.success:
            raise SystemExit(f"run of {request.job_name} failed")
        self.runs += 1

    def load_catalogue(self) -> None:
        """The roster and the report columns every daily run reads."""
        keys = [dg.AssetKey("employees"), dg.AssetKey("report_columns")]
        job = self.defs.resolve_implicit_global_asset_job_def()
        job.execute_in_process(asset_selection=keys, instance=self.instance, run_config=QUIET)

    def tick(self) -> int:
        from pipelines.resources import resources_for_data_dir

        sensor = self.defs.resolve_sensor_def("attendance_events_sensor")
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            definitions=self.defs,
            resources=resources_for_data_dir(self.data_dir),
        )
        data = sensor.evaluate_tick(context)
        self.cursor = data.cursor
        for request in data.run_requests:
            self.run(request)
        return len(data.run_requests)


def _punches(inbox: Inbox, after: int) -> tuple[int, list[tuple[str, datetime]]]:
    events = inbox.read_after(after, limit=10_000)
    found = [
        (row["userId"], datetime.fromtimestamp(row["checkTime"] // 1000, tz=SHANGHAI))
        for event in events
        if event.event_type == "attendance_check_record"
        for row in event.payload["dataList"]
    ]
    return (events[-1].seq if events else after), found


def _landed(store: ParquetStore, pending: dict) -> list[tuple[str, datetime]]:
    # A punch lands on its shift's work date: the day itself, or the day before (overnight).
    rows = [
        row
        for day in (DAY - timedelta(days=1), DAY)
        for row in store.read("attendance_results", day).to_pylist()
    ]
    present = {(r["userid"], r["user_check_time"]) for r in rows if r["user_check_time"]}
    return [key for key in pending if key in present]


def measure_latency(
    window: float, tick: float, step_minutes: int, steps: int, step_every: float
) -> None:
    gateway = GatewayConfig(redelivery_delay=2, ping_interval=5)
    clock = datetime(2026, 11, 5, 7, 40, tzinfo=SHANGHAI)
    with (
        tempfile.TemporaryDirectory() as folder,
        EmulatorServer(EmulatorConfig(clock_start=clock, stream=gateway)) as server,
    ):
        data_dir = Path(folder)
        _bind(server, data_dir, window)
        driver = Driver(data_dir)
        driver.load_catalogue()
        listener = _listener(server, data_dir)
        store, inbox = ParquetStore(data_dir), Inbox.in_data_dir(data_dir)
        pending: dict[tuple[str, datetime], float] = {}
        latencies: list[float] = []
        seq, step, next_step, started = 0, 0, time.monotonic(), time.monotonic()
        pushed = started
        try:
            while step < steps or pending:
                if step < steps and time.monotonic() >= next_step:
                    clock += timedelta(minutes=step_minutes)
                    moment = clock.strftime("%Y-%m-%dT%H:%M:%S")
                    # The advance pushes every punch that became due: that is their push time.
                    pushed = time.monotonic()
                    httpx.post(f"{server.control_url}/clock", json={"to": moment})
                    step, next_step = step + 1, next_step + step_every
                seq, found = _punches(inbox, seq)
                pending.update({key: pushed for key in found})
                driver.tick()
                now = time.monotonic()
                for key in _landed(store, pending):
                    latencies.append(now - pending.pop(key))
                if time.monotonic() - started > 600:
                    raise SystemExit(f"{len(pending)} punches never landed")
                time.sleep(max(0.0, tick - (time.monotonic() - now)))
        finally:
            listener.send_signal(signal.SIGTERM)
            listener.wait(30)
            inbox.close()
            driver.instance.dispose()
    _print_latency(latencies, window, tick, driver.runs)


def _print_latency(latencies: list[float], window: float, tick: float, runs: int) -> None:
    latencies.sort()
    p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)]
    print(f"punch -> attendance_results latency ({len(latencies)} punches, {runs} runs)")
    print(f"  coalescing window {window:.0f} s, sensor tick every {tick:.1f} s")
    print(f"  p50 {statistics.median(latencies):6.1f} s")
    print(f"  p95 {p95:6.1f} s")
    print(f"  max {latencies[-1]:6.1f} s   (target: window + 30 s = {window + 30:.0f} s)")


def measure_costs(employee_counts: list[int]) -> None:
    """Metered calls of each kind of run, per employee count, read from the emulator."""
    clock = datetime(2026, 11, 15, 7, 0, tzinfo=SHANGHAI)
    today = clock.date()
    ten = [f"user{n:04d}" for n in range(1, 11)]
    kinds = {
        "settlement D-1..D-2": lambda: range_run(
            *_span(settlement_days(today, [1, 2])), "s", today, "approvals"
        ),
        "sweep D-3..D-7": lambda: range_run(
            *_span(sweep_days(today, 7, [1, 2])), "w", today, "approvals"
        ),
        "report week D-7..D-1": lambda: range_run(
            today - timedelta(days=7), today - timedelta(days=1), "r", today, "full"
        ),
        "punch run, 10 users": lambda: _day_run(today - timedelta(days=1), ten, "checks"),
        "approval run, 1 user": lambda: _day_run(today - timedelta(days=1), ten[:1], "full"),
    }
    print("\nmetered calls per run (emulator; one fresh emulator and warehouse per employee count)")
    print(f"{'run':<24}" + "".join(f"{n:>8} emp" for n in employee_counts))
    figures: dict[str, list[int]] = {name: [] for name in kinds}
    for employees in employee_counts:
        config = EmulatorConfig(employees=employees, clock_start=clock)
        with tempfile.TemporaryDirectory() as folder, EmulatorServer(config) as server:
            _bind(server, Path(folder), 0)
            driver = Driver(Path(folder))
            driver.load_catalogue()
            for name, build in kinds.items():
                before = _metered(server)
                driver.run(build())
                figures[name].append(_metered(server) - before)
            driver.instance.dispose()
    for name, values in figures.items():
        print(f"{name:<24}" + "".join(f"{v:>12}" for v in values))


def _span(days: list[date]) -> tuple[date, date]:
    return min(days), max(days)


def _day_run(day: date, users: list[str], scope: str) -> dg.RunRequest:
    return dg.RunRequest(
        job_name="attendance_refresh_job",
        partition_key=day.isoformat(),
        run_config=refresh_run_config(users),
        asset_selection=[dg.AssetKey(name) for name in assets_for(scope)],
    )


def simulate_runs_per_day(windows: list[float], employees: int = 200) -> None:
    """Event-driven runs one replayed day causes, per coalescing window (real Coalescer)."""
    org = build_org(OrgSpec(employees=employees))
    start = datetime(2026, 11, 5, 0, 0, tzinfo=SHANGHAI)
    events = org.events_between(start, start + timedelta(days=1))
    print(
        f"\nevent-driven runs, one replayed work day, {employees} employees, {len(events)} events"
    )
    for window in windows:
        coalescer, runs = Coalescer(), 0
        for seq, event in enumerate(events, 1):
            now = event.at.timestamp()
            runs += len(coalescer.pop_due(now, window))
            for action in actions_for_event(event.event_type, event.data):
                if isinstance(action, RefreshDay):
                    coalescer.add(action, seq, now)
        tail = coalescer.pop_due(float("inf"), window)
        runs += len(tail)
        print(f"  window {window:>6.0f} s: {runs:>4} runs/day")


def _metered(server: EmulatorServer) -> int:
    return httpx.get(f"{server.control_url}/stats").json()["metered_calls_total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=float, default=10.0, help="coalescing window, seconds")
    parser.add_argument("--tick", type=float, default=1.0, help="sensor interval, seconds")
    parser.add_argument("--step-minutes", type=int, default=10, help="emulator minutes per step")
    parser.add_argument("--steps", type=int, default=12, help="clock steps (10 min each)")
    parser.add_argument("--step-every", type=float, default=5.0, help="real seconds per step")
    parser.add_argument("--costs", default="30,100,200", help="employee counts ('' to skip)")
    parser.add_argument("--windows", default="60,300,900,1800", help="windows to simulate")
    args = parser.parse_args()
    measure_latency(args.window, args.tick, args.step_minutes, args.steps, args.step_every)
    if args.costs:
        measure_costs([int(n) for n in args.costs.split(",")])
    if args.windows:
        simulate_runs_per_day([float(w) for w in args.windows.split(",")])


if __name__ == "__main__":
    from results_io import recorded  # bench/ is on sys.path when run as a script

    with recorded("event_latency"):
        main()
