"""The month bench on the real path: the emulator server, the listener process, the sensors,
the schedules and their runs in a Dagster instance, all under the emulator's clock.

What runs: `EmulatorServer` on loopback with its clock moved by this script (every minute of
work hours on work days, every 10 minutes otherwise, and every schedule's cron moment), its
Stream gateway pushing only the event types the profile subscribes (`plan`'s list: the
console setting, which the emulator does not model, applied to its gateway here), the real
listener process (`dingtalk-attendance listen`) writing the inbox and the push ledger, the
events sensor and the `polling_sensor` (built with the emulator's clock) ticked, the refresh
schedules evaluated at their cron times, and every run they request executed in process in an
ephemeral Dagster instance. Before the month: the roster, the report columns and the four
weeks' punches the governor learns from (their calls are last month's: the ledger is reset).

What is measured, from the pipeline's own stores: metered calls by API and purpose (the call
ledger read before and after each run; purpose = the run's `attendance/trigger` tag), pushes by
event type (the push ledger), staleness of each work-hour punch (the emulator time of the run
that first wrote it to `attendance_punches` minus its punch time) and, after the settlement
days and (for a whole month) the month close, the warehouse's check points and monthly mart
against the emulator's truth.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from time import perf_counter
from typing import Any, cast
from unittest.mock import patch

import dagster as dg
import httpx
from dagster._utils.schedules import cron_string_iterator  # pyright: ignore[reportPrivateImportUsage]

from pipelines import days as pipeline_days
from pipelines.catalogue import Asset, Job, Sensor, Tag
from pipelines.days import SHANGHAI, days_between
from pipelines.definitions import defs
from pipelines.demo.driver import QUIET_LOGGERS, DagsterDriver
from pipelines.demo.environment import emulator_variables
from pipelines.demo.live import EmulatorControl, ListenerProcess
from pipelines.demo.processes import ProcessGroup
from pipelines.demo.runner import patched_environment
from pipelines.dingtalk.ledger import LEDGER_FILENAME, QuotaLedger
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.server import EmulatorServer
from pipelines.emulator.stream import GatewayConfig
from pipelines.quota import governor, polling
from pipelines.quota.editions import edition as edition_named
from pipelines.quota.plan import make_plan
from pipelines.quota.profile import write_profile
from pipelines.state.push_ledger import SqlitePushLedger
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.figures import REPORT_ALIASES
from pipelines.warehouse.views import scratch_connection
from sensors.polling import build_polling_sensor

START = date(2026, 11, 1)
MONTH_DAYS = 30
HISTORY_DAYS = 28  # the weeks before the month whose punches the governor learns from
SETTLE_DAYS = 2  # settlement re-pulls D-1 and D-2: the days after the last simulated one
WORK_STEP = timedelta(minutes=1)  # the polling sensor's tick interval
IDLE_STEP = timedelta(minutes=10)  # outside work hours nothing but events and schedules move
COMPARED = ("time_result", "source_type", "user_check_time", "record_id", "proc_inst_id")
FAST_GATEWAY = GatewayConfig(redelivery_delay=0.5, max_attempts=2, ping_interval=2)
OUTSIDE_RUNS = "outside runs"


def subscribed(subscriptions: Sequence[str], event_type: str, data: Mapping[str, Any]) -> bool:
    """Whether the console subscriptions `plan` lists (e.g. "bpms_instance_change (narrowed to
    bizCategoryId attendance.supply)") deliver this event."""
    for entry in subscriptions:
        name, _, narrowing = entry.partition(" ")
        if name != event_type:
            continue
        if "bizCategoryId" in narrowing:
            return narrowing.split()[-1].rstrip(")") == data.get("bizCategoryId")
        return True
    return False


def _filter_pushes(server: EmulatorServer, subscriptions: Sequence[str]) -> None:
    """Let the gateway push only subscribed events (the emulator still counts every event)."""
    gateway = server.gateway
    assert gateway is not None
    push = gateway.publish

    def publish(
        event_type: str, data: dict[str, Any], born_at: datetime | None = None, event_id=None
    ) -> str | None:
        if not subscribed(subscriptions, event_type, data):
            return None
        return push(event_type, data, born_at, event_id)

    setattr(gateway, "publish", publish)  # noqa: B010 - an instance attribute, not the class's


