"""Benchmark: sustained HTTP API requests per second the emulator answers (target >= 500/s on
2 cores), so that it is never the bottleneck of another benchmark.

The emulator runs as the real command in a child process (`dingtalk-attendance emulator`), the
load comes from this process: several threads, each with its own keep-alive `httpx.Client`.
Side by side in one run: the same request mix through `mock_transport` in-process (no socket),
to show what the socket and the server cost.

    .venv/bin/python bench/emulator_api.py [--seconds 5] [--threads 4]

Figures are printed, never asserted. Limits (QPS, quota, IP ban) are lifted for the run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import threading
import time

import httpx

from pipelines.emulator.app import mock_transport
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.state import EmulatorState

ARGS = [
    "--employees",
    "200",
    "--days",
    "14",
    "--speed",
    "0",
    "--qps",
    "1000000000",
    "--monthly-quota",
    "1000000000",
    "--ip-limit",
    "0",
]
USERS = [f"user{i:04d}" for i in range(1, 201)]


def _requests(token: str):
    """An endless realistic mix: per-user-day detail, paged results, punches, report values."""
    query = {"access_token": token}
    for i in itertools.count():
        user = USERS[i % len(USERS)]
        day = f"2026-11-{2 + i % 13:02d}"
        kind = i % 4
        if kind == 0:
            yield "/topapi/attendance/getupdatedata", query, {"userid": user, "work_date": day}
        elif kind == 1:
            batch = USERS[(i % 4) * 50 : (i % 4) * 50 + 50]
            yield (
                "/attendance/list",
                query,
                {
                    "workDateFrom": f"{day} 00:00:00",
                    "workDateTo": f"{day} 00:00:00",
                    "userIdList": batch,
                    "offset": 0,
                    "limit": 50,
                },
            )
        elif kind == 2:
            yield (
                "/attendance/listRecord",
                query,
                {
                    "checkDateFrom": f"{day} 00:00:00",
                    "checkDateTo": f"{day} 23:59:59",
                    "userIds": USERS[:10],
                },
            )
        else:
            yield (
                "/topapi/attendance/getcolumnval",
                query,
                {
                    "userid": user,
                    "column_id_list": "129339038,129339041,129339042",
                    "from_date": f"{day} 00:00:00",
                    "to_date": f"{day} 00:00:00",
                },
            )


def _load(make_client, base: str, token: str, seconds: float, threads: int) -> tuple[int, int]:
    counts, errors, stop = [0] * threads, [0] * threads, threading.Event()

    def worker(slot: int) -> None:
        with make_client() as client:
            for path, query, body in _requests(token):
                if stop.is_set():
                    return
                answer = client.post(base + path, params=query, json=body).json()
                counts[slot] += 1
                errors[slot] += answer.get("errcode", 0) != 0

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(counts), sum(errors)


def _over_socket(seconds: float, threads: int) -> tuple[float, int]:
    command = [sys.executable, "-m", "pipelines", "emulator", *ARGS]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        token = httpx.get(
            f"{info['oapi_base_url']}/gettoken",
            params={"appkey": info["client_id"], "appsecret": info["client_secret"]},
        ).json()["access_token"]
        started = time.perf_counter()
        done, errors = _load(
            lambda: httpx.Client(timeout=10), info["oapi_base_url"], token, seconds, threads
        )
        return done / (time.perf_counter() - started), errors
    finally:
        process.terminate()
        process.wait(timeout=15)


def _in_process(seconds: float, threads: int) -> tuple[float, int]:
    state = EmulatorState(
        EmulatorConfig(employees=200, qps_per_api=1e9, monthly_quota=10**9, ip_limit_calls=0)
    )
    transport = mock_transport(state)
    token, _ = state.tokens.issue()
    started = time.perf_counter()
    done, errors = _load(
        lambda: httpx.Client(transport=transport), "http://emu/oapi", token, seconds, threads
    )
    return done / (time.perf_counter() - started), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    socket_rate, socket_errors = _over_socket(args.seconds, args.threads)
    local_rate, local_errors = _in_process(args.seconds, args.threads)
    print(
        f"emulator API over loopback (child process, {args.threads} client threads): "
        f"{socket_rate:,.0f} requests/s, {socket_errors} error answers (target >= 500/s)"
    )
    print(
        f"same mix through mock_transport in-process:          {local_rate:,.0f} requests/s, "
        f"{local_errors} error answers"
    )
    print(f"ratio loopback / in-process: {socket_rate / local_rate:.2f}")


if __name__ == "__main__":
    from results_io import recorded  # bench/ is on sys.path when run as a script

    with recorded("emulator_api"):
        main()
