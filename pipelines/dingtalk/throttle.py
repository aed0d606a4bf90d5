"""A per-API rate limiter and the circuit breaker that waits out an IP ban; both thread-safe.

DingTalk allows each app 20 calls per second per API (errcode 90018 above it) and blocks an
egress IP for minutes after 10,000 calls in 20 s. Spacing calls per endpoint keeps a backfill
from ever tripping 90018 on its own; the breaker makes every thread wait out a ban together
instead of hammering a blocked IP.

`RateLimiter` spaces the calls of one process; `SharedRateLimiter` hands out the same slots
from a small SQLite file, so every process on the host that uses the same data directory
(Dagster runs, `sync`, a backfill) stays under the limit together.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from pipelines.dingtalk import call_window as cw
from pipelines.dingtalk.call_window import Answered, CallWindow
from pipelines.state.sqlite import SqliteFile, SqliteStore

logger = logging.getLogger(__name__)

# The spacing aims at the limit itself: the one-second window (`call_window`) keeps every
# server window under it whatever the jitter, and below 1 the spacing only slowed the busiest
# API of a backfill (getcolumnval at 18/s, 1.11x its floor) with the window never waiting.
DEFAULT_HEADROOM = 1.0


class CallLimiter(Protocol):
    """Hands out call slots per key (an endpoint path); `acquire` blocks until the key's turn,
    `admit` until the key's one-second window has room (`call_window`)."""

    def acquire(self, key: str) -> float:
        """Block until `key` may be called again; return the seconds waited."""
        ...

    def admit(self, key: str) -> Answered:
        """Block until fewer than the window's calls of `key` are in flight or were answered
        within the last second; return the function to call once the answer is read."""
        ...


def default_window(calls_per_second: float) -> int:
    """The window's calls when none is given: the rate itself, rounded up."""
    return max(1, math.ceil(calls_per_second))


class RateLimiter:
    """Spaces calls of each key (an endpoint path) at least 1/rate seconds apart, with at most
    `window_calls` of them in any one-second window (`call_window`)."""

    def __init__(
        self,
        calls_per_second: float,
        *,
        window_calls: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if calls_per_second <= 0:
            raise ValueError(f"calls_per_second must be positive, got {calls_per_second}")
        self.interval = 1.0 / calls_per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}
        limit = window_calls or default_window(calls_per_second)
        self._window = CallWindow(limit, clock=clock, sleep=sleep)

    def admit(self, key: str) -> Answered:
        """Block until `key`'s one-second window has room; return what to call on the answer."""
        return self._window.admit(key)

    def acquire(self, key: str) -> float:
        """Block until `key` may be called again; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(key, now))
            self._next_slot[key] = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay


RATE_LIMIT_FILENAME = "rate_limit.sqlite"

_SLOTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS slots (
    key TEXT PRIMARY KEY,
    next_slot REAL NOT NULL
)
"""
_READ_SLOT = "SELECT next_slot FROM slots WHERE key = ?"
_WRITE_SLOT = """
INSERT INTO slots (key, next_slot) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET next_slot = excluded.next_slot
"""


