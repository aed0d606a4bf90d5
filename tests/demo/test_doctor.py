"""`doctor` names the variable or setting to fix, one line each, and reports the emulator's seeded
missing leave column over a real loopback socket while counting the metered calls it spends."""

from __future__ import annotations

import socket
from datetime import date, timedelta

import httpx
import pytest

from pipelines.dingtalk.models import LeaveTimeValues
from pipelines.doctor import run_doctor
from pipelines.doctor.leave import missing_leave_names
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.server import EmulatorServer


def _series(name: str, *values: str | None) -> LeaveTimeValues:
    return LeaveTimeValues.model_validate(
        {
            "columnvals": [
                {"date": f"2026-11-0{i + 1} 00:00:00", "value": value}
                for i, value in enumerate(values)
                if value is not None
            ],
            "columnvo": {"name": name},
        }
    )


def test_missing_leave_names_keeps_order_and_treats_absent_or_empty_as_missing():
    series = [_series("事假", "0.0"), _series("病假", "4.0"), _series("年假")]
    missing = missing_leave_names(["育儿假", "事假", "年假", "病假"], series)
    assert missing == ["育儿假", "年假"]


def test_missing_credentials_are_one_line_each_naming_the_variable():
    report = run_doctor()
    fixes = [finding.line() for finding in report.problems]
    assert len(fixes) == 2
    assert "DINGTALK_CLIENT_ID" in fixes[0] and "DINGTALK_CLIENT_SECRET" in fixes[1]
    assert report.exit_code == 1
    assert report.metered_calls == 0


def test_malformed_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("DINGTALK_QPS_PER_API", "fast")
    report = run_doctor()
    assert [finding.check for finding in report.problems] == ["config"]
    assert "DINGTALK_QPS_PER_API" in report.problems[0].message


def test_plain_http_to_another_host_is_a_warning_not_a_failure(monkeypatch):
    monkeypatch.setenv("DINGTALK_CLIENT_ID", "id")
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "secret")
    monkeypatch.setenv("DINGTALK_API_BASE_URL", "http://dingtalk.example.com")
    report = run_doctor(offline=True)
    warnings = [f for f in report.findings if f.severity == "warn"]
    assert len(warnings) == 1 and "DINGTALK_API_BASE_URL" in warnings[0].message
    assert report.exit_code == 0


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(EmulatorConfig(employees=10, days=5)) as server:
        yield server


def _point_at(monkeypatch, server: EmulatorServer, secret: str | None = None) -> None:
    monkeypatch.setenv("DINGTALK_CLIENT_ID", server.client_id)
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", secret or server.client_secret)
    monkeypatch.setenv("DINGTALK_API_BASE_URL", server.api_base_url)
    monkeypatch.setenv("DINGTALK_OAPI_BASE_URL", server.oapi_base_url)


@pytest.mark.integration
def test_doctor_reports_the_seeded_missing_leave_column(monkeypatch, emulator):
    _point_at(monkeypatch, emulator)
    before = emulator.state.meter.metered.total()
    day = emulator.config.start + timedelta(days=3)
    report = run_doctor(today=day)
    lines = report.lines()
    problems = report.problems
    assert [f.check for f in problems] == ["leave-columns"], lines
    assert "育儿假" in problems[0].message
    assert report.exit_code == 1
    spent_at_emulator = emulator.state.meter.metered.total() - before
    assert report.metered_calls == spent_at_emulator == 6  # one per metered permission family
    assert f"spent {spent_at_emulator} metered" in lines[-1]


@pytest.mark.integration
def test_rejected_secret_is_one_line_and_stops(monkeypatch, emulator):
    _point_at(monkeypatch, emulator, secret="not-the-secret")
    report = run_doctor(today=date(2026, 11, 20))
    assert len(report.problems) == 1
    assert "DINGTALK_CLIENT_SECRET" in report.problems[0].message
    assert "not-the-secret" not in "\n".join(report.lines())
    assert report.metered_calls == 0


@pytest.mark.integration
def test_unreachable_api_names_the_base_url_variable(monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DINGTALK_CLIENT_ID", "id")
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "secret")
    monkeypatch.setenv("DINGTALK_API_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("DINGTALK_OAPI_BASE_URL", f"http://127.0.0.1:{port}/oapi")
    report = run_doctor()
    assert len(report.problems) == 1
    assert "cannot reach DingTalk at DINGTALK_" in report.problems[0].message


def test_refused_permission_names_what_to_grant_and_the_rest_still_runs(monkeypatch):
    """One family refused (errcode 60011) is one line naming the permission; others still run."""
    from pipelines.emulator.app import mock_transport
    from pipelines.emulator.state import EmulatorState

    config = EmulatorConfig(employees=5, days=3)
    emulator_api = mock_transport(EmulatorState(config))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/schedule/listbyusers"):
            return httpx.Response(200, json={"errcode": 60011, "errmsg": "没有调用该接口的权限"})
        return emulator_api.handle_request(request)

    monkeypatch.setenv("DINGTALK_CLIENT_ID", config.client_id)
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", config.secret)
    monkeypatch.setenv("DINGTALK_API_BASE_URL", "http://emulator")
    monkeypatch.setenv("DINGTALK_OAPI_BASE_URL", "http://emulator/oapi")
    report = run_doctor(transport=httpx.MockTransport(handler), today=date(2026, 11, 4))
    checks = [finding.check for finding in report.problems]
    assert checks == ["schedules", "leave-columns"]
    assert report.problems[0].message.count("qyapi_attendance_group_read") == 1
