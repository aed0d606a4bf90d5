"""At most N calls of an API counted in any one-second window, wherever the server counts them.

DingTalk (and the emulator) count a call in a one-second window at the moment they handle it,
which is somewhere between our sending it and our reading the answer. Spacing the sends
(`RateLimiter`) is not enough: when the server stalls for a moment (a pause of its own, or
requests held behind a slow one), the calls sent meanwhile are counted together once it
resumes, and the schedule, which thinks them spent on time, goes on at full rate in that same
window; a stall of our own process does the same to calls whose slots passed while it slept.
At 10,000 employees that cost a few 90018 rejections a run.

Here a call holds its place from the moment it is admitted until its answer is read, plus one
second: a call is admitted only while fewer than `limit` calls of its key are in flight or were
answered within the last second. Any one-second window of the server can then hold at most
`limit` calls, whatever the delays: every call counted in it was still in flight, or answered
less than a second before, when the last of them was admitted. With the spacing at 90 % of the
limit and round trips under ~0.1 s the window never waits; it bites only after a stall.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from functools import partial

WINDOW_SECONDS = 1.0
# How often a caller looks again when only unanswered calls fill the window.
POLL_SECONDS = 0.02
# A call unanswered this long belongs to a process that died (the HTTP timeout is far shorter).
STALE_SECONDS = 120.0

Answered = Callable[[], None]


class CallWindow:
    """The window of one process: calls per key in flight or answered within the last second."""

    def __init__(
        self,
        limit: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._answered: dict[str, deque[float]] = {}
        self._in_flight: Counter[str] = Counter()

    def admit(self, key: str) -> Answered:
        """Block until `key` has room; return the function to call once the answer is read."""
        while True:
            with self._lock:
                now = self._clock()
                answered = self._answered.setdefault(key, deque())
                while answered and answered[0] <= now - WINDOW_SECONDS:
                    answered.popleft()
                if self._in_flight[key] + len(answered) < self.limit:
                    self._in_flight[key] += 1
                    return partial(self._answer, key)
                wait = answered[0] + WINDOW_SECONDS - now if answered else POLL_SECONDS
            self._sleep(max(wait, 0.0))

    def _answer(self, key: str) -> None:
        with self._lock:
            self._in_flight[key] -= 1
            self._answered.setdefault(key, deque()).append(self._clock())


# The shared window's table, in the limiter's SQLite file (`SharedRateLimiter`).
SHARED_CALLS_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    started REAL NOT NULL,
    answered REAL
);
CREATE INDEX IF NOT EXISTS calls_by_key ON calls (key)
"""
# Answered over a second ago, unanswered for too long, or from a clock that went back (the file
# survived a reboot): no longer in the window.
FORGET_CALLS = """
DELETE FROM calls WHERE key = :key AND (
    answered <= :now - :window OR started <= :now - :stale OR started > :now + :window
)
"""
HELD_CALLS = "SELECT COUNT(*), MIN(answered) FROM calls WHERE key = :key"
ADMIT_CALL = "INSERT INTO calls (key, started) VALUES (:key, :now)"
ANSWER_CALL = "UPDATE calls SET answered = ? WHERE id = ?"
