"""Tokens, per-API QPS windows, the monthly quota, IP bans and metering (thread-safe)."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass


@dataclass
class _Token:
    value: str
    expires_at: float
    calls: int = 0


class TokenStore:
    """One app token at a time: re-fetching inside validity returns it and extends it."""

    def __init__(self, ttl_seconds: float, monotonic=time.monotonic) -> None:
        self._ttl, self._monotonic = ttl_seconds, monotonic
        self._current: _Token | None = None
        self._lock = threading.Lock()

    def issue(self) -> tuple[str, int]:
        """The current token (or a new one) and its remaining lifetime in whole seconds."""
        with self._lock:
            now = self._monotonic()
            if self._current is None or self._current.expires_at <= now:
                self._current = _Token(secrets.token_hex(16), now + self._ttl)
            self._current.expires_at = now + self._ttl
            return self._current.value, int(self._ttl)

    def check(self, value: str | None, expire_after_calls: int = 0) -> bool:
        """True if `value` is the live token; counts the call for the expire-after-K fault."""
        with self._lock:
            token = self._current
            if not value or token is None or token.value != value:
                return False
            if token.expires_at <= self._monotonic():
                return False
            token.calls += 1
            if expire_after_calls and token.calls > expire_after_calls:
                self._current = None
                return False
            return True

    def expire_now(self) -> None:
        with self._lock:
            self._current = None


class WindowCounter:
    """Fixed one-window counters per key: `hit` is False once `limit` calls fell in a window."""

    def __init__(self, window_seconds: float, monotonic=time.monotonic) -> None:
        self._window, self._monotonic = window_seconds, monotonic
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: float) -> bool:
        return self.counted_in(key, limit) is not None

    def counted_in(self, key: str, limit: float) -> int | None:
        """The window (its index) the call was counted in; None once `limit` calls fell in it."""
        with self._lock:
            window = int(self._monotonic() // self._window)
            seen_window, count = self._counts.get(key, (window, 0))
            if seen_window != window:
                count = 0
            if count >= limit:
                self._counts[key] = (window, count)
                return None
            self._counts[key] = (window, count + 1)
            return window


class Meter:
    """Calls per API (all, and metered ones per simulated month) and rejections by reason."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.metered: Counter[str] = Counter()
        self.metered_by_month: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self._lock = threading.Lock()

    def admit(self, api: str, metered: bool, month: str, quota: int) -> bool:
        """Count one call; a metered call over the month's quota is refused (False), atomically."""
        with self._lock:
            if metered and self.metered_by_month[month] >= quota:
                self.rejected["quota"] += 1
                return False
            self.calls[api] += 1
            if metered:
                self.metered[api] += 1
                self.metered_by_month[month] += 1
            return True

    def reject(self, reason: str) -> None:
        with self._lock:
            self.rejected[reason] += 1

    def metered_in(self, month: str) -> int:
        return self.metered_by_month[month]


class IpGuard:
    """The per-egress-IP limit (10,000 calls / 20 s, then a 5-minute ban) and the ban fault."""

    def __init__(
        self, limit: int, window_seconds: float, ban_seconds: float, monotonic=time.monotonic
    ) -> None:
        self._limit, self._ban_seconds, self._monotonic = limit, ban_seconds, monotonic
        self._window = WindowCounter(window_seconds, monotonic)
        self._banned_until = 0.0

    def ban(self, seconds: float) -> None:
        self._banned_until = self._monotonic() + seconds

    def allow(self, ip: str) -> bool:
        if self._monotonic() < self._banned_until:
            return False
        if self._limit and not self._window.hit(ip, self._limit):
            self.ban(self._ban_seconds)
            return False
        return True

    def ban_answer(self) -> dict:
        wait = max(1, int(self._banned_until - self._monotonic()))
        return {
            "status": 1111,
            "wait": min(wait, 5),
            "source": "x5",
            "punish": "deny",
            "uuid": secrets.token_hex(8),
        }
