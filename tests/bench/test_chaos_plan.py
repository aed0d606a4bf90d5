"""The listener chaos of `bench/chaos.py`: its fault plan, and the verdict of its row."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

CHAOS = Path(__file__).resolve().parents[2] / "bench" / "chaos.py"


@pytest.fixture(scope="module")
def chaos():
    """bench/chaos.py as a module, without leaving bench/ on sys.path for other tests."""
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location("chaos_bench", CHAOS)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path[:] = saved


def test_the_full_plan_strikes_every_fault_and_covers_every_event_once(chaos):
    steps = chaos.delivery_phase.Plan(10_000, 3, 3).steps()
    faults = [fault for fault, _ in steps]
    assert faults == ["disconnect", "kill"] * 3 + ["downtime"]
    numbers = [n for _, chunk in steps for n in chunk]
    assert numbers == list(range(10_000))


def _figures(**overrides: object) -> dict:
    figures = {
        "lost": 0,
        "stored_twice": 0,
        "unexpected": 0,
        "emulator_events_emitted": 1_000,
        "from_failed_push": 300,
        "sigkills": [{"in_flight_at_kill": 10, "stored_after_kill": 200}],
    }
    return {**figures, **overrides}


@pytest.mark.parametrize(
    "overrides",
    [
        {"lost": 1},
        {"stored_twice": 1},
        {"unexpected": 1},
        {"emulator_events_emitted": 999},
        {"from_failed_push": 0},  # the downtime was not recovered through the failed list
        {"sigkills": []},  # the SIGKILL did not happen
        {"sigkills": [{"in_flight_at_kill": 0, "stored_after_kill": 200}]},  # not mid-write
    ],
)
def test_the_row_fails_on_any_loss_duplicate_or_missing_fault(chaos, overrides):
    size = chaos.QUICK
    assert chaos.delivery_check(_figures(), size)[2] is True
    assert chaos.delivery_check(_figures(**overrides), size)[2] is False
