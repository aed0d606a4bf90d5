"""`demo`: the whole system on an embedded emulator, from an empty data dir to analyst answers.

Steps: emulator (accelerated clock, held by the demo) -> Stream listener (a child process, the
official SDK over a real WebSocket) -> backfill of the history through the Dagster assets ->
a live simulated day, hour by hour, with the events sensor refreshing days as punches arrive and
a listener outage in the evening whose pushes DingTalk cannot deliver -> the reconciliation
schedule drains the failed-push list -> the settlement schedule re-pulls the settled days.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

from tqdm import tqdm

from pipelines.catalogue import Schedule
from pipelines.days import SHANGHAI
from pipelines.demo.driver import DagsterDriver
from pipelines.demo.environment import child_environment, emulator_variables
from pipelines.demo.instance import prepare_dagster_home
from pipelines.demo.live import DemoError, EmulatorControl, ListenerProcess
from pipelines.demo.processes import ProcessGroup
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.server import EmulatorServer
from pipelines.emulator.stream import GatewayConfig
from pipelines.settings import Settings
from pipelines.stream.inbox import Inbox

MARKER = ".dingtalk-attendance-demo"
# The listener is down from 17:00 to 19:00 simulated: the evening punches cannot be pushed.
OUTAGE_HOURS = (17, 19)
# When the schedules fire (sensors/schedules.py): the sweep at 03:00, settlement at 06:30.
SCHEDULE_TIMES = (
    (Schedule.NIGHTLY_SWEEP, timedelta(hours=3)),
    (Schedule.SETTLEMENT, timedelta(hours=6, minutes=30)),
)


@dataclass(frozen=True)
class DemoOptions:
    """The emulated organisation and where the demo's warehouse goes."""

    data_dir: Path
    settings: Settings
    employees: int = 50
    days: int = 14
    seed: int = 7
    outage: bool = True


@dataclass
class DemoOutcome:
    """What the report needs: the emulator's own counters and the runs Dagster executed."""

    data_dir: Path
    emulator_stats: dict[str, Any]
    runs_by_job: dict[str, int]
    events_in_live_day: int
    inbox_by_source: dict[str, int]
    # Wall-clock seconds per step (backfill, live_day, finish_window) and in all.
    timings: dict[str, float] = field(default_factory=dict)


def prepare_data_dir(path: Path) -> Path:
    """An empty demo directory; refuses to wipe a directory the demo did not create."""
    path = path.resolve()
    if path.exists() and any(path.iterdir()):
        if not (path / MARKER).exists():
            raise DemoError(f"{path} is not empty and is not a demo directory; choose --data-dir")
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text("created by `dingtalk-attendance demo`; safe to delete\n")
    return path


