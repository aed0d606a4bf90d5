"""Benchmark: how long the emulator takes to start, and its resident memory, by org size.

Each size runs in a fresh child process (so RSS is that size's alone): build the org, bind the
socket, serve; the child prints when the server answers, then stops.

    .venv/bin/python bench/emulator_start.py [--sizes 1000,2000,10000] [--days 14]

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
t0 = time.perf_counter()
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
emu = EmulatorServer(EmulatorConfig(employees=int(sys.argv[1]), days=int(sys.argv[2]))).start(600)
httpx.get(f"{emu.control_url}/stats", timeout=60).raise_for_status()
seconds = time.perf_counter() - t0
emu.stop()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss_mib": rss}))
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,10000")
    parser.add_argument("--days", type=int, default=14, help="days of the org (CLI default 14)")
    args = parser.parse_args()
    print(f"{'employees':>9} {'days':>4} {'start s':>8} {'RSS MiB':>8}")
    for size in (int(part) for part in args.sizes.split(",")):
        figure = measure(size, args.days)
        print(f"{size:>9} {args.days:>4} {figure['seconds']:>8.1f} {figure['rss_mib']:>8.0f}")


if __name__ == "__main__":
    main()
