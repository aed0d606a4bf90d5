"""The refresh queue, the quota ledger and the shared rate limiter behave the same on SQLite
and PostgreSQL; on PostgreSQL the limiter's schedule is shared by separate processes."""

from __future__ import annotations

import multiprocessing
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines.days import SHANGHAI
from pipelines.refresh.requests import RefreshRequest
from pipelines.state.factory import StateLocation


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=SHANGHAI)


def test_refresh_requests_round_trip_in_order(state):
    with state.refresh_requests() as queue:
        assert queue.add([]) == 0
        queue.add([RefreshRequest(date(2026, 11, 2), frozenset({"b", "a"}), "approval p1")])
        queue.add([RefreshRequest(date(2026, 11, 3), None, "approval p2")])
    with state.refresh_requests() as reopened:
        first, second = reopened.read_after(0)
        assert (first.work_date, first.users, first.reason) == (
            date(2026, 11, 2),
            {"a", "b"},
            "approval p1",
        )
        assert (second.users, second.seq > first.seq) == (None, True)
        assert reopened.read_after(first.seq) == [second]
        assert reopened.read_after(0, limit=1) == [first]


def test_the_ledger_counts_billed_metered_calls_of_this_month_only(state):
    ledger = state.ledger()
    for outcome, when in [
        ("ok", at(3)),
        ("ok", at(28)),
        ("error", at(28)),
        ("throttled", at(28)),  # not billed
        ("unreachable", at(28)),  # not billed
        ("ok", at(30, month=10)),  # last month
        ("ok", at(29)),  # after `now`
    ]:
        ledger.record("/attendance/list", True, outcome, when)
    ledger.record("/gettoken", False, "ok", at(28))
    # 2026-11-30 17:00 UTC is already 2026-12-01 in Shanghai.
    ledger.record("/attendance/list", True, "ok", datetime.fromisoformat("2026-11-30T17:00:00Z"))
    assert ledger.month_to_date(at(28)) == {"/attendance/list": 3}
    assert ledger.month_to_date(at(1, month=12)) == {"/attendance/list": 1}
    outcomes = ledger.outcomes(date(2026, 11, 28), date(2026, 11, 28))
    assert outcomes[("/attendance/list", "throttled")] == 1
    assert outcomes[("/gettoken", "ok")] == 1
    with pytest.raises(ValueError, match="unknown outcome"):
        ledger.record("/x", True, "maybe")
    ledger.close()


def test_the_limiter_spaces_calls_of_one_key_and_leaves_other_keys_alone(state):
    limiter = state.limiter(1.0, namespace="app ")  # one a second: the test's own pace is noise
    limiter._sleep = lambda _seconds: None  # type: ignore[attr-defined]  # reserve, never wait
    waits = [limiter.acquire("/a") for _ in range(5)]
    other = limiter.acquire("/b")
    # Back to back, each reservation lands one interval after the one before.
    assert waits[0] < 0.5 and all(b > a for a, b in zip(waits, waits[1:], strict=False))
    assert 3.0 < waits[-1] <= 4.0
    assert other < 0.5


def test_the_window_holds_calls_in_flight_and_answered_within_a_second(state):
    """Two limiters on one state (two processes or hosts) count one window per key."""
    first, second = (state.limiter(1000.0, namespace="app ", window_calls=2) for _ in range(2))
    answered = first.admit("/a")
    second.admit("/a")
    second.admit("/b")  # another key has its own window
    held, wait = second._try_admit("app /a")  # type: ignore[attr-defined]
    assert held is None and 0 < wait < 0.5  # both in flight: look again soon
    answered()
    held, wait = first._try_admit("app /a")  # type: ignore[attr-defined]
    assert held is None and 0.5 < wait <= 1.0  # answered just now: in the window for a second


def _acquire(url: str, data_dir: str, calls: int, barrier, results) -> None:
    limiter = StateLocation(Path(data_dir), url).limiter(RATE, namespace="app ")
    barrier.wait(timeout=60)
    for _ in range(calls):
        limiter.acquire("/attendance/list")
    results.put(time.time())


RATE = 10.0


def test_processes_on_postgres_draw_from_one_schedule(postgres_url, tmp_path):
    """Three processes, 10 calls each: one schedule makes the 30 calls span 29 intervals."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(4), context.Queue()
    workers = [
        context.Process(target=_acquire, args=(postgres_url, str(tmp_path), 10, barrier, results))
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=60)
    started = time.time()
    finished = max(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    # A lower bound only (a slow machine makes it longer): each process alone would be done
    # after 9 intervals (0.9 s).
    assert finished - started >= 29 / RATE - 0.05


def test_an_unreachable_database_falls_back_to_per_process_limiting(postgres_state, caplog):
    limiter = postgres_state.limiter(10.0)
    limiter._db.close()  # type: ignore[attr-defined]  # the pool is gone: every call fails
    limiter._sleep = lambda _seconds: None  # type: ignore[attr-defined]
    assert limiter.acquire("/a") == 0
    assert "limiting this process only" in caplog.text
