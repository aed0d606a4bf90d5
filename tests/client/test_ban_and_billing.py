"""Against the emulator: an IP ban stalls for about its own length (its `wait` in seconds, not
minutes), and the quota ledger equals what the emulator billed, under every fault at once."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from pipelines.dingtalk import QuotaLedger
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from tests.client.test_against_emulator import DAYS, LIST, START, client_for, pull

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(EmulatorConfig(employees=30, start=START, days=DAYS)) as server:
        yield server


def _billed(emulator) -> int:
    return sum(httpx.get(f"{emulator.control_url}/stats").json()["metered_calls"].values())


def _faults(emulator, **faults: float) -> None:
    httpx.post(f"{emulator.control_url}/faults", json=faults).raise_for_status()


def test_a_two_second_ban_is_waited_out_in_about_two_seconds(emulator, monkeypatch):
    with client_for(emulator) as client:
        breaker = client._caller._breaker
        waits: list[float] = []
        real_trip = breaker.trip
        monkeypatch.setattr(
            breaker, "trip", lambda seconds: waits.append(seconds) or real_trip(seconds)
        )
        client.list_on_job_user_ids()  # token fetched before the ban
        _faults(emulator, ip_ban_seconds=2)
        rows = client.list_attendance_results(["user0001"], START, START)
    assert rows and waits
    # The emulator answers `"wait": 2`; read as minutes that was 120 s of stall.
    assert max(waits) <= 2 and sum(waits) <= 4


def test_the_ledger_equals_the_emulators_billed_count_under_faults(emulator, tmp_path):
    ledger = QuotaLedger(tmp_path / "quota_ledger.sqlite")
    before = _billed(emulator)
    _faults(emulator, throttle_rate=0.1, error_5xx_rate=0.1, token_expire_after_calls=7)
    try:
        with client_for(emulator, ledger) as client:
            pull(client)
    finally:
        _faults(emulator, throttle_rate=0, error_5xx_rate=0, token_expire_after_calls=0)
    outcomes = ledger.outcomes(date.min, date.max)
    assert outcomes.get((LIST, "retried"), 0) >= 1  # faults happened, and were kept apart
    assert sum(ledger.month_to_date().values()) == _billed(emulator) - before
