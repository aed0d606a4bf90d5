"""The emulator server crosses real loopback sockets: both API families, control, the official
Stream SDK receiving a replayed day, the failed-push list through the API, and the command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from dingtalk_stream import Credential, DingTalkStreamClient

from pipelines.days import SHANGHAI as TZ
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.emulator.stream import GatewayConfig
from pipelines.emulator.stream.testing import RecordingHandler, SdkRunner, wait_until

pytestmark = pytest.mark.integration

FAST = GatewayConfig(redelivery_delay=0.3, max_attempts=3, ping_interval=None, seed=1)


def test_server_answers_both_families_and_control_on_loopback():
    with EmulatorServer(EmulatorConfig()) as emu, httpx.Client(timeout=5) as http:
        assert emu.api_base_url.startswith("http://127.0.0.1:") and emu.port > 0
        token = http.post(
            f"{emu.api_base_url}/v1.0/oauth2/accessToken",
            json={"appKey": emu.client_id, "appSecret": emu.client_secret},
        ).json()
        old = http.post(
            f"{emu.oapi_base_url}/topapi/attendance/getattcolumns",
            params={"access_token": token["accessToken"]},
        ).json()
        assert old["errcode"] == 0 and old["result"]["columns"]
        stats = http.get(f"{emu.control_url}/stats").json()
        assert stats["api_calls"]["old:/topapi/attendance/getattcolumns"] == 1
        assert stats["stream"]["connections_open"] == 0
    assert not emu.running


def test_official_sdk_receives_a_replayed_day_with_the_timeline_event_ids(monkeypatch):
    weekday = datetime(2026, 11, 11, tzinfo=TZ)  # a Wednesday: every group works
    config = EmulatorConfig(employees=10, clock_start=weekday, stream=FAST)
    with EmulatorServer(config) as emu, httpx.Client(timeout=5) as http:
        monkeypatch.setattr(
            DingTalkStreamClient,
            "OPEN_CONNECTION_API",
            f"{emu.api_base_url}/v1.0/gateway/connections/open",
        )
        handler = RecordingHandler()
        client = DingTalkStreamClient(Credential(emu.client_id, emu.client_secret))
        client.register_all_event_handler(handler)
        with SdkRunner(client):
            assert wait_until(lambda: emu.gateway.stats()["connections_open"] == 1)
            moved = http.post(f"{emu.control_url}/clock", json={"advance_seconds": 86400}).json()
            assert moved["emitted"] > 10
            assert wait_until(lambda: len(handler.snapshot()) >= moved["emitted"], timeout=20)
        expected = [
            e for e in emu.state.org.events_between(emu.config.initial_clock, emu.state.now())
        ]
        got = {r.event_id: r for r in handler.snapshot()}
        assert set(got) == {emu.state.event_id(e) for e in expected}
        punch = next(e for e in expected if e.event_type == "attendance_check_record")
        assert got[emu.state.event_id(punch)].data == punch.data
        stats = http.get(f"{emu.control_url}/stats").json()
        assert stats["events_emitted"] == len(expected) and stats["pushes"] >= len(expected)


def test_scripted_disconnect_makes_the_sdk_reconnect(monkeypatch):
    stream = GatewayConfig(ping_interval=None, disconnect_close_delay=0.1)
    with EmulatorServer(EmulatorConfig(stream=stream)) as emu, httpx.Client(timeout=5) as http:
        monkeypatch.setattr(
            DingTalkStreamClient,
            "OPEN_CONNECTION_API",
            f"{emu.api_base_url}/v1.0/gateway/connections/open",
        )
        client = DingTalkStreamClient(Credential(emu.client_id, emu.client_secret))
        client.register_all_event_handler(RecordingHandler())
        with SdkRunner(client):
            assert wait_until(lambda: emu.gateway.stats()["connections_open"] == 1)
            answer = http.post(f"{emu.control_url}/disconnect", json={"reason": "test"})
            assert answer.json() == {"disconnected": True, "reason": "test"}
            assert wait_until(lambda: emu.gateway.stats()["connections_total"] >= 2, timeout=20)


def test_running_clock_pushes_without_being_asked():
    config = EmulatorConfig(employees=10, speed=3600 * 6, stream=FAST)
    with EmulatorServer(config) as emu:
        assert wait_until(lambda: emu.state.events_emitted.total() > 0, timeout=10)


def test_failed_pushes_reach_both_failed_list_endpoints_read_once():
    stream = GatewayConfig(redelivery_delay=0.05, max_attempts=1, ping_interval=None)
    with EmulatorServer(EmulatorConfig(stream=stream)) as emu, httpx.Client(timeout=5) as http:
        for user in ("user0001", "user0002", "user0003"):
            http.post(
                f"{emu.control_url}/emit",
                json={
                    "event_type": "attend_user_daily_summary_refresh",
                    "data": {"workDate": "2026-11-03", "userId": user},
                },
            )
        token = http.get(
            f"{emu.oapi_base_url}/gettoken",
            params={"appkey": emu.client_id, "appsecret": emu.client_secret},
        ).json()["access_token"]
        assert wait_until(lambda: emu.gateway.stats()["failed_list_size"] == 3, timeout=10)
        url = f"{emu.oapi_base_url}/call_back/get_call_back_failed_result"
        page = http.get(url, params={"access_token": token}).json()
        assert page["errcode"] == 0 and len(page["failed_list"]) == 3
        entry = page["failed_list"][0]
        assert entry["call_back_tag"] == "attend_user_daily_summary_refresh"
        assert http.get(url, params={"access_token": token}).json()["failed_list"] == []
        http.post(f"{emu.control_url}/emit", json={"event_type": "attendance_report_column_change"})
        assert wait_until(lambda: emu.gateway.stats()["failed_list_size"] == 1, timeout=10)
        new = http.get(
            f"{emu.api_base_url}/v1.0/event/callbacks/failedResults",
            headers={"x-acs-dingtalk-access-token": token},
        ).json()
        assert [e["callBackTag"] for e in new["failedList"]] == ["attendance_report_column_change"]
        assert json.loads(new["failedList"][0]["callBackData"])["type"] == "UPDATE"


@contextmanager
def _emulator_command(cwd: Path, *options: str) -> Iterator[tuple[subprocess.Popen, dict]]:
    """The `emulator` command in a process of its own, with the JSON line it printed."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "emulator", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    try:
        yield process, json.loads(process.stdout.readline())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def _token_answer(info: dict) -> dict:
    return httpx.get(
        f"{info['oapi_base_url']}/gettoken",
        params={"appkey": info["client_id"], "appsecret": info["client_secret"]},
        timeout=5,
    ).json()


def test_command_prints_one_json_line_and_stops_on_sigterm(tmp_path):
    options = ("--port", "0", "--employees", "5", "--speed", "0", "--seed", "3")
    with _emulator_command(tmp_path, *options) as (process, info):
        assert set(info) == {"api_base_url", "oapi_base_url", "client_id", "client_secret"}
        assert info["api_base_url"].startswith("http://127.0.0.1:")
        answer = _token_answer(info)
        assert answer["errcode"] == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_command_hands_the_ip_limit_to_the_emulator(tmp_path):
    with _emulator_command(tmp_path, "--employees", "5", "--ip-limit", "3") as (_, info):
        answers = [_token_answer(info) for _ in range(4)]
    assert [answer.get("errcode") for answer in answers[:3]] == [0, 0, 0]
    assert answers[3].get("status") == 1111 and answers[3].get("punish") == "deny"


def test_command_rejects_a_bad_date_in_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "pipelines", "emulator", "--start", "2026/11/02"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "YYYY-MM-DD" in done.stderr
