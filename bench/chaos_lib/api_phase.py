"""The API under faults against the emulator: ledger against billed calls, and an IP ban."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import httpx

from pipelines.dingtalk import DingTalkClient, QuotaLedger, RetryPolicy
from pipelines.emulator.server import EmulatorServer

RETRY = RetryPolicy(attempts=8, initial_wait=0.05, max_wait=0.5, jitter=0.05)
FAULTS = {"throttle_rate": 0.1, "error_5xx_rate": 0.1, "token_expire_after_calls": 7}


def _client(emulator: EmulatorServer, ledger: QuotaLedger | None) -> DingTalkClient:
    return DingTalkClient(
        emulator.client_id,
        emulator.client_secret,
        emulator.api_base_url,
        emulator.oapi_base_url,
        ledger=ledger,
        retry=RETRY,
    )


def _billed(emulator: EmulatorServer) -> int:
    stats = httpx.get(f"{emulator.control_url}/stats").json()
    return sum(stats["metered_calls"].values())


def _faults(emulator: EmulatorServer, **faults: float) -> None:
    httpx.post(f"{emulator.control_url}/faults", json=faults).raise_for_status()


def _pull(client: DingTalkClient, emulator: EmulatorServer) -> int:
    users = client.list_on_job_user_ids()
    first = emulator.config.start
    rows = client.list_attendance_results(users, first, first + timedelta(days=6))
    return len(rows)


def run(work: Path, emulator: EmulatorServer, ban_s: float) -> dict[str, object]:
    """A clean pull, the same pull under faults, then a pull through an IP ban of `ban_s`."""
    with _client(emulator, None) as client:
        clean_rows = _pull(client, emulator)
    ledger = QuotaLedger(work / "quota_ledger.sqlite")
    before = _billed(emulator)
    _faults(emulator, **FAULTS)
    try:
        with _client(emulator, ledger) as client:
            faulty_rows = _pull(client, emulator)
    finally:
        _faults(emulator, **dict.fromkeys(FAULTS, 0))
    billed = _billed(emulator) - before
    recorded = sum(ledger.month_to_date().values())
    outcomes = ledger.outcomes(
        emulator.config.start.replace(year=2000), emulator.config.start.replace(year=2100)
    )
    with _client(emulator, None) as client:
        client.list_on_job_user_ids()
        _faults(emulator, ip_ban_seconds=ban_s)
        started = time.monotonic()
        _pull(client, emulator)
        ban_stall = time.monotonic() - started
    ledger.close()
    return {
        "rows_clean": clean_rows,
        "rows_under_faults": faulty_rows,
        "ledger_billed": recorded,
        "emulator_billed": billed,
        "retried_attempts": sum(c for (_, o), c in outcomes.items() if o == "retried"),
        "throttled_attempts": sum(c for (_, o), c in outcomes.items() if o == "throttled"),
        "ban_seconds": ban_s,
        "ban_stall_seconds": round(ban_stall, 1),
    }