@dataclass
class Measured:
    """What the run of the pipeline left in its stores, as the bench collected it."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)  # (purpose, API) -> calls
    runs: Counter[str] = field(default_factory=Counter)  # purpose -> runs
    first_seen: dict[int, datetime] = field(default_factory=dict)  # record_id -> run time
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    run_log: list[tuple[datetime, tuple[date, ...]]] = field(default_factory=list)  # time, days
    metered_before: int = 0  # the emulator's metered calls when the month started


@dataclass
class RealMonth:
    """One pipeline on one emulator and data directory, driven minute by minute."""

    server: EmulatorServer
    control: EmulatorControl
    data_dir: Path
    driver: DagsterDriver
    first: date
    days: int
    measured: Measured = field(default_factory=Measured)
    polling_cursor: str | None = None
    polling_sensor: dg.SensorDefinition | None = None
    clock: list[datetime] = field(default_factory=list)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    @cached_property
    def repository(self) -> dg.RepositoryDefinition:
        return defs.get_repository_def()

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)

    def now(self) -> datetime:
        return self.clock[0]

    # -- the clock ---------------------------------------------------------------------------
    def move_to(self, moment: datetime) -> int:
        """Move the emulator's clock; wait until the events it made due are delivered.
        Returns how many events became due (subscribed or not)."""
        started = perf_counter()
        self.clock[0] = moment
        answer = self.http.post(
            f"{self.server.control_url}/clock",
            json={"to": moment.strftime("%Y-%m-%dT%H:%M:%S")},
        )
        answer.raise_for_status()
        emitted = int(answer.json()["emitted"])
        if emitted:
            self.control.wait_until_delivered()
        self.measured.seconds["clock and deliveries"] += perf_counter() - started
        return emitted

    # -- runs --------------------------------------------------------------------------------
    def execute(self, request: dg.RunRequest, default_job: str | None = None) -> None:
        """Execute one run request in process; its metered calls are charged to its purpose."""
        job_name = request.job_name or default_job
        assert job_name is not None, "a run request names no job"
        trigger = request.tags.get(Tag.TRIGGER, job_name)
        purpose = trigger if job_name.startswith("attendance_") else f"{trigger}: {job_name}"
        started = perf_counter()
        before = self.ledger_calls()
        result = defs.resolve_job_def(job_name).execute_in_process(
            run_config={**QUIET_LOGGERS, **(request.run_config or {})},
            instance=self.driver.instance,
            partition_key=request.partition_key,
            asset_selection=request.asset_selection,
            tags={
                **request.tags,
                **({"dagster/run_key": request.run_key} if request.run_key else {}),
            },
            raise_on_error=False,
        )
        if not result.success:
            self.driver._check(result, job_name)  # pyright: ignore[reportPrivateUsage]
        for api, count in (self.ledger_calls() - before).items():
            self.measured.calls[(purpose, api)] += count
        self.measured.runs[purpose] += 1
        if job_name == Job.ATTENDANCE_MONTHLY_MARTS:  # writes no punch: not a covering run
            self.measured.seconds["runs"] += perf_counter() - started
            return
        days = run_days(request)
        self.measured.run_log.append((self.now(), tuple(days)))
        self.note_punches(days)
        self.measured.seconds["runs"] += perf_counter() - started
        # The monthly marts follow a refresh in a run of their own (the daemon's run-status
        # sensor, sensors/monthly_marts.py): without it `attendance_monthly` would stay stale.
        if result.success:
            for reaction in self.driver._reactions_to(result):  # pyright: ignore[reportPrivateUsage]
                self.execute(reaction)

    def ledger_calls(self) -> Counter[str]:
        """Metered calls so far, per API, from the call ledger (dated by the emulator's clock:
        the simulated month)."""
        with QuotaLedger.in_data_dir(self.data_dir) as ledger:
            return Counter(ledger.month_to_date())

    def note_punches(self, days: Sequence[date]) -> None:
        store = ParquetStore(self.data_dir)
        for day in days:
            table = store.read(Asset.ATTENDANCE_PUNCHES, day)
            for record_id in table["record_id"].to_pylist() if table else []:
                if record_id is not None:
                    self.measured.first_seen.setdefault(record_id, self.now())

    # -- sensors and schedules ---------------------------------------------------------------
    def tick_events(self, max_ticks: int = 5) -> None:
        """The events sensor until it launches nothing (approvals resolve in a second tick)."""
        sensor = defs.resolve_sensor_def(Sensor.ATTENDANCE_EVENTS)
        for _ in range(max_ticks):
            started = perf_counter()
            data = sensor.evaluate_tick(self._sensor_context(sensor, self.driver.cursor))
            self.measured.seconds["events sensor ticks"] += perf_counter() - started
            self.driver.cursor = data.cursor or self.driver.cursor
            for request in data.run_requests or []:
                self.execute(request)
            if not data.run_requests:
                return

    def tick_polling(self) -> None:
        assert self.polling_sensor is not None
        started = perf_counter()
        context = self._sensor_context(self.polling_sensor, self.polling_cursor)
        data = self.polling_sensor.evaluate_tick(context)
        self.measured.seconds["polling sensor ticks"] += perf_counter() - started
        self.polling_cursor = data.cursor or self.polling_cursor
        for request in data.run_requests or []:
            self.execute(request)

    def tick_schedule(self, name: str) -> None:
        started = perf_counter()
        schedule = defs.resolve_schedule_def(name)
        context = dg.build_schedule_context(
            instance=self.driver.instance,
            scheduled_execution_time=self.now(),
            resources=_needed(schedule.required_resource_keys),
            repository_def=self.repository,
        )
        requests = schedule.evaluate_tick(context).run_requests or []
        self.measured.seconds["schedule ticks"] += perf_counter() - started
        for request in requests:
            self.execute(request, default_job=schedule.job_name)

    def _sensor_context(
        self, sensor: dg.SensorDefinition, cursor: str | None
    ) -> dg.SensorEvaluationContext:
        return dg.build_sensor_context(
            instance=self.driver.instance,
            cursor=cursor,
            resources=_needed(sensor.required_resource_keys),
            definitions=defs,
        )


def _needed(keys: set[str]) -> dict[str, Any]:
    """Only the resources a sensor or schedule asks for: building all of them for every tick
    cost more than the tick."""
    return {key: value for key, value in (defs.resources or {}).items() if key in keys}


def run_days(request: dg.RunRequest) -> list[date]:
    """The work dates a run writes: its partition, or its partition range."""
    if request.partition_key:
        return [date.fromisoformat(request.partition_key)]
    first, last = request.tags.get(Tag.RANGE_START), request.tags.get(Tag.RANGE_END)
    if first and last:
        return days_between(date.fromisoformat(first), date.fromisoformat(last))
    return []


def schedule_moments(first: datetime, last: datetime) -> dict[datetime, list[str]]:
    """Every cron moment of every schedule in (first, last], in Asia/Shanghai."""
    moments: dict[datetime, list[str]] = {}
    for schedule in defs.schedules or []:
        assert isinstance(schedule, dg.ScheduleDefinition)
        zone = schedule.execution_timezone or "UTC"
        cron = cast(str, schedule.cron_schedule)
        for moment in cron_string_iterator(first.timestamp(), cron, zone):
            local = moment.astimezone(SHANGHAI)
            if local > last:
                break
            if local > first:
                moments.setdefault(local, []).append(schedule.name)
    return moments


def steps(
    first: datetime, last: datetime, extra: Sequence[datetime], polls: bool
) -> list[datetime]:
    """The clock's stops: every minute of work hours while polling (no poll moment is missed),
    every 10 minutes otherwise, and `extra`."""
    found = set(extra)
    moment = first
    while moment < last:
        moment += WORK_STEP if polls and polling.in_poll_hours(moment) else IDLE_STEP
        found.add(min(moment, last))
    return sorted(found)


def drive(month: RealMonth, until: datetime, polls: bool) -> None:
    """Move the clock to `until`: at each stop the due schedules, the events sensor and (while
    `polls`, in work hours) the polling sensor; each run they request is executed."""
    start = month.now()
    moments = schedule_moments(start, until)
    for moment in steps(start, until, list(moments), polls):
        emitted = month.move_to(moment)
        for name in moments.get(moment, []):
            month.tick_schedule(name)
        if emitted or moment.minute == 0:  # an idle inbox gives nothing to tick for
            month.tick_events()
        if polls and polling.in_poll_hours(moment):
            month.tick_polling()


@contextmanager
def real_month(
    employees: int, edition: str, freshness: float, days: int, first: date = START
) -> Iterator[RealMonth]:
    """The emulator, the listener, the instance and the data dir, ready at `first`'s midnight."""
    plan = make_plan(employees, edition_named(edition), freshness)
    profile = plan.profile()
    first_history = first - timedelta(days=HISTORY_DAYS)
    config = EmulatorConfig(
        employees=employees, start=first_history, days=HISTORY_DAYS + days + SETTLE_DAYS + 2,
        monthly_quota=10**9, clock_start=datetime.combine(first, time(), tzinfo=SHANGHAI),
        stream=FAST_GATEWAY,
    )  # fmt: skip
    with (
        tempfile.TemporaryDirectory(prefix="month-real-") as scratch,
        EmulatorServer(config) as server,
        ProcessGroup() as group,
    ):
        data_dir = Path(scratch) / "data"
        data_dir.mkdir()
        write_profile(data_dir / "profile.json", profile)
        _filter_pushes(server, cast(list[str], profile["subscribe"]))
        variables = {
            **emulator_variables(server),
            "ATTENDANCE_DATA_DIR": str(data_dir),
            # The sensor's coalescing wait is machine time: under a simulated clock it would
            # hold every refresh until the bench ends.
            "ATTENDANCE_COALESCE_SECONDS": "0",
        }
        clock = [config.initial_clock]
        with (
            patched_environment(variables),
            dg.DagsterInstance.ephemeral() as instance,
            pipeline_clock(lambda: clock[0]),
        ):
            os.environ.pop("ATTENDANCE_PROFILE", None)
            control = EmulatorControl(server.control_url)
            month = RealMonth(
                server, control, data_dir, DagsterDriver(defs, instance), first, days, clock=clock
            )
            month.polling_sensor = build_polling_sensor(clock=month.now)
            load_history(month.driver, first_history, first - timedelta(days=1))
            reset_call_ledger(data_dir)
            month.measured.metered_before = control.stats()["metered_calls_total"]
            listener = ListenerProcess(group, dict(os.environ), data_dir / "listener.log")
            listener.start(control)
            try:
                yield month
            finally:
                listener.stop(control)
                control.close()


