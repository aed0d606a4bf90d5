"""Benchmark: how long the emulator takes to start, and its resident memory, by org size.

Each size runs in a fresh child process (so RSS is that size's alone): build the org, bind the
socket, serve; the child prints when the server answers (wall and CPU seconds, peak RSS). Then,
since the org builds user-days on first read, the first sweep of the whole org: the rows and
punches of every user-day (what attendance/list and listRecord read), in process, so that the
figure is the build and not HTTP; peak RSS again after it.

    .venv/bin/python bench/emulator_start.py [--sizes 1000,2000,10000] [--days 14]

To measure another checkout (e.g. the code before a change) with the same venv, run this file
from that checkout's root with PYTHONPATH=. (the child imports `pipelines` from the cwd).

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys, time
import httpx
t0, c0 = time.perf_counter(), time.process_time()
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
emu = EmulatorServer(EmulatorConfig(employees=int(sys.argv[1]), days=int(sys.argv[2]))).start(600)
httpx.get(f"{emu.control_url}/stats", timeout=60).raise_for_status()
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
org, now = emu.state.org, emu.state.now()
t1, c1 = time.perf_counter(), time.process_time()
for employee in org.employees:
    for day in org.dates:
        org.rows(employee.userid, day, now)
        org.day_punches(employee.userid, day, now)
sweep, sweep_cpu = time.perf_counter() - t1, time.process_time() - c1
emu.stop()
swept_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mib": rss, "sweep": sweep,
                  "sweep_cpu": sweep_cpu, "swept_rss_mib": swept_rss}))
"""


def measure(employees: int, days: int) -> dict:
    """Start seconds (imports included) and peak RSS of one emulator of `employees`."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(employees), str(days)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,10000")
    parser.add_argument("--days", type=int, default=14, help="days of the org (CLI default 14)")
    args = parser.parse_args()
    print(
        f"{'employees':>9} {'days':>4} {'start s':>8} {'CPU s':>6} {'RSS MiB':>8}"
        f" {'sweep s':>8} {'CPU s':>6} {'RSS MiB':>8}"
    )
    for size in (int(part) for part in args.sizes.split(",")):
        f = measure(size, args.days)
        print(
            f"{size:>9} {args.days:>4} {f['seconds']:>8.1f} {f['cpu']:>6.1f} {f['rss_mib']:>8.0f}"
            f" {f['sweep']:>8.1f} {f['sweep_cpu']:>6.1f} {f['swept_rss_mib']:>8.0f}"
        )


if __name__ == "__main__":
    main()
