"""A per-API rate limiter and the circuit breaker that waits out an IP ban; both thread-safe.

DingTalk allows each app 20 calls per second per API (errcode 90018 above it) and blocks an
egress IP for minutes after 10,000 calls in 20 s. Spacing calls per endpoint keeps a backfill
from ever tripping 90018 on its own; the breaker makes every thread wait out a ban together
instead of hammering a blocked IP.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

# Aim a little under the documented limit: the server counts arrivals, and network jitter can
# push two spaced calls into one of its one-second windows.
DEFAULT_HEADROOM = 0.9


class RateLimiter:
    """Spaces calls of each key (an endpoint path) at least 1/rate seconds apart."""

    def __init__(
        self,
        calls_per_second: float,
        *,
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


class IpBanBreaker:
    """Open while DingTalk blocks our IP; every caller waits until the ban is over."""

    def __init__(
        self,
        wait_override: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.wait_override = wait_override
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