@contextmanager
def pipeline_clock(now: Callable[[], datetime]) -> Iterator[None]:
    """The runs' present is the emulator's, as DingTalk's is the machine's in production:
    `pulled_at`, `settled`, "today" and the call ledger's days follow `now`. The listener is
    another process: the push ledger stays on the machine's clock."""
    with patch.object(pipeline_days, "pipeline_now", now):
        yield


def reset_call_ledger(data_dir: Path) -> None:
    """The history's calls were last month's: the month starts with an empty ledger."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{data_dir / LEDGER_FILENAME}{suffix}").unlink(missing_ok=True)


def load_history(driver: DagsterDriver, first: date, last: date) -> None:
    """What the warehouse holds before the month: roster, report columns, four weeks' punches."""
    driver.materialize(Asset.EMPLOYEES, None, None)
    driver.materialize(Asset.REPORT_COLUMNS, None, None)
    driver.materialize(Asset.ATTENDANCE_PUNCHES, first.isoformat(), last.isoformat())


def run(employees: int, edition: str, freshness: float, days: int) -> dict[str, Any]:
    """Drive `days` days of November and their close; the figures measured."""
    with real_month(employees, edition, freshness, days) as month:
        drive_days(month)
        return measure(month)


def drive_days(month: RealMonth) -> None:
    """The simulated days with polls, then settlement of the last ones (and, after a whole
    month, the month close of the report settlement on day 2) without."""
    last = month.last
    drive(month, datetime.combine(last + timedelta(days=1), time(), SHANGHAI), polls=True)
    close_day = last + timedelta(days=SETTLE_DAYS)
    drive(month, datetime.combine(close_day, time(7, 30), SHANGHAI), polls=False)


