"""The emulator's simulated clock: accelerated (`speed` simulated seconds per real second)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from pipelines.days import SHANGHAI


class SimClock:
    """A clock that runs `speed` times real time from `start` and only moves forward."""

    def __init__(
        self, start: datetime, speed: float = 0.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware start time")
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._base = start.astimezone(SHANGHAI)
        self._base_real = monotonic()
        self._speed = speed

    def now(self) -> datetime:
        """The simulated present, Asia/Shanghai."""
        with self._lock:
            elapsed = (self._monotonic() - self._base_real) * self._speed
            return self._base + timedelta(seconds=elapsed)

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._rebase(self.now(), speed)

    def advance(self, seconds: float) -> datetime:
        """Jump forward by `seconds` of simulated time; returns the new present."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        return self._rebase(self.now() + timedelta(seconds=seconds), self._speed)

    def move_to(self, moment: datetime) -> datetime:
        """Jump forward to `moment` (aware); moving backwards is refused."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=SHANGHAI)
        if moment < self.now():
            raise ValueError("the clock only moves forward")
        return self._rebase(moment, self._speed)

    def _rebase(self, moment: datetime, speed: float) -> datetime:
        with self._lock:
            self._base, self._base_real, self._speed = moment, self._monotonic(), speed
        return moment
