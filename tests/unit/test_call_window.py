"""After a stall, spaced calls no longer overflow the server's one-second window: the calls held
during the stall are counted together when it ends, and the limiter's window keeps the rest of
that second under the limit (the emulator's own window counter, on one fake clock)."""

from __future__ import annotations

import pytest

from pipelines.dingtalk.call_window import CallWindow
from pipelines.dingtalk.throttle import CallLimiter, RateLimiter, SharedRateLimiter
from pipelines.emulator.limits import WindowCounter

KEY = "/topapi/attendance/getcolumnval"
LIMIT = 20  # the emulator's and DingTalk's calls per second per API
RATE = 18.0  # the client's spacing (90 % of the limit)


class FakeClock:
    """A clock that only moves when something sleeps (or the test jumps it)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _stalled_run(limiters: list[CallLimiter], clock: FakeClock) -> int:
    """Calls at the limiter's pace, with four of them held by a server stall that ends just
    after a window starts; returns how many the server's window counter rejects."""
    server = WindowCounter(1.0, monotonic=clock)
    rejected = 0

    def counted() -> None:
        nonlocal rejected
        rejected += not server.hit(KEY, LIMIT)

    def call(limiter: CallLimiter) -> None:
        limiter.acquire(KEY)
        answered = limiter.admit(KEY)
        counted()
        answered()

    while clock.now < 9.5:
        call(limiters[0])
    held = []
    for _ in range(4):  # four threads' calls sent while the server stands still
        limiters[0].acquire(KEY)
        held.append(limiters[0].admit(KEY))
    clock.now = 10.02  # the server resumes: it counts the four, then answers them
    for answered in held:
        counted()
        answered()
    for index in range(40):
        call(limiters[index % len(limiters)])
    return rejected


def test_spacing_alone_overflows_the_window_after_a_stall():
    clock = FakeClock()
    unbounded = RateLimiter(RATE, window_calls=10**6, clock=clock, sleep=clock.sleep)
    assert _stalled_run([unbounded], clock) > 0  # what the limiter did before the window


def test_the_window_keeps_the_second_after_a_stall_under_the_limit():
    clock = FakeClock()
    limiter = RateLimiter(RATE, window_calls=LIMIT, clock=clock, sleep=clock.sleep)
    assert _stalled_run([limiter], clock) == 0


def test_processes_sharing_the_limiter_file_share_the_window(tmp_path):
    clock = FakeClock()

    def shared() -> SharedRateLimiter:
        path = tmp_path / "rate_limit.sqlite"
        return SharedRateLimiter(path, RATE, window_calls=LIMIT, clock=clock, sleep=clock.sleep)

    assert _stalled_run([shared(), shared()], clock) == 0


def test_a_call_in_flight_holds_its_place_until_answered():
    clock = FakeClock()
    window = CallWindow(2, clock=clock, sleep=clock.sleep)
    first = window.admit(KEY)
    window.admit("/other")  # another API has a window of its own
    window.admit(KEY)
    clock.now = 5.0
    first()  # answered at 5.0: its place is free again at 6.0
    window.admit(KEY)
    assert clock.now == pytest.approx(6.0)


def test_a_window_needs_room_for_one_call():
    with pytest.raises(ValueError, match="at least 1"):
        CallWindow(0)