def truth(
    month: RealMonth, last: date | None = None, first: date | None = None
) -> list[dict[str, Any]]:
    """The emulator's employee-days from `first` to `last` (default: the simulated days)."""
    answer = month.http.get(
        f"{month.server.control_url}/truth",
        params={"from": (first or month.first).isoformat(), "to": (last or month.last).isoformat()},
        timeout=600,
    )
    answer.raise_for_status()
    return answer.json()["employee_days"]


def staleness(month: RealMonth, days: list[dict[str, Any]]) -> tuple[list[float], int]:
    """Minutes from each work-hour punch to the run that first wrote it; punches never written."""
    waits: list[float] = []
    unseen = 0
    for day in days:
        for punch in day["punches"]:
            at = datetime.fromisoformat(punch["user_check_time"]).replace(tzinfo=SHANGHAI)
            if not governor.WORK_START <= at.time() < governor.WORK_END:
                continue
            seen = month.measured.first_seen.get(punch["record_id"])
            if seen is None:
                unseen += 1
            else:
                waits.append((seen - at).total_seconds() / 60)
    return sorted(waits), unseen


def check_points_equal(month: RealMonth, days: list[dict[str, Any]]) -> tuple[int, int]:
    """(check points equal to the truth in COMPARED, check points with a result)."""
    store = ParquetStore(month.data_dir)
    mine: dict[tuple[str, int], dict[str, Any]] = {}
    for day in days_between(month.first, month.last):
        table = store.read(Asset.ATTENDANCE_RESULTS, day)
        for row in table.to_pylist() if table else []:
            mine[(row["userid"], row["plan_id"])] = row
    equal = points = 0
    for day in days:
        for point in day["check_points"]:
            if point["time_result"] is None:
                continue
            points += 1
            row = mine.get((day["userid"], point["plan_id"]))
            equal += row is not None and all(_same(row[f], point[f]) for f in COMPARED)
    return equal, points


