"""`doctor --offline` validates every tuning variable and names unknown project variables
(from the environment and `.env`) with the closest known name."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pipelines.doctor import run_doctor


@pytest.fixture(autouse=True)
def _credentials(monkeypatch):
    monkeypatch.setenv("DINGTALK_CLIENT_ID", "id")
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "secret")


def test_a_typo_in_a_variable_is_a_problem_with_the_name_it_meant(monkeypatch):
    monkeypatch.setenv("DINGTALK_CLIENTID", "id")

    report = run_doctor(offline=True)

    assert len(report.problems) == 1, report.lines()
    line = report.problems[0].line()
    assert "DINGTALK_CLIENTID" in line and "did you mean DINGTALK_CLIENT_ID?" in line
    assert report.exit_code == 1


def test_a_typo_in_the_env_file_is_named_too(tmp_path):
    (tmp_path / ".env").write_text("ATTENDANCE_SWEEP_DAY=3\nLISTENER_WATCHDOG_S=60\n")

    report = run_doctor(offline=True)

    assert [f.message.split()[0] for f in report.problems] == ["ATTENDANCE_SWEEP_DAY"]
    assert "(in the .env)" in report.problems[0].message
    assert "ATTENDANCE_SWEEP_DAYS" in report.problems[0].message


def test_an_unrelated_name_in_the_namespace_is_only_a_warning(monkeypatch):
    monkeypatch.setenv("DINGTALK_SOMETHING_ELSE_ENTIRELY", "x")

    report = run_doctor(offline=True)

    assert report.exit_code == 0
    warnings = [f for f in report.findings if f.severity == "warn"]
    assert [w.message.split()[0] for w in warnings] == ["DINGTALK_SOMETHING_ELSE_ENTIRELY"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ATTENDANCE_COALESCE_SECONDS", "-5"),
        ("ATTENDANCE_REPORT_SETTLEMENT_WEEKDAY", "9"),
        ("LISTENER_MAX_IN_FLIGHT", "0"),
        ("LISTENER_INBOX_SYNCHRONOUS", "SOMETIMES"),
    ],
)
def test_every_tuning_variable_is_validated(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)

    report = run_doctor(offline=True)

    assert len(report.problems) == 1, report.lines()
    assert report.problems[0].message.startswith(f"{variable} is invalid")


def test_every_known_variable_is_accepted(monkeypatch):
    for name in ("ATTENDANCE_SWEEP_DAYS", "LISTENER_WATCHDOG_S", "DINGTALK_IP_BAN_WAIT_UNIT_S"):
        monkeypatch.setenv(name, "3")
    monkeypatch.setenv("DINGTALK_OP_USERID", "manager1")
    monkeypatch.setenv("ATTENDANCE_REQUIRE_SERVICES", "1")  # CI's, read by tests/services.py

    report = run_doctor(offline=True)

    assert report.exit_code == 0, report.lines()
    assert not [f for f in report.findings if f.severity == "warn"], report.lines()


@pytest.mark.integration
def test_doctor_json_prints_the_findings_and_the_summary(tmp_path):
    env = {**os.environ, "DINGTALK_CLIENTID": "id", "DINGTALK_CLIENT_SECRET": "s"}
    env.pop("DINGTALK_CLIENT_ID", None)
    result = subprocess.run(
        [sys.executable, "-m", "pipelines", "doctor", "--offline", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["problems"] == 2 and document["metered_calls"] == 0
    messages = [f["message"] for f in document["findings"] if f["severity"] == "fail"]
    assert any("did you mean DINGTALK_CLIENT_ID?" in message for message in messages)
