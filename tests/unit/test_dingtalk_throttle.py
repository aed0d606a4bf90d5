"""The limiter spaces calls per API (also across processes), the ban breaker holds all threads,
tokens are shared."""

from __future__ import annotations

import threading
import time

import pytest

from pipelines.dingtalk.auth import IssuedToken, TokenProvider
from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.errors import BadCredentialsError, TransientError
from pipelines.dingtalk.throttle import (
    RATE_LIMIT_FILENAME,
    IpBanBreaker,
    RateLimiter,
    SharedRateLimiter,
)


class FakeClock:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def test_limiter_spaces_calls_of_one_api_at_the_rate():
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock, sleep=clock.sleep)
    slots = []
    for _ in range(41):
        limiter.acquire("/attendance/list")
        slots.append(clock.now)
    assert slots[-1] == pytest.approx(2.0)  # 41 calls at 20/s take 2 s, not less
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)]
    assert min(gaps) == pytest.approx(0.05)


def test_limiter_keys_are_independent():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    limiter.acquire("/a")
    assert limiter.acquire("/b") == 0.0  # another API is not held back
    assert limiter.acquire("/a") == pytest.approx(0.1)


def test_limiter_hands_out_distinct_slots_to_threads():
    limiter = RateLimiter(1000)
    waits = []
    threads = [
        threading.Thread(target=lambda: waits.append(limiter.acquire("/x"))) for _ in range(20)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 20 calls at 1000/s need at least 19 ms whatever the thread interleaving.
    assert time.monotonic() - started >= 0.019


def test_limiter_rejects_a_nonsense_rate():
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)


def shared(tmp_path, clock, rate=20.0, **options) -> SharedRateLimiter:
    return SharedRateLimiter(
        tmp_path / RATE_LIMIT_FILENAME, rate, clock=clock, sleep=clock.sleep, **options
    )


def test_shared_limiter_spaces_one_process_like_the_in_process_limiter(tmp_path):
    clock, twin = FakeClock(), FakeClock()
    limiter, local = shared(tmp_path, clock), RateLimiter(20, clock=twin, sleep=twin.sleep)
    for key in ["/a", "/a", "/b", "/a", "/b", "/b", "/a"]:
        assert limiter.acquire(key) == pytest.approx(local.acquire(key))
        assert clock.now == pytest.approx(twin.now)
    limiter.close()


def test_two_limiters_on_one_file_share_each_schedule(tmp_path):
    clock = FakeClock()  # one host clock, two "processes" (connections) on one file
    first, second = shared(tmp_path, clock, rate=10), shared(tmp_path, clock, rate=10)
    assert first.acquire("/a") == 0.0
    assert second.acquire("/a") == pytest.approx(0.1)  # the slot after the other's
    clock.now = 0.0  # both reserved before either slept: the next one is two slots out
    assert first.acquire("/a") == pytest.approx(0.2)
    assert second.acquire("/b") == 0.0  # another API is not held back
    first.close()
    second.close()


def test_namespaces_keep_apps_apart(tmp_path):
    clock = FakeClock()
    one = shared(tmp_path, clock, rate=10, namespace="app-1 ")
    other = shared(tmp_path, clock, rate=10, namespace="app-2 ")
    assert one.acquire("/a") == 0.0 and other.acquire("/a") == 0.0
    one.close()
    other.close()


def test_a_slot_implausibly_far_ahead_is_dropped(tmp_path):
    clock = FakeClock()
    limiter = shared(tmp_path, clock, rate=10, max_ahead=60)
    clock.now = 10_000.0
    limiter.acquire("/a")
    clock.now = 5.0  # the clock restarted (a reboot) while the file kept the old schedule
    assert limiter.acquire("/a") == 0.0
    assert limiter.acquire("/a") == pytest.approx(0.1)
    limiter.close()