def _same(warehouse: object, truth: object) -> bool:
    if isinstance(warehouse, datetime):
        return warehouse.strftime("%Y-%m-%d %H:%M:%S") == truth
    return warehouse == truth


@dataclass
class MonthlyComparison:
    """`attendance_monthly` against the truth's report columns summed over the user-days the
    month's daily rows hold (the settlement writes days before the first simulated one)."""

    equal: int = 0  # final employee-months equal to the truth in every figure
    final: int = 0  # employee-months whose row says it is final (`days_unsettled` = 0)
    not_final: int = 0  # rows saying a figure is not final yet (compared once settled)
    differing: Counter[str] = field(default_factory=Counter)  # figure -> final rows differing


def monthly_equal(month: RealMonth) -> MonthlyComparison:
    """Compare every final row of the first simulated day's month with the truth."""
    connection = scratch_connection(month.data_dir)
    key = month.first.strftime("%Y-%m")
    held = connection.execute(
        "SELECT userid, work_date FROM attendance_daily WHERE strftime(work_date, '%Y-%m') = ?",
        [key],
    ).fetchall()
    found = MonthlyComparison()
    if not held:
        return found
    wanted = {(userid, work_date.isoformat()) for userid, work_date in held}
    first, last = min(d for _, d in held), max(d for _, d in held)
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for day in truth(month, last, first):
        if (day["userid"], day["work_date"]) not in wanted:
            continue
        for figure, (alias,) in REPORT_ALIASES.items():
            sums = expected[day["userid"]]
            sums[figure] += float(day["report"][alias])  # pyright: ignore[reportArgumentType]
    cursor = connection.execute("SELECT * FROM attendance_monthly WHERE month = ?", [key])
    names = [column[0] for column in cursor.description]
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        if row["days_unsettled"]:
            found.not_final += 1
            continue
        found.final += 1
        want = expected.get(row["userid"], Counter())
        differing = [
            figure
            for figure in REPORT_ALIASES
            if abs(float(row[figure] or 0) - want[figure]) >= 1e-6
        ]
        found.differing.update(differing)
        found.equal += not differing
    return found


