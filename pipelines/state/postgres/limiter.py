"""The per-API rate limiter shared by every host (implements `CallLimiter`).

DingTalk's 20 calls per second are per app and per API, whichever host makes them. A row per
key (`namespace + endpoint`) holds the next free slot in epoch seconds of the database
server's clock, the one clock all hosts share. One upsert reserves a slot: the row lock
serialises concurrent callers, the slot moves on by one interval, and the statement returns
how long this caller must wait; the wait happens on the caller's host after the commit,
outside every lock. A slot further ahead than `max_ahead` (a server clock stepped back) is
stale and the schedule restarts from now.

`admit` keeps the one-second window of `pipelines.dingtalk.call_window` in `rate_calls`: the
key's `rate_slots` row is locked while the window is counted, so admissions of one key are
serialised across hosts, and times are the server's clock too.

If the database cannot be reached the call falls back to an in-process `RateLimiter` and a
warning is logged: the pipeline slows down to per-process limiting instead of failing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import cast

import psycopg

from pipelines.dingtalk import call_window as cw
from pipelines.dingtalk.call_window import Answered
from pipelines.dingtalk.throttle import RateLimiter, default_window
from pipelines.state.postgres.database import PostgresDatabase, PostgresStore, redacted

logger = logging.getLogger(__name__)

_RESERVE = """
INSERT INTO rate_slots AS s (key, next_slot) VALUES (%(key)s, state_now_s() + %(interval)s)
ON CONFLICT (key) DO UPDATE SET next_slot = CASE
    WHEN s.next_slot > state_now_s() AND s.next_slot <= state_now_s() + %(max_ahead)s
    THEN s.next_slot ELSE state_now_s() END + %(interval)s
RETURNING s.next_slot - %(interval)s - state_now_s()
"""
# Serialises the admissions of one key (the row exists once the key was acquired).
_LOCK_KEY = """
INSERT INTO rate_slots (key, next_slot) VALUES (%(key)s, state_now_s())
ON CONFLICT (key) DO UPDATE SET next_slot = rate_slots.next_slot
"""
_FORGET = """
DELETE FROM rate_calls WHERE key = %(key)s AND (
    answered <= state_now_s() - %(window)s OR started <= state_now_s() - %(stale)s
    OR started > state_now_s() + %(window)s
)
"""
_HELD = """
SELECT count(*), min(answered) + %(window)s - state_now_s() FROM rate_calls WHERE key = %(key)s
"""
_ADMIT = "INSERT INTO rate_calls (key, started) VALUES (%(key)s, state_now_s()) RETURNING id"
_ANSWER = "UPDATE rate_calls SET answered = state_now_s() WHERE id = %(id)s"


class PostgresRateLimiter(PostgresStore):
    """Spaces the calls of each key `1 / calls_per_second` apart across every host."""

    def __init__(
        self,
        database: PostgresDatabase,
        calls_per_second: float,
        *,
        namespace: str = "",
        window_calls: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_ahead: float = 3600.0,
    ) -> None:
        if calls_per_second <= 0:
            raise ValueError(f"calls_per_second must be positive, got {calls_per_second}")
        self._db = database
        self.interval = 1.0 / calls_per_second
        self.window_calls = window_calls or default_window(calls_per_second)
        self.namespace = namespace
        self._sleep = sleep
        self._max_ahead = max_ahead
        self._fallback = RateLimiter(calls_per_second, window_calls=self.window_calls, sleep=sleep)

    def acquire(self, key: str) -> float:
        """Block until `key` may be called again (by any host); return the seconds waited."""
        params = {
            "key": self.namespace + key,
            "interval": self.interval,
            "max_ahead": self._max_ahead,
        }
        try:
            row = self._db.fetch_one(_RESERVE, params)
        except psycopg.Error as error:
            logger.warning(
                "shared rate limit in %s unusable (%s); limiting this process only",
                redacted(self.url),
                error,
            )
            return self._fallback.acquire(key)
        delay = float(row[0]) if row else 0.0
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)

    def admit(self, key: str) -> Answered:
        """Block until `key`'s one-second window has room on every host; return what to call
        once the answer is read."""
        while True:
            try:
                admitted, wait = self._try_admit(self.namespace + key)
            except psycopg.Error as error:
                logger.warning(
                    "shared rate limit in %s unusable (%s); limiting this process only",
                    redacted(self.url),
                    error,
                )
                return self._fallback.admit(key)
            if admitted is not None:
                return lambda: self._answer(admitted)
            self._sleep(wait)

    def _try_admit(self, shared_key: str) -> tuple[int | None, float]:
        """The admitted call's id, or None and how long to wait before asking again."""
        names = {"key": shared_key, "window": cw.WINDOW_SECONDS, "stale": cw.STALE_SECONDS}
        with self._db.transaction() as connection:
            connection.execute(_LOCK_KEY.encode(), names)
            connection.execute(_FORGET.encode(), names)
            row = connection.execute(_HELD.encode(), names).fetchone()
            held, wait = (row[0], row[1]) if row else (0, None)
            if held < self.window_calls:
                (call_id,) = cast(tuple[int], connection.execute(_ADMIT.encode(), names).fetchone())
                return call_id, 0.0
        return None, cw.POLL_SECONDS if wait is None else max(float(wait), 0.0)

    def _answer(self, call_id: int | None) -> None:
        try:
            self._db.execute(_ANSWER, {"id": call_id})
        except psycopg.Error as error:
            # The row then leaves the window as a stale call: slower, not wrong.
            logger.warning("shared rate limit in %s unusable (%s)", redacted(self.url), error)

    def __repr__(self) -> str:
        return f"PostgresRateLimiter({self._db!r}, interval={self.interval:.4f})"
