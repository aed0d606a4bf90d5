"""The per-API rate limiter shared by every host (implements `CallLimiter`).

DingTalk's 20 calls per second are per app and per API, whichever host makes them. A row per
key (`namespace + endpoint`) holds the next free slot in epoch seconds of the database
server's clock, the one clock all hosts share. One upsert reserves a slot: the row lock
serialises concurrent callers, the slot moves on by one interval, and the statement returns
how long this caller must wait; the wait happens on the caller's host after the commit,
outside every lock. A slot further ahead than `max_ahead` (a server clock stepped back) is
stale and the schedule restarts from now.

If the database cannot be reached the call falls back to an in-process `RateLimiter` and a
warning is logged: the pipeline slows down to per-process limiting instead of failing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import psycopg

from pipelines.dingtalk.throttle import RateLimiter
from pipelines.state.postgres.database import PostgresDatabase, PostgresStore, redacted

logger = logging.getLogger(__name__)

_RESERVE = """
INSERT INTO rate_slots AS s (key, next_slot) VALUES (%(key)s, state_now_s() + %(interval)s)
ON CONFLICT (key) DO UPDATE SET next_slot = CASE
    WHEN s.next_slot > state_now_s() AND s.next_slot <= state_now_s() + %(max_ahead)s
    THEN s.next_slot ELSE state_now_s() END + %(interval)s
RETURNING s.next_slot - %(interval)s - state_now_s()
"""


class PostgresRateLimiter(PostgresStore):
    """Spaces the calls of each key `1 / calls_per_second` apart across every host."""

    def __init__(
        self,
        database: PostgresDatabase,
        calls_per_second: float,
        *,
        namespace: str = "",
        sleep: Callable[[float], None] = time.sleep,
        max_ahead: float = 3600.0,
    ) -> None:
        if calls_per_second <= 0:
            raise ValueError(f"calls_per_second must be positive, got {calls_per_second}")
        self._db = database
        self.interval = 1.0 / calls_per_second
        self.namespace = namespace
        self._sleep = sleep
        self._max_ahead = max_ahead
        self._fallback = RateLimiter(calls_per_second, sleep=sleep)

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

    def __repr__(self) -> str:
        return f"PostgresRateLimiter({self._db!r}, interval={self.interval:.4f})"
