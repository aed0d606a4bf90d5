"""Scale benchmark: a month's backfill against the rate-limit floor, memory and CPU per
employee-day, and the CPU of an event refresh of one day with a month vs a year on disk.

The emulator runs as the real command in a child process and the backfill as the real
`dingtalk-attendance sync` in another, so the figures of the sync contain neither the emulator
nor this script. Memory and CPU are sampled over the sync's whole process tree (psutil, every
0.2 s): the multiprocess executor's step processes are spawned by a process the sync does not
reap, so `wait4` alone misses them. Peak memory is the largest sum over the tree at one sample,
as RSS (counts pages shared by forked processes once per process) and as PSS (shares them);
CPU is the sum of each process's own user + system time at its last sample (a process's last
0.2 s before it exits is missed). The step durations come from the run's Dagster event log.
The floor is the largest per-API call count at the emulator divided by the per-API QPS (20):
the time the busiest API alone needs.
The client spaces calls at the limit (headroom 1.0) and its one-second call window holds a
call's place for its round trip plus a second, so about 1 + round trip times the floor is the
best it can do (it was 1.11x at the former headroom of 0.9).

Refresh CPU: a small org's month is backfilled, its partitions are copied to the eleven months
before it (work dates shifted; a year on disk), and one day is refreshed through the refresh
job's assets in a child process, before and after the copies.

    .venv/bin/python bench/scale.py [--employees 1000,2000] [--days 31] [--refresh-employees 100]

Figures are printed and written to bench/results/scale-<time>.json; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import psutil

PYTHON = sys.executable
RESULTS = Path(__file__).parent / "results"
START = date(2026, 1, 5)  # a Monday; the partitions start on 2026-01-01
QPS = 20.0
HISTORY_MONTHS = 11  # copies before the month: a year on disk
MIB = 1024 * 1024
EMULATOR_MONTHLY_QUOTA = 5_000_000


def start_emulator(employees: int, days: int) -> tuple[subprocess.Popen, dict]:
    """The emulator command in a child process; returns it and its JSON line."""
    command = [PYTHON, "-m", "pipelines", "emulator", "--port", "0", "--speed", "0"]
    command += ["--employees", str(employees), "--days", str(days), "--start", START.isoformat()]
    # A bought quota (增购包): a 10,000-employee month needs more than the standard 5,000.
    command += ["--qps", str(QPS), "--monthly-quota", str(EMULATOR_MONTHLY_QUOTA)]
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None  # piped above
    info = json.loads(process.stdout.readline())
    info["start_seconds"] = time.perf_counter() - began
    return process, info


def child_env(info: dict, data_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DINGTALK_CLIENT_ID": info["client_id"],
        "DINGTALK_CLIENT_SECRET": info["client_secret"],
        "DINGTALK_API_BASE_URL": info["api_base_url"],
        "DINGTALK_OAPI_BASE_URL": info["oapi_base_url"],
        "ATTENDANCE_DATA_DIR": data_dir,
        "DINGTALK_QPS_PER_API": str(QPS),
    }


SAMPLE_SECONDS = 0.2


class TreeSampler:
    """Peak memory and CPU of a process and all its descendants, sampled."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.cpu: dict[tuple[int, float], float] = {}  # (pid, create time) -> own CPU seconds
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 0
        self.process_rss: dict[tuple[int, float], int] = {}  # each process's own peak RSS
        self.load: list[float] = []  # the 1-minute load average at each sample

    def sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        rss = pss = alive = 0
        for process in processes:
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    memory = process.memory_full_info()
                    key = (process.pid, process.create_time())
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
            self.cpu[key] = times.user + times.system
            self.process_rss[key] = max(self.process_rss.get(key, 0), memory.rss)
            rss, pss, alive = rss + memory.rss, pss + memory.pss, alive + 1
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.peak_processes = max(self.peak_processes, alive)
        self.load.append(os.getloadavg()[0])