@contextmanager
def patched_environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block (Dagster's EnvVar reads them at run launch)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_demo(options: DemoOptions, say: Callable[[str], None]) -> DemoOutcome:
    """Run every step of the demo; returns what the report shows."""
    data_dir = prepare_data_dir(options.data_dir)
    home = prepare_dagster_home(data_dir)
    config = EmulatorConfig(
        seed=options.seed,
        employees=options.employees,
        days=options.days,
        stream=GatewayConfig(seed=options.seed, redelivery_delay=0.5, max_attempts=2),
    )
    # The live day is the window's last weekday (a Sunday has almost no punches to stream).
    config.clock_start = midnight_of(live_day_of(config))
    say(f"demo: {options.employees} employees x {options.days} days, data in {data_dir}")
    with EmulatorServer(config) as server, ProcessGroup() as group:
        # Each tick of the demo covers a simulated hour, so no extra coalescing wait is needed.
        env = child_environment(
            options.settings,
            data_dir,
            home,
            **emulator_variables(server),
            ATTENDANCE_COALESCE_SECONDS="0",
        )
        with patched_environment(env):
            return _run_steps(options, server, group, env, data_dir, say)


def _run_steps(options, server, group, env, data_dir, say) -> DemoOutcome:
    import dagster as dg

    from pipelines.definitions import ATTENDANCE_ASSETS, defs

    started = monotonic()
    timings: dict[str, float] = {}
    control = EmulatorControl(server.control_url)
    listener = ListenerProcess(group, env, data_dir / "listener.log")
    say(f"demo: emulator on {server.api_base_url}; starting the Stream listener")
    listener.start(control)
    with dg.DagsterInstance.get() as instance:
        # Sensor ticks log through the `dagster` logger at INFO; the progress bars say it better.
        logging.getLogger("dagster").setLevel(logging.WARNING)
        driver = DagsterDriver(defs, instance)
        first, today = server.config.start, live_day_of(server.config)
        mark = monotonic()
        if today > first:
            keys = [a.key.to_user_string() for a in ATTENDANCE_ASSETS]
            backfill(driver, keys, first, today - timedelta(days=1))
        timings["backfill"], mark = monotonic() - mark, monotonic()
        events = live_day(driver, control, listener, options.outage)
        timings["live_day"], mark = monotonic() - mark, monotonic()
        window_end = first + timedelta(days=options.days - 1)
        finish_window(driver, control, window_end, say)
        timings["finish_window"] = monotonic() - mark
    timings["total"] = monotonic() - started
    outcome = DemoOutcome(
        data_dir,
        control.stats(),
        dict(driver.runs_by_job),
        events,
        inbox_sources(data_dir),
        timings,
    )
    control.close()
    return outcome


def inbox_sources(data_dir: Path) -> dict[str, int]:
    """Events in the inbox by source: `stream` (live) and `failed_push` (reconciled)."""
    counts: Counter = Counter()
    with Inbox.in_data_dir(data_dir) as inbox:
        seq = 0
        while batch := inbox.read_after(seq, limit=1000):
            counts.update(event.source for event in batch)
            seq = batch[-1].seq
    return dict(counts)


def backfill(driver: DagsterDriver, asset_keys: list[str], first, last) -> None:
    """The history before the live day, one range run per asset (a bar step per asset): days
    for the daily assets, then the months they fall in for the monthly marts."""
    import dagster as dg

    # Imported here like the definitions: the partitions are built from the demo's environment.
    from pipelines.partitions import month_key

    bar = tqdm(asset_keys, desc=f"backfill {first}..{last}", unit="asset", file=sys.stderr)
    for key in bar:
        bar.set_postfix_str(key)
        partitions = driver.defs.resolve_assets_def(key).partitions_def
        if isinstance(partitions, dg.MonthlyPartitionsDefinition):
            driver.materialize(key, month_key(first), month_key(last))
        elif partitions is not None:
            driver.materialize(key, first.isoformat(), last.isoformat())
        else:
            driver.materialize(key, None, None)


def live_day(
    driver: DagsterDriver, control: EmulatorControl, listener: ListenerProcess, outage: bool
) -> int:
    """Advance the simulated day hour by hour; the sensor refreshes what the events announce."""
    events = runs = 0
    start, end = OUTAGE_HOURS if outage else (None, None)
    bar = tqdm(range(24), desc=f"live day {control.now().date()}", unit="h", file=sys.stderr)
    for hour in bar:
        if hour == start:
            listener.stop(control)
        if hour == end:
            listener.start(control)
            runs += driver.tick_schedule(Schedule.FAILED_PUSH_RECONCILIATION, control.now())
        events += control.advance(3600)
        control.wait_until_delivered()
        runs += driver.tick_sensor()
        offline = start is not None and end is not None and start <= hour < end
        bar.set_postfix(events=events, runs=runs, listener="down" if offline else "up")
    runs += drain(driver)
    return events


def drain(driver: DagsterDriver, max_ticks: int = 5) -> int:
    """Tick the sensor until it has nothing left to run (approvals resolve in a second tick)."""
    total = 0
    for _ in range(max_ticks):
        launched = driver.tick_sensor()
        total += launched
        if not launched:
            break
    return total


def finish_window(
    driver: DagsterDriver, control: EmulatorControl, window_end: date, say: Callable[[str], None]
) -> None:
    """Run the clock to the morning after the window: nightly sweep, then settlement."""
    next_day = window_end + timedelta(days=1)
    for name, offset in SCHEDULE_TIMES:
        target = midnight_of(next_day) + offset
        now = control.now()
        if target > now:
            control.advance((target - now).total_seconds())
            control.wait_until_delivered()
        drain(driver)
        runs = driver.tick_schedule(name, control.now())
        say(f"demo: {name} at {control.now():%Y-%m-%d %H:%M} launched {runs} run(s)")


def live_day_of(config: EmulatorConfig) -> date:
    """The last weekday of the emulated window (the window's last day if it has none)."""
    last = config.start + timedelta(days=config.days - 1)
    for back in range(min(config.days, 7)):
        day = last - timedelta(days=back)
        if day.weekday() < 5:
            return day
    return last


def midnight_of(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)