def percentile(values: list[float], share: float) -> float | None:
    return values[min(len(values) - 1, int(share * len(values)))] if values else None


def measure(month: RealMonth) -> dict[str, Any]:
    """The figures from the ledgers, the warehouse and the truth."""
    days = truth(month)
    waits, unseen = staleness(month, days)
    equal, points = check_points_equal(month, days)
    monthly = monthly_equal(month)
    ledger = month.ledger_calls()
    measured = month.measured.calls.copy()
    for api, count in (ledger - Counter(_by_api(measured))).items():
        measured[(OUTSIDE_RUNS, api)] += count  # the listener's own calls, if any
    with SqlitePushLedger.in_data_dir(month.data_dir) as pushes:
        pushed = pushes.month_to_date(datetime.now(SHANGHAI))  # the listener's (machine) days
    stats = month.control.stats()
    p50 = statistics.median(waits) if waits else None
    return {
        "days": month.days,
        "work_days": sum(polling.is_work_day(d) for d in days_between(month.first, month.last)),
        "calls_total": sum(measured.values()),
        "calls_in_runs": sum(month.measured.calls.values()),
        "call_ledger_total": sum(ledger.values()),
        "emulator_metered_total": stats["metered_calls_total"] - month.measured.metered_before,
        "calls_by_api": dict(sorted(_by_api(measured).items())),
        "calls_by_purpose": dict(sorted(_by_purpose(measured).items())),
        "calls": {f"{p}: {api}": n for (p, api), n in sorted(measured.items())},
        "runs_by_purpose": dict(sorted(month.measured.runs.items())),
        "pushes_total": sum(pushed.values()),
        "pushes_by_event_type": dict(sorted(pushed.items())),
        "events_emitted_by_type": stats["events_emitted_by_type"],
        "punches_in_work_hours": len(waits) + unseen,
        "punches_never_written": unseen,
        "staleness_p50_minutes": round(p50, 1) if p50 is not None else None,
        "staleness_p95_minutes": _rounded(percentile(waits, 0.95)),
        "check_points_equal": equal,
        "check_points": points,
        "monthly_rows_equal": monthly.equal,
        "monthly_rows": monthly.final,
        "monthly_rows_not_final": monthly.not_final,
        "monthly_figures_differing": dict(sorted(monthly.differing.items())),
        "machine_seconds": {k: round(v, 1) for k, v in sorted(month.measured.seconds.items())},
    }


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _by_api(calls: Mapping[tuple[str, str], int]) -> Counter[str]:
    found: Counter[str] = Counter()
    for (_, api), count in calls.items():
        found[api] += count
    return found


def _by_purpose(calls: Mapping[tuple[str, str], int]) -> Counter[str]:
    found: Counter[str] = Counter()
    for (purpose, _), count in calls.items():
        found[purpose] += count
    return found


def extrapolated(found: Mapping[str, Any]) -> dict[str, Any]:
    """A partial month's calls scaled to the month: polls by work days, everything else by the
    days the schedules and the events sensor ran (the simulated days and the settlement days
    after them); the month close is not in a partial run (its figure: docs/quota.md)."""
    if found["days"] >= MONTH_DAYS:
        return {}
    month_work_days = sum(
        polling.is_work_day(d) for d in days_between(START, START + timedelta(days=MONTH_DAYS - 1))
    )
    scheduled_days = found["days"] + SETTLE_DAYS
    by_purpose = cast(dict[str, int], found["calls_by_purpose"])
    scaled = {
        purpose: round(
            count * month_work_days / max(found["work_days"], 1)
            if purpose == "poll"
            else count * MONTH_DAYS / scheduled_days
        )
        for purpose, count in by_purpose.items()
    }
    return {
        "extrapolated_to_month": {
            "note": f"polls over {found['work_days']} work days scaled to {month_work_days}, "
            f"the rest over {scheduled_days} days of schedules to {MONTH_DAYS}; "
            "no month close in it, weekly report settlement overstated",
            "calls_by_purpose": scaled,
            "calls_total": sum(scaled.values()),
            "pushes_total": round(found["pushes_total"] * MONTH_DAYS / scheduled_days),
        }
    }