def run_measured(command: list[str], env: dict[str, str]) -> dict:
    """Run a child to completion: wall seconds, and CPU and peak memory of its process tree."""
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = TreeSampler(process.pid)
    # Drain the pipes on threads: a chatty child would block on a full pipe otherwise.
    output: dict[str, bytes] = {}
    assert process.stdout is not None and process.stderr is not None  # piped above
    readers = [
        threading.Thread(target=lambda n=name, s=stream: output.__setitem__(n, s.read()))
        for name, stream in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    while process.poll() is None:
        sampler.sample()
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - began
    for reader in readers:
        reader.join()
    out, err = output["out"].decode(), output["err"].decode()
    if process.returncode != 0:
        raise RuntimeError(f"{command[3:5]} failed ({process.returncode}): {err[-2000:]}")
    return {
        "wall_seconds": wall,
        "cpu_seconds": sum(sampler.cpu.values()),
        "peak_rss_mib": sampler.peak_rss / MIB,
        "peak_pss_mib": sampler.peak_pss / MIB,
        "processes_sampled": len(sampler.cpu),
        "peak_processes": sampler.peak_processes,
        # The largest processes (the step processes of the pulls), each at its own peak.
        "top_process_rss_mib": sorted(v / MIB for v in sampler.process_rss.values())[-3:][::-1],
        "process_rss_mib": {pid: v / MIB for (pid, _), v in sampler.process_rss.items()},
        "load_average": {
            "min": min(sampler.load, default=0.0),
            "mean": sum(sampler.load) / max(len(sampler.load), 1),
            "max": max(sampler.load, default=0.0),
        },
        "stdout": out.strip().splitlines()[-3:],
    }


def step_seconds(data_dir: str) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Each step of the sync's runs: [start, end] in seconds from the first run's start, and
    the process that ran it."""
    import dagster as dg

    from pipelines.demo.instance import open_instance

    instance = open_instance(Path(data_dir))
    runs = sorted(
        instance.get_runs(), key=lambda run: instance.get_run_stats(run.run_id).start_time or 0
    )
    if not runs:
        return {}, {}
    origin = instance.get_run_stats(runs[0].run_id).start_time or 0.0
    steps, pids = {}, {}
    for run in runs:
        for stat in instance.get_run_step_stats(run.run_id):
            if stat.start_time is not None and stat.end_time is not None:
                steps[stat.step_key] = [stat.start_time - origin, stat.end_time - origin]
        for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START):
            event = entry.dagster_event
            if event is not None and event.step_key and event.pid is not None:
                pids[event.step_key] = event.pid
    return steps, pids


def emulator_stats(info: dict) -> dict:
    return httpx.get(f"{info['api_base_url']}/_emulator/stats", timeout=30).json()


def backfill(employees: int, days: int, edition_name: str = "") -> dict:
    """A fresh sync of `days` days of an `employees`-strong org, with the floor.

    With `edition_name`, the profile `dingtalk-attendance plan` writes for that edition is put in
    the data dir first (a frugal profile: different loaders, a different busiest API).
    """
    emulator, info = start_emulator(employees, days)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            if edition_name:
                write_plan(Path(data_dir), employees, edition_name)
            last = START + timedelta(days=days - 2)  # the emulator's last day is live
            command = [PYTHON, "-m", "pipelines", "sync", "--start", START.isoformat()]
            command += ["--end", last.isoformat()]
            figures = run_measured(command, child_env(info, data_dir))
            figures["steps"], pids = step_seconds(data_dir)
            by_pid = figures.pop("process_rss_mib")
            figures["peak_rss_mib_by_step"] = {
                step: by_pid[pid] for step, pid in pids.items() if pid in by_pid
            }
        stats = emulator_stats(info)
    finally:
        emulator.terminate()
        emulator.wait()
    calls = {api: n for api, n in stats["api_calls"].items() if "gettoken" not in api}
    busiest = max(calls, key=lambda api: calls[api])
    floor = calls[busiest] / QPS
    employee_days = employees * ((last - START).days + 1)
    return {
        "employees": employees,
        "days": (last - START).days + 1,
        "profile": edition_name or "none (full pulls)",
        "emulator_start_seconds": info["start_seconds"],
        **figures,
        "calls_by_api": calls,
        "busiest_api": busiest,
        "floor_seconds": floor,
        "ratio_to_floor": figures["wall_seconds"] / floor,
        "rejected": stats["rejected"],
        "cpu_ms_per_employee_day": 1000 * figures["cpu_seconds"] / employee_days,
        "pss_kib_per_employee_day": 1024 * figures["peak_pss_mib"] / employee_days,
    }


def write_plan(data_dir: Path, employees: int, edition_name: str) -> None:
    from pipelines.quota.editions import edition
    from pipelines.quota.plan import make_plan
    from pipelines.quota.profile import write_profile

    profile = make_plan(employees, edition(edition_name), 15).profile()
    write_profile(data_dir / "profile.json", profile)


def refresh_cpu(employees: int) -> dict:
    """CPU of refreshing one day through the refresh job with one month, then a year, on disk."""
    days = 31
    emulator, info = start_emulator(employees, days)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            env = child_env(info, data_dir)
            last = START + timedelta(days=days - 2)
            sync = [PYTHON, "-m", "pipelines", "sync", "--start", START.isoformat()]
            run_measured([*sync, "--end", last.isoformat()], env)
            day = (START + timedelta(days=10)).isoformat()
            refresh = [PYTHON, __file__, "--refresh-day", day]
            month = run_measured(refresh, env)
            copy_history(data_dir, HISTORY_MONTHS)
            year = run_measured(refresh, env)
    finally:
        emulator.terminate()
        emulator.wait()
    month_cpu, year_cpu = _own_cpu(month), _own_cpu(year)
    return {
        "employees": employees,
        "refresh_day": day,
        "cpu_seconds_month_on_disk": month_cpu,
        "cpu_seconds_year_on_disk": year_cpu,
        "ratio_year_to_month": year_cpu / month_cpu,
    }


def _own_cpu(figures: dict) -> float:
    """The refresh child prints the CPU of its materialize call (imports excluded)."""
    return float(figures["stdout"][-1].split()[-1])


def copy_history(data_dir: str, months: int) -> None:
    """Copy every daily partition to the same day `k` x 31 days earlier, k = 1..months."""
    from pipelines.warehouse.schemas import TABLES
    from pipelines.warehouse.store import ParquetStore

    store = ParquetStore(data_dir)
    for table, spec in TABLES.items():
        if spec.partition != "work_date":
            continue
        for text in store.partitions(table):
            rows = store.read(table, text)
            for k in range(1, months + 1):
                day = date.fromisoformat(text) - timedelta(days=31 * k)
                if day >= date(2025, 1, 1):
                    shifted = _shift(rows, day)
                    store.write(table, shifted, day)


def _shift(rows, day: date):
    import pyarrow as pa

    column = rows.schema.get_field_index("work_date")
    if column < 0:
        return rows
    return rows.set_column(column, "work_date", pa.array([day] * rows.num_rows, pa.date32()))


def refresh_one_day(day: str) -> None:
    """Child mode: the refresh job's assets for one partition; prints its CPU seconds."""
    import dagster as dg

    from pipelines.definitions import ATTENDANCE_ASSETS, MONTHLY_ASSETS
    from pipelines.jobs import REFRESH_ASSETS
    from pipelines.resources import resources_from_settings
    from pipelines.settings import load_settings

    chosen = [a for a in ATTENDANCE_ASSETS if a.key.to_user_string() in REFRESH_ASSETS]
    resources = resources_from_settings(load_settings())
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    began = time.process_time()
    dg.materialize(chosen, resources=resources, partition_key=day, run_config=quiet)
    # The event path's second run (monthly_marts_sensor): the day's month of the monthly marts.
    dg.materialize(
        MONTHLY_ASSETS, resources=resources, partition_key=f"{day[:7]}-01", run_config=quiet
    )
    print(f"refresh cpu seconds {time.process_time() - began:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--employees", default="1000,2000")
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--refresh-employees", type=int, default=100)
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument("--plan", default="", help="edition whose `plan` profile to sync with")
    parser.add_argument("--refresh-day", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.refresh_day:
        return refresh_one_day(args.refresh_day)
    result = {"when": datetime.now().isoformat(timespec="seconds"), "cpu_count": os.cpu_count()}
    result["backfills"] = []
    for employees in (int(n) for n in args.employees.split(",") if n):
        figures = backfill(employees, args.days, args.plan)
        result["backfills"].append(figures)
        _print_backfill(figures)
    if not args.skip_refresh:
        result["refresh"] = refresh_cpu(args.refresh_employees)
        _print_refresh(result["refresh"])
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"scale-{datetime.now():%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"written {path}")


def _print_backfill(f: dict) -> None:
    print(
        f"backfill {f['employees']} x {f['days']} d (profile {f['profile']}):"
        f" {f['wall_seconds']:.1f} s wall, floor "
        f"{f['floor_seconds']:.1f} s ({f['busiest_api']} {f['calls_by_api'][f['busiest_api']]}), "
        f"{f['ratio_to_floor']:.2f}x; peak of the process tree: RSS {f['peak_rss_mib']:.0f} MiB,"
        f" PSS {f['peak_pss_mib']:.0f} MiB ({f['pss_kib_per_employee_day']:.1f} KiB/employee-day,"
        f" {f['peak_processes']} processes); CPU {f['cpu_seconds']:.1f} s ="
        f" {f['cpu_ms_per_employee_day']:.2f} ms/employee-day; emulator start"
        f" {f['emulator_start_seconds']:.1f} s; rejected {f['rejected'] or 'none'}"
    )
    by_step = f.get("peak_rss_mib_by_step", {})
    top = ", ".join(f"{mib:.0f}" for mib in f["top_process_rss_mib"])
    load = f["load_average"]
    print(
        f"  largest processes at their peak: {top} MiB RSS; load average"
        f" {load['min']:.1f}..{load['max']:.1f} (mean {load['mean']:.1f})"
    )
    for step, (began, ended) in sorted(f["steps"].items(), key=lambda item: item[1]):
        rss = f", peak RSS {by_step[step]:.0f} MiB" if step in by_step else ""
        print(f"  {step:<45} {began:7.1f} s .. {ended:7.1f} s ({ended - began:6.1f} s{rss})")


def _print_refresh(f: dict) -> None:
    print(
        f"refresh of {f['refresh_day']} ({f['employees']} employees): CPU "
        f"{f['cpu_seconds_month_on_disk']:.2f} s with a month on disk, "
        f"{f['cpu_seconds_year_on_disk']:.2f} s with a year ({f['ratio_year_to_month']:.2f}x)"
    )


if __name__ == "__main__":
    main()