def test_shared_limiter_falls_back_to_this_process_when_the_file_fails(tmp_path, caplog):
    clock = FakeClock()
    limiter = shared(tmp_path, clock, rate=10)
    limiter.close()  # every statement now raises sqlite3.ProgrammingError
    assert limiter.acquire("/a") == 0.0
    assert limiter.acquire("/a") == pytest.approx(0.1)
    assert "limiting this process only" in caplog.text


def test_shared_limiter_hands_out_distinct_slots_to_threads(tmp_path):
    limiter = SharedRateLimiter(tmp_path / RATE_LIMIT_FILENAME, 1000)
    waits = []
    threads = [
        threading.Thread(target=lambda: waits.append(limiter.acquire("/x"))) for _ in range(20)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 20 calls at 1000/s need at least 19 ms whatever the thread interleaving.
    assert len(waits) == 20 and time.monotonic() - started >= 0.019
    limiter.close()


def test_client_limits_in_memory_without_a_data_dir_and_shares_with_one(tmp_path):
    with DingTalkClient("id", "secret", "http://x", "http://x/oapi") as alone:
        assert isinstance(alone.limiter, RateLimiter)
    with DingTalkClient("id", "secret", "http://x", "http://x/oapi", rate_limit_dir=tmp_path) as c:
        assert isinstance(c.limiter, SharedRateLimiter)
        assert c.limiter.path == tmp_path / RATE_LIMIT_FILENAME
        assert c.limiter.namespace == "id "
        assert c.limiter.interval == pytest.approx(1 / 20)  # the limit itself: the window holds it


def test_breaker_waits_out_the_ban_and_then_lets_calls_through():
    clock = FakeClock()
    breaker = IpBanBreaker(clock=clock, sleep=clock.sleep)
    assert breaker.wait_until_closed() == 0
    breaker.trip(300)
    assert breaker.wait_until_closed() == pytest.approx(300)
    assert breaker.wait_until_closed() == 0 and breaker.trips == 1


def test_breaker_wait_override_wins_over_the_answer():
    clock = FakeClock()
    breaker = IpBanBreaker(wait_override=2.5, clock=clock, sleep=clock.sleep)
    assert breaker.trip(300) == 2.5
    assert breaker.wait_until_closed() == pytest.approx(2.5)


def test_one_token_fetch_serves_many_concurrent_threads():
    fetched = []

    def fetch():
        time.sleep(0.05)  # slow enough that every thread arrives while it runs
        fetched.append(1)
        return IssuedToken(f"token-{len(fetched)}", 7200)

    provider = TokenProvider([fetch])
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(provider.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fetched) == 1 and set(seen) == {"token-1"}


def test_token_is_refetched_before_it_expires():
    clock = FakeClock()
    tokens = iter(["first", "second"])
    provider = TokenProvider(
        [lambda: IssuedToken(next(tokens), 7200)], safety_margin=300, clock=clock
    )
    assert provider.get() == "first"
    clock.now = 6899
    assert provider.get() == "first"
    clock.now = 6900  # 7200 - 300: inside the safety margin
    assert provider.get() == "second"


def test_invalidate_only_drops_the_token_that_was_rejected():
    tokens = iter(["first", "second", "third"])
    provider = TokenProvider([lambda: IssuedToken(next(tokens), 7200)])
    assert provider.get() == "first"
    provider.invalidate("first")
    assert provider.get() == "second"
    provider.invalidate("first")  # a slow thread reporting the old token changes nothing
    assert provider.get() == "second" and provider.fetches == 2


def test_token_falls_back_to_the_old_endpoint_but_not_on_bad_credentials():
    def broken():
        raise TransientError("new endpoint down")

    provider = TokenProvider([broken, lambda: IssuedToken("old-api-token", 7200)])
    assert provider.get() == "old-api-token"

    def refused():
        raise BadCredentialsError("bad secret")

    never = []
    strict = TokenProvider([refused, lambda: never.append(1) or IssuedToken("x", 1)])
    with pytest.raises(BadCredentialsError):
        strict.get()
    assert never == []
