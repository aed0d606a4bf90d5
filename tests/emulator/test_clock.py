"""The simulated clock runs `speed` times real time, jumps forward on request, never back."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pipelines.days import SHANGHAI as TZ
from pipelines.emulator.clock import SimClock

START = datetime(2026, 11, 2, 8, 0, tzinfo=TZ)


class FakeMonotonic:
    def __init__(self) -> None:
        self.value = 100.0

    def __call__(self) -> float:
        return self.value


def test_speed_scales_real_time_and_can_change():
    real = FakeMonotonic()
    clock = SimClock(START, speed=60, monotonic=real)
    real.value += 2
    assert clock.now() == START + timedelta(minutes=2)
    clock.set_speed(0)
    real.value += 100
    assert clock.now() == START + timedelta(minutes=2)


def test_jumps_only_forward():
    real = FakeMonotonic()
    clock = SimClock(START, speed=0, monotonic=real)
    assert clock.advance(3600) == START + timedelta(hours=1)
    assert clock.move_to(datetime(2026, 11, 3, 9, 0)) == datetime(2026, 11, 3, 9, 0, tzinfo=TZ)
    with pytest.raises(ValueError):
        clock.move_to(START)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        SimClock(datetime(2026, 11, 2), speed=1)