class SharedRateLimiter(SqliteStore):
    """`RateLimiter`'s spacing with the next free slot per key kept in a SQLite file.

    Keys are `namespace + key`; the client uses its client id as the namespace, since DingTalk
    counts per app and per API. Every process that opens the same file draws its slots from one
    schedule per key, so together they stay at `calls_per_second` per key. Slots are reserved in
    a short `BEGIN IMMEDIATE` transaction (read the key's next slot, move it on by one
    interval); the wait happens after the commit, outside every lock. Times are
    `time.monotonic()`, which on Linux is CLOCK_MONOTONIC: one clock for every process on the
    host, immune to wall-clock steps. A slot further ahead than `max_ahead` seconds (a clock
    that went back, e.g. the file survived a reboot) is treated as stale and the schedule
    restarts from now.

    If the file cannot be used (disk error, lock held past the busy timeout), the call falls
    back to an in-process `RateLimiter` and a warning is logged: the pipeline slows down to
    per-process limiting instead of failing.
    """

    def __init__(
        self,
        path: Path | str,
        calls_per_second: float,
        *,
        window_calls: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        namespace: str = "",
        busy_timeout: float = 10.0,
        max_ahead: float = 3600.0,
    ) -> None:
        if calls_per_second <= 0:
            raise ValueError(f"calls_per_second must be positive, got {calls_per_second}")
        self.interval = 1.0 / calls_per_second
        self.window_calls = window_calls or default_window(calls_per_second)
        self.namespace = namespace
        self._clock = clock
        self._sleep = sleep
        self._max_ahead = max_ahead
        self._fallback = RateLimiter(
            calls_per_second, window_calls=self.window_calls, clock=clock, sleep=sleep
        )
        # WAL + NORMAL: commits do not fsync; a lost slot after a power cut costs nothing.
        self._db = SqliteFile(
            path,
            _SLOTS_SCHEMA + ";" + cw.SHARED_CALLS_SCHEMA,
            synchronous="NORMAL",
            busy_timeout_ms=int(busy_timeout * 1000),
        )

    @classmethod
    def in_data_dir(
        cls,
        data_dir: Path | str,
        calls_per_second: float,
        *,
        namespace: str = "",
        window_calls: int | None = None,
    ) -> SharedRateLimiter:
        """The limiter kept in `<data_dir>/rate_limit.sqlite`; keys are prefixed `namespace`."""
        path = Path(data_dir) / RATE_LIMIT_FILENAME
        return cls(path, calls_per_second, namespace=namespace, window_calls=window_calls)

    def acquire(self, key: str) -> float:
        """Block until `key` may be called again (by any process); return the seconds waited."""
        try:
            slot, now = self._reserve(key)
        except sqlite3.Error as error:
            logger.warning(
                "shared rate limit file %s unusable (%s); limiting this process only",
                self.path,
                error,
            )
            return self._fallback.acquire(key)
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)

    def _reserve(self, key: str) -> tuple[float, float]:
        with self._db.transaction() as connection:
            now = self._clock()  # read inside the write lock: slots never go backwards
            shared_key = self.namespace + key
            row = connection.execute(_READ_SLOT, (shared_key,)).fetchone()
            slot = now
            if row is not None and now < row[0] <= now + self._max_ahead:
                slot = row[0]
            connection.execute(_WRITE_SLOT, (shared_key, slot + self.interval))
        return slot, now

    def admit(self, key: str) -> Answered:
        """Block until `key`'s one-second window has room in every process sharing the file;
        return what to call once the answer is read."""
        while True:
            try:
                admitted, wait = self._try_admit(self.namespace + key)
            except sqlite3.Error as error:
                logger.warning(
                    "shared rate limit file %s unusable (%s); limiting this process only",
                    self.path,
                    error,
                )
                return self._fallback.admit(key)
            if admitted is not None:
                return lambda: self._answer(admitted)
            self._sleep(wait)

    def _try_admit(self, shared_key: str) -> tuple[int | None, float]:
        """The admitted call's row id, or None and how long to wait before asking again."""
        with self._db.transaction() as connection:
            now = self._clock()
            names = {"key": shared_key, "now": now, "window": cw.WINDOW_SECONDS}
            connection.execute(cw.FORGET_CALLS, {**names, "stale": cw.STALE_SECONDS})
            held, oldest = connection.execute(cw.HELD_CALLS, names).fetchone()
            if held < self.window_calls:
                return connection.execute(cw.ADMIT_CALL, names).lastrowid, 0.0
        if oldest is None:
            return None, cw.POLL_SECONDS
        return None, max(oldest + cw.WINDOW_SECONDS - now, 0.0)

    def _answer(self, row: int | None) -> None:
        try:
            self._db.execute(cw.ANSWER_CALL, (self._clock(), row))
        except sqlite3.Error as error:
            # The row then leaves the window as a stale call (`STALE_SECONDS`): slower, not wrong.
            logger.warning("shared rate limit file %s unusable (%s)", self.path, error)

    def __repr__(self) -> str:
        return f"SharedRateLimiter({str(self.path)!r}, interval={self.interval:.4f})"


class IpBanBreaker:
    """Open while DingTalk blocks our IP; every caller waits until the ban is over.

    Args:
        wait_override: seconds to wait out any ban, whatever the answer says.
        wait_unit_s: seconds per unit of the answer's `wait` (1: seconds, as the emulator and
            the observed short bans send it; 60 if your bans say minutes). Reading a minute as
            a second costs a few unbilled probes of a ban still in force; reading a second as a
            minute stalls a 20 s ban for 20 min, so seconds is the default.
    """

    def __init__(
        self,
        wait_override: float | None = None,
        *,
        wait_unit_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.wait_override = wait_override
        self.wait_unit_s = wait_unit_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._closed_at = 0.0
        self.trips = 0

    def trip(self, wait_seconds: float) -> float:
        """Open the breaker for the ban's wait (or the configured override); return the wait."""
        wait = self.wait_override if self.wait_override is not None else wait_seconds
        with self._lock:
            self._closed_at = max(self._closed_at, self._clock() + wait)
            self.trips += 1
        logger.warning("DingTalk blocked this IP; all calls pause for %.1f s", wait)
        return wait

    def ban_seconds(self, declared_wait: float | None, fallback_s: float) -> float:
        """How long a ban answer asks us to wait: its `wait` in our unit, else `fallback_s`."""
        return fallback_s if declared_wait is None else declared_wait * self.wait_unit_s

    def wait_until_closed(self) -> float:
        """Sleep until the breaker closes; return the seconds waited (0 when closed)."""
        waited = 0.0
        while True:
            with self._lock:
                remaining = self._closed_at - self._clock()
            if remaining <= 0:
                return waited
            self._sleep(remaining)
            waited += remaining
