"""A real listener process counts every push it receives in the push ledger; `usage` and
`doctor` show the month's pushes against the profile's push quota."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
from typer.testing import CliRunner

from pipelines.cli import _register_commands, app
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.emulator.stream import GatewayConfig
from pipelines.state.push_ledger import SqlitePushLedger
from pipelines.stream.inbox import Inbox
from tests.stream.harness import ListenerProcess, wait_for

pytestmark = pytest.mark.integration


def received(data_dir) -> int:
    with Inbox.in_data_dir(data_dir) as inbox:
        return inbox.stats().received


def control(emulator: EmulatorServer, what: str, body: dict | None = None) -> dict:
    url = f"{emulator.control_url}/{what}"
    answer = httpx.post(url, json=body, timeout=30) if body is not None else httpx.get(url)
    answer.raise_for_status()
    return answer.json()


def test_the_listener_counts_pushes_and_usage_shows_them(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    stream = GatewayConfig(seed=3, ping_interval=0.5, push_quota_per_month=10**9)
    config = EmulatorConfig(seed=11, employees=20, start=date(2026, 11, 2), days=2, stream=stream)
    with EmulatorServer(config) as emulator:
        credentials = (emulator.client_id, emulator.client_secret)
        with ListenerProcess(emulator.api_base_url, data_dir, tmp_path / "l.log", credentials):
            wait_for(lambda: control(emulator, "stats")["connections_open"] == 1)
            emitted = control(emulator, "clock", {"to": "2026-11-03T12:00:00"})["emitted"]
            assert emitted > 0
            wait_for(lambda: received(data_dir) == emitted, timeout=60)
            pushes = control(emulator, "stats")["pushes"]
        monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(data_dir))
        monkeypatch.setenv("DINGTALK_CLIENT_ID", emulator.client_id)
        monkeypatch.setenv("DINGTALK_CLIENT_SECRET", emulator.client_secret)
        _register_commands()
        shown = CliRunner().invoke(app, ["usage", "--json"])
    with SqlitePushLedger.in_data_dir(data_dir) as ledger:
        counted = sum(ledger.month_to_date().values())
    assert counted == pushes >= emitted
    document = json.loads(shown.output)
    assert document["pushes"]["used"] == pushes and document["pushes"]["quota"] == 3_000
