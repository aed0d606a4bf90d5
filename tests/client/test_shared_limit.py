"""The per-API limit is shared by every process using one data directory (real processes)."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from pipelines.dingtalk import DingTalkClient, QuotaLedger, RetryPolicy
from pipelines.dingtalk.batching import chunked
from pipelines.dingtalk.throttle import RATE_LIMIT_FILENAME, RateLimiter, SharedRateLimiter
from pipelines.emulator.server import EmulatorConfig, EmulatorServer

pytestmark = pytest.mark.integration

RATE = 40.0  # the limiter's rate in the timestamp test
CALLS = 20  # per process and key
START = date(2026, 11, 2)
LIST = "/attendance/list"


def _acquire_many(data_dir: str, key: str, calls: int, barrier, results) -> None:
    read = [0.0]

    def clock() -> float:  # the limiter reads the clock once per acquire, inside its lock
        read[0] = time.monotonic()
        return read[0]

    limiter = SharedRateLimiter(Path(data_dir) / RATE_LIMIT_FILENAME, RATE, clock=clock)
    barrier.wait(timeout=60)
    stamps = []
    for _ in range(calls):
        waited = limiter.acquire(key)
        # The slot the limiter granted (exact) and when the call really went out (jittery).
        stamps.append((read[0] + waited, time.monotonic()))
    limiter.close()
    results.put((key, stamps))


def _max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best, first = 0, 0
    for last, stamp in enumerate(times):
        while stamp - times[first] >= window - 1e-9:  # slots 1/RATE apart sum up inexactly
            first += 1
        best = max(best, last - first + 1)
    return best


def _run(targets: list[tuple], ctx) -> list:
    results = ctx.Queue()
    barrier = ctx.Barrier(len(targets))
    processes = [
        ctx.Process(target=target, args=(*args, barrier, results)) for target, args in targets
    ]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=120) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    assert all(process.exitcode == 0 for process in processes)
    return collected


def test_processes_sharing_a_data_dir_stay_within_the_rate_per_api(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    keys = ["/a", "/a", "/a", "/b"]  # three processes on one API, one on another
    collected = _run([(_acquire_many, (str(tmp_path), key, CALLS)) for key in keys], ctx)
    slots: dict[str, list[float]] = {"/a": [], "/b": []}
    sent: dict[str, list[float]] = {"/a": [], "/b": []}
    for key, stamps in collected:
        slots[key] += [slot for slot, _ in stamps]
        sent[key] += [at for _, at in stamps]
    assert len(slots["/a"]) == 3 * CALLS and len(slots["/b"]) == CALLS
    assert (tmp_path / RATE_LIMIT_FILENAME).exists()

    # The granted slots of one API, across the three processes, are one schedule: every gap
    # at least one interval, so no one-second window holds more than RATE of them.
    a_slots = sorted(slots["/a"])
    gaps = [later - earlier for earlier, later in zip(a_slots, a_slots[1:], strict=False)]
    assert min(gaps) >= 1 / RATE - 1e-6
    assert _max_in_window(a_slots) <= RATE
    # When the calls really went out (scheduler jitter on a loaded machine bunches a few):
    # per-process limiters would send 3 x RATE = 120 in a second.
    assert _max_in_window(sent["/a"]) <= RATE * 1.25

    # Another API has its own schedule: /b's slots fall between /a's, closer than an interval.
    merged = sorted([(slot, "/a") for slot in a_slots] + [(slot, "/b") for slot in slots["/b"]])
    close_pairs = sum(
        1
        for (t1, k1), (t2, k2) in zip(merged, merged[1:], strict=False)
        if k1 != k2 and t2 - t1 < 1 / RATE - 1e-6
    )
    assert close_pairs >= 1
    assert min(b - a for a, b in zip(slots["/b"], slots["/b"][1:], strict=False)) >= 1 / RATE - 1e-6


def _pull(info: dict, data_dir: str, shared: bool, barrier, results) -> None:
    ledger = QuotaLedger.in_data_dir(data_dir)
    client = DingTalkClient(
        info["client_id"],
        info["client_secret"],
        info["api_base_url"],
        info["oapi_base_url"],
        qps_per_api=20,
        ledger=ledger,
        retry=RetryPolicy(attempts=10, initial_wait=0.2, max_wait=1.0, jitter=0.1),
        rate_limit_dir=data_dir if shared else None,
    )
    with client:
        assert isinstance(client.limiter, RateLimiter | SharedRateLimiter)
        assert client.limiter.interval == pytest.approx(1 / 20)  # the default headroom: 1.0
        batches = list(chunked(info["users"], 50))
        client.tokens.get()  # fetch the token before the start line
        barrier.wait(timeout=60)
        with client.track_calls() as spent, ThreadPoolExecutor(len(batches)) as pool:
            # A thread per batch of 50 users: two processes x three threads call at once.
            pulled = pool.map(
                lambda batch: client.list_attendance_results(
                    batch, START, START + timedelta(days=13)
                ),
                batches,
            )
            rows = sum(len(found) for found in pulled)
    ledger.close()
    results.put((rows, dict(spent.by_outcome)))


def test_two_processes_pulling_from_one_emulator_get_no_90018(tmp_path):
    """At the default headroom (spacing at the limit itself) only the shared one-second call
    window keeps the server's windows under 20: no 90018 with threads in two processes."""
    config = EmulatorConfig(employees=150, start=START, days=14, qps_per_api=20)
    ctx = multiprocessing.get_context("spawn")
    with EmulatorServer(config) as emulator:
        state = emulator.state
        assert state is not None
        info = {
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
            "api_base_url": emulator.api_base_url,
            "oapi_base_url": emulator.oapi_base_url,
            "users": [employee.userid for employee in state.org.employees],
        }
        collected = _run([(_pull, (info, str(tmp_path), True)) for _ in range(2)], ctx)
        stats = httpx.get(f"{emulator.control_url}/stats").json()

    rows = {count for count, _ in collected}
    assert len(rows) == 1 and rows.pop() > 1000  # both pulls complete and identical in size
    list_calls = sum(
        count for _, spent in collected for (path, _), count in spent.items() if path == LIST
    )
    throttled = sum(spent.get((LIST, "throttled"), 0) for _, spent in collected)
    assert list_calls >= 100  # five seconds and more at the limit: enough to trip 90018 unshared
    assert throttled == 0
    assert stats["rejected"].get("qps", 0) == 0
    outcomes = QuotaLedger.in_data_dir(Path(tmp_path)).outcomes(date(2000, 1, 1), date(2100, 1, 1))
    assert not any(outcome == "throttled" for (_, outcome) in outcomes)
