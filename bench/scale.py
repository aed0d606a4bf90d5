"""Scale benchmark: a month's backfill against the rate-limit floor, memory and CPU per
employee-day, and the CPU of an event refresh of one day with a month vs a year on disk.

The emulator runs as the real command in a child process and the backfill as the real
`dingtalk-attendance sync` in another, so the figures of the sync (wall time, peak RSS, CPU from
`wait4`) contain neither the emulator nor this script. The floor is the largest per-API call
count at the emulator divided by the per-API QPS (20): the time the busiest API alone needs.
The client aims at 90 % of the limit, so 1.11x the floor is the best it can do.

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
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx

PYTHON = sys.executable
RESULTS = Path(__file__).parent / "results"
START = date(2026, 1, 5)  # a Monday; the partitions start on 2026-01-01
QPS = 20.0
HISTORY_MONTHS = 11  # copies before the month: a year on disk
MIB = 1024 * 1024


def start_emulator(employees: int, days: int) -> tuple[subprocess.Popen, dict]:
    """The emulator command in a child process; returns it and its JSON line."""
    command = [PYTHON, "-m", "pipelines", "emulator", "--port", "0", "--speed", "0"]
    command += ["--employees", str(employees), "--days", str(days), "--start", START.isoformat()]
    command += ["--qps", str(QPS)]
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
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


def run_measured(command: list[str], env: dict[str, str]) -> dict:
    """Run a child to completion: wall seconds, CPU seconds and peak RSS (largest process)."""
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    out, err = process.stdout.read().decode(), process.stderr.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{command[3:5]} failed ({process.returncode}): {err[-2000:]}")
    # wait4 reports the child together with the children it reaped (Linux RUSAGE_BOTH): CPU is
    # the sum over a multiprocess run's step processes, ru_maxrss (KiB) the largest of them.
    return {
        "wall_seconds": wall,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "stdout": out.strip().splitlines()[-3:],
    }


def emulator_stats(info: dict) -> dict:
    return httpx.get(f"{info['api_base_url']}/_emulator/stats", timeout=30).json()


def backfill(employees: int, days: int) -> dict:
    """A fresh sync of `days` days of an `employees`-strong org, with the floor."""
    emulator, info = start_emulator(employees, days)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            last = START + timedelta(days=days - 2)  # the emulator's last day is live
            command = [PYTHON, "-m", "pipelines", "sync", "--start", START.isoformat()]
            command += ["--end", last.isoformat()]
            figures = run_measured(command, child_env(info, data_dir))
        stats = emulator_stats(info)
    finally:
        emulator.terminate()
        emulator.wait()
    calls = {api: n for api, n in stats["api_calls"].items() if "gettoken" not in api}
    busiest = max(calls, key=calls.get)
    floor = calls[busiest] / QPS
    employee_days = employees * ((last - START).days + 1)
    return {
        "employees": employees,
        "days": (last - START).days + 1,
        "emulator_start_seconds": info["start_seconds"],
        **figures,
        "calls_by_api": calls,
        "busiest_api": busiest,
        "floor_seconds": floor,
        "ratio_to_floor": figures["wall_seconds"] / floor,
        "rejected": stats["rejected"],
        "cpu_ms_per_employee_day": 1000 * figures["cpu_seconds"] / employee_days,
    }


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

    from pipelines.definitions import ATTENDANCE_ASSETS
    from pipelines.jobs import REFRESH_ASSETS
    from pipelines.resources import resources_from_settings
    from pipelines.settings import load_settings

    chosen = [a for a in ATTENDANCE_ASSETS if a.key.to_user_string() in REFRESH_ASSETS]
    resources = resources_from_settings(load_settings())
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    began = time.process_time()
    dg.materialize(chosen, resources=resources, partition_key=day, run_config=quiet)
    print(f"refresh cpu seconds {time.process_time() - began:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", default="1000,2000")
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--refresh-employees", type=int, default=100)
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument("--refresh-day", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.refresh_day:
        return refresh_one_day(args.refresh_day)
    result = {"when": datetime.now().isoformat(timespec="seconds"), "cpu_count": os.cpu_count()}
    result["backfills"] = []
    for employees in (int(n) for n in args.employees.split(",") if n):
        figures = backfill(employees, args.days)
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
        f"backfill {f['employees']} x {f['days']} d: {f['wall_seconds']:.1f} s wall, floor "
        f"{f['floor_seconds']:.1f} s ({f['busiest_api']} {f['calls_by_api'][f['busiest_api']]}), "
        f"{f['ratio_to_floor']:.2f}x; peak RSS {f['peak_rss_mib']:.0f} MiB"
        f"; CPU {f['cpu_seconds']:.1f} s ="
        f" {f['cpu_ms_per_employee_day']:.2f} ms/employee-day; emulator start"
        f" {f['emulator_start_seconds']:.1f} s; rejected {f['rejected'] or 'none'}"
    )


def _print_refresh(f: dict) -> None:
    print(
        f"refresh of {f['refresh_day']} ({f['employees']} employees): CPU "
        f"{f['cpu_seconds_month_on_disk']:.2f} s with a month on disk, "
        f"{f['cpu_seconds_year_on_disk']:.2f} s with a year ({f['ratio_year_to_month']:.2f}x)"
    )


if __name__ == "__main__":
    main()
