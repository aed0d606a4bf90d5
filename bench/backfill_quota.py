"""Metered DingTalk calls of a 200-employee x 31-day backfill, against the emulator.

Runs the attendance assets through Dagster exactly as `dingtalk-attendance sync` does (one
single-run backfill over the whole range), reads the metered calls each asset reports, and
prints them per endpoint next to what one `getupdatedata` call per employee-day would cost.
That cost is measured too: a sample of employee-days is pulled with `getupdatedata` in the same
run, and the per-call price (metered calls per employee-day) is extrapolated to the whole range.

Usage: .venv/bin/python bench/backfill_quota.py [--employees 200] [--days 31]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from datetime import date, timedelta

import dagster as dg

from pipelines.definitions import CATALOGUE_ASSETS, DAILY_ASSETS
from pipelines.dingtalk.client import DingTalkClient
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.resources import resources_from_settings
from pipelines.settings import load_settings

MONTHLY_QUOTA = 5000
# Dagster's console logger prints every step at DEBUG; the figures are what this script is for.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
START = date(2026, 10, 1)
SAMPLE_EMPLOYEE_DAYS = 20


def _resources(server: EmulatorServer, data_dir: str) -> dict:
    return resources_from_settings(
        load_settings(
            dingtalk_client_id=server.client_id,
            dingtalk_client_secret=server.client_secret,
            dingtalk_api_base_url=server.api_base_url,
            dingtalk_oapi_base_url=server.oapi_base_url,
            attendance_data_dir=str(data_dir),
        )
    )


def _spent(result: dg.ExecuteInProcessResult, last: str) -> Counter:
    """Metered calls per endpoint; a range run repeats its metadata on every partition."""
    spent: Counter = Counter()
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        calls = materialization.metadata.get("metered_calls_by_endpoint")
        if calls is not None and materialization.partition in (None, last):
            spent.update(calls.value)
    return spent


def _per_employee_day_price(server: EmulatorServer, first: date, days: int) -> float:
    """Metered calls per employee-day of `getupdatedata`, measured on a sample."""
    client = DingTalkClient(
        server.client_id, server.client_secret, server.api_base_url, server.oapi_base_url
    )
    users = [employee.userid for employee in server.state.org.employees]
    with client, client.track_calls() as spent:
        for index in range(SAMPLE_EMPLOYEE_DAYS):
            client.get_update_data(users[index % len(users)], first + timedelta(index % days))
    return spent.metered_total / SAMPLE_EMPLOYEE_DAYS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=200)
    parser.add_argument("--days", type=int, default=31)
    args = parser.parse_args()
    first, last = START, START + timedelta(days=args.days - 1)
    config = EmulatorConfig(employees=args.employees, start=first, days=args.days)
    with EmulatorServer(config) as server, tempfile.TemporaryDirectory() as data_dir:
        resources = _resources(server, data_dir)
        began = time.perf_counter()
        spent = _spent(dg.materialize(CATALOGUE_ASSETS, resources=resources, run_config=QUIET), "")
        tags = {
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        }
        spent += _spent(
            dg.materialize(DAILY_ASSETS, resources=resources, tags=tags, run_config=QUIET),
            last.isoformat(),
        )
        elapsed = time.perf_counter() - began
        price = _per_employee_day_price(server, first, args.days)
    _report(args.employees, args.days, spent, price, elapsed)


def _report(employees: int, days: int, spent: Counter, price: float, elapsed: float) -> None:
    total = sum(spent.values())
    naive = price * employees * days
    print(f"backfill of {employees} employees x {days} days ({elapsed:.1f} s wall clock)")
    print(f"{'endpoint':48} {'metered calls':>13}")
    for endpoint, count in sorted(spent.items()):
        print(f"{endpoint:48} {count:>13}")
    print(f"{'total (range pulls through the assets)':48} {total:>13}")
    print(
        f"{'getupdatedata per employee-day':48} {naive:>13.0f}"
        f"  ({price:.2f} metered call per employee-day, measured on {SAMPLE_EMPLOYEE_DAYS})"
    )
    print(f"ratio: the range pulls cost {total / naive:.1%} of per-employee-day pulls")
    print(
        f"share of the {MONTHLY_QUOTA:,} monthly quota: {total / MONTHLY_QUOTA:.1%} "
        f"(per-employee-day pulls: {naive / MONTHLY_QUOTA:.0%})"
    )


if __name__ == "__main__":
    from results_io import recorded  # bench/ is on sys.path when run as a script

    with recorded("backfill_quota"):
        main()
