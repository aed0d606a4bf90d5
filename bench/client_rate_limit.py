"""Benchmark: the client's per-API limiter against an emulator enforcing 20 calls/s per API.

Pulls `attendance/list` for 200 users x 7 days (4 user batches, pages of 50 rows) and prints the
calls made, the 90018 answers that reached the caller (target 0) and those the client absorbed,
the wall time, the rate-limit floor (calls / 20 per second) and their ratio (target <= 1.25).
Side by side in the same run: the same pull with the limiter lifted (retries only), to show what
the limiter saves. Then two processes (spawned) pulling the same at once, like two Dagster runs:
with the limiter shared through one data directory (`rate_limit.sqlite`) and with a limiter
per process; the floor is both processes' calls / 20 per second.

The emulator runs as the real command in a child process (`dingtalk-attendance emulator`).

    .venv/bin/python bench/client_rate_limit.py [--users 200] [--days 7] [--threads 1]
        [--processes 2] [--headroom 0.9]

`--threads` pulls that many batches at once in the single-process pull and in each process;
`--headroom` is the limiter's spacing as a share of the limit (the client's default if omitted).

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from pipelines.dingtalk import DingTalkClient, DingTalkError, RetryPolicy
from pipelines.dingtalk.batching import chunked
from pipelines.dingtalk.throttle import DEFAULT_HEADROOM

QPS = 20.0
START = date(2026, 11, 2)
LIST = "/attendance/list"


def start_emulator(employees: int, days: int) -> tuple[subprocess.Popen, dict]:
    """Run `dingtalk-attendance emulator` in a child process; return it and its JSON line."""
    command = [
        *(sys.executable, "-m", "pipelines", "emulator"),
        *("--employees", str(employees), "--days", str(max(days, 14)), "--speed", "0"),
        *("--qps", str(QPS), "--monthly-quota", "1000000000", "--ip-limit", "0"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline() if process.stdout else ""
    if not line:
        process.kill()
        raise SystemExit("the emulator did not start")
    return process, json.loads(line)


def make_client(
    info: dict, qps_per_api: float, headroom: float, rate_limit_dir: Path | None = None
) -> DingTalkClient:
    return DingTalkClient(
        info["client_id"],
        info["client_secret"],
        info["api_base_url"],
        info["oapi_base_url"],
        qps_per_api=qps_per_api,
        limiter_headroom=headroom,
        retry=RetryPolicy(attempts=10, initial_wait=1.0, max_wait=4.0, jitter=0.5),
        rate_limit_dir=rate_limit_dir,
    )


def timed_pull(client: DingTalkClient, users: list[str], days: int, threads: int) -> dict:
    """Pull attendance/list and measure it; 90018s are counted where they surface."""
    end = START + timedelta(days=days - 1)
    reached_caller = 0
    rows = 0
    mark = client.calls_mark()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [
            pool.submit(client.list_attendance_results, batch, START, end)
            for batch in chunked(users, 50)
        ]
        for future in futures:
            try:
                rows += len(future.result())
            except DingTalkError as error:
                reached_caller += int(error.errcode == 90018)
    wall = time.perf_counter() - started
    spent = client.calls_since(mark).by_outcome
    calls = sum(count for (path, _), count in spent.items() if path == LIST)
    return {
        "rows": rows,
        "calls": calls,
        "throttled_absorbed": spent.get((LIST, "throttled"), 0),
        "throttled_reached_caller": reached_caller,
        "wall_s": wall,
        "floor_s": calls / QPS,
    }


def _process_pull(info, users, days, threads, headroom, rate_limit_dir, barrier, results) -> None:
    """One of the concurrent processes: its own client, started with the others."""
    client = make_client(info, QPS, headroom, Path(rate_limit_dir) if rate_limit_dir else None)
    with client:
        client.tokens.get()  # the token fetch is not part of the race
        barrier.wait(timeout=120)
        results.put(timed_pull(client, users, days, threads))


def concurrent_pull(
    info: dict, users: list[str], days: int, pulls: tuple[int, int, float], shared: bool
) -> dict:
    """`processes` spawned processes (of `threads` threads, at `headroom`) pull at once;
    figures summed, wall = the slowest."""
    processes, threads, headroom = pulls
    ctx = multiprocessing.get_context("spawn")
    results, barrier = ctx.Queue(), ctx.Barrier(processes)
    with tempfile.TemporaryDirectory() as data_dir:
        rate_limit_dir = data_dir if shared else None
        args = (info, users, days, threads, headroom, rate_limit_dir, barrier, results)
        workers = [ctx.Process(target=_process_pull, args=args) for _ in range(processes)]
        for worker in workers:
            worker.start()
        collected = [results.get(timeout=600) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
    total: dict[str, float] = {
        key: sum(figures[key] for figures in collected) for key in collected[0]
    }
    total["wall_s"] = max(figures["wall_s"] for figures in collected)
    total["floor_s"] = total["calls"] / QPS
    return total


def show(label: str, figures: dict) -> None:
    ratio = figures["wall_s"] / figures["floor_s"] if figures["floor_s"] else float("nan")
    print(
        f"{label:<34} rows {figures['rows']:>5}  calls {figures['calls']:>4}  "
        f"90018 reached caller {figures['throttled_reached_caller']}  "
        f"90018 absorbed by retries {figures['throttled_absorbed']:>3}  "
        f"wall {figures['wall_s']:6.2f} s  floor {figures['floor_s']:5.2f} s  "
        f"ratio {ratio:4.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="batches pulled in parallel")
    parser.add_argument("--processes", type=int, default=2, help="concurrent pulling processes")
    parser.add_argument("--headroom", type=float, default=DEFAULT_HEADROOM)
    args = parser.parse_args()
    process, info = start_emulator(args.users, args.days)
    try:
        limited = make_client(info, QPS, headroom=args.headroom)
        users = limited.list_on_job_user_ids()[: args.users]
        print(
            f"emulator enforcing {QPS:g} calls/s per API; {len(users)} users x {args.days} days; "
            f"limiter headroom {args.headroom:g}, {args.threads} thread(s) per pull"
        )
        show("limiter on", timed_pull(limited, users, args.days, args.threads))
        time.sleep(1.5)  # let the emulator's one-second windows go quiet between the runs
        unlimited = make_client(info, 1e6, headroom=1.0)
        show("limiter off (retries only)", timed_pull(unlimited, users, args.days, 4))
        limited.close()
        unlimited.close()
        print(f"{args.processes} processes pulling the same at once (floor: all their calls / 20):")
        for label, shared in (
            ("shared limiter (one data dir)", True),
            ("per-process limiters", False),
        ):
            time.sleep(1.5)
            pulls = (args.processes, args.threads, args.headroom)
            figures = concurrent_pull(info, users, args.days, pulls, shared)
            show(f"  {label}", figures)
    finally:
        process.terminate()
        process.wait(timeout=15)


if __name__ == "__main__":
    from results_io import recorded  # bench/ is on sys.path when run as a script

    with recorded("client_rate_limit"):
        main()
