"""Over loopback sockets, a pull through expiring tokens, 90018s and 5xxs equals a clean pull."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import httpx
import pytest

from pipelines.dingtalk import DingTalkClient, QuotaLedger, RetryPolicy
from pipelines.emulator.app import mock_transport
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.emulator.state import EmulatorState

pytestmark = pytest.mark.integration

START = date(2026, 11, 2)
DAYS = 14
LIST = "/attendance/list"
RETRY = RetryPolicy(attempts=8, initial_wait=0.05, max_wait=0.5, jitter=0.05)


def client_for(emulator: EmulatorServer, ledger: QuotaLedger | None = None) -> DingTalkClient:
    return DingTalkClient(
        emulator.client_id,
        emulator.client_secret,
        emulator.api_base_url,
        emulator.oapi_base_url,
        qps_per_api=20,
        ledger=ledger,
        retry=RETRY,
    )


def pull(client: DingTalkClient) -> list[dict]:
    users = client.list_on_job_user_ids()
    rows = client.list_attendance_results(users, START, START + timedelta(days=DAYS - 1))
    return sorted((row.model_dump(mode="json") for row in rows), key=lambda row: row["id"])


@pytest.fixture(scope="module")
def emulator():
    config = EmulatorConfig(employees=30, start=START, days=DAYS)
    with EmulatorServer(config) as server:
        yield server


def test_faulty_pull_equals_clean_pull_with_retries_in_logs_and_ledger(emulator, tmp_path, caplog):
    with client_for(emulator) as clean_client:
        clean = pull(clean_client)
    assert len({row["user_id"] for row in clean}) >= 20 and len(clean) > 300

    faults = {"throttle_rate": 0.1, "error_5xx_rate": 0.1, "token_expire_after_calls": 5}
    httpx.post(f"{emulator.control_url}/faults", json=faults).raise_for_status()
    ledger = QuotaLedger(tmp_path / "quota_ledger.sqlite")
    try:
        with caplog.at_level(logging.INFO), client_for(emulator, ledger) as client:
            faulty = pull(client)
            token_fetches = client.tokens.fetches
            last_token = client.tokens.get()
    finally:
        httpx.post(f"{emulator.control_url}/faults", json=dict.fromkeys(faults, 0))

    assert faulty == clean
    assert token_fetches >= 3  # the token expired mid-run, more than once
    outcomes = ledger.outcomes(date.min, date.max)
    assert outcomes.get((LIST, "throttled"), 0) + outcomes.get((LIST, "retried"), 0) >= 1
    assert sum(count for (path, outcome), count in outcomes.items() if outcome != "ok") >= 3
    assert "retrying DingTalk call" in caplog.text
    assert "rejected the access token" in caplog.text
    assert emulator.client_secret not in caplog.text and last_token not in caplog.text


def test_calls_counted_by_the_client_match_the_emulator_meter(emulator, tmp_path):
    before = (
        httpx.get(f"{emulator.control_url}/stats").json()["metered_calls"].get(f"old:{LIST}", 0)
    )
    with client_for(emulator, QuotaLedger(tmp_path / "l.sqlite")) as client:
        with client.track_calls() as spent:
            client.list_attendance_results(["user0001", "user0002"], START, START)
    after = httpx.get(f"{emulator.control_url}/stats").json()["metered_calls"][f"old:{LIST}"]
    assert spent.metered == {LIST: after - before} == {LIST: 1}


def test_the_in_process_mock_transport_serves_the_same_rows():
    state = EmulatorState(EmulatorConfig(employees=8, start=START, days=DAYS))
    config = state.config
    with DingTalkClient(
        config.client_id,
        config.secret,
        "http://emulator",
        "http://emulator/oapi",
        transport=mock_transport(state),
        retry=RETRY,
    ) as client:
        rows = client.list_attendance_results(client.list_on_job_user_ids(), START, START)
        update = client.get_update_data(rows[0].user_id, START)
    assert rows and update.work_date == START
    listed = {(row.check_type, row.time_result) for row in rows if row.user_id == update.userid}
    assert listed == {(item.check_type, item.time_result) for item in update.attendance_result_list}
