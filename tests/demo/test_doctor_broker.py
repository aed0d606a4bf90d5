"""`doctor` checks the Celery broker of ATTENDANCE_CELERY_BROKER_URL in one line: the real
RabbitMQ and Redis of this machine let it in, and a wrong password, a wrong virtual host or a
port where nothing listens each end in one line naming the root cause and the variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pipelines.doctor import run_doctor
from pipelines.doctor.broker_checks import BrokerUnreachable, probe_broker
from tests.services import require_rabbitmq, require_redis, unused_port

VARIABLE = "ATTENDANCE_CELERY_BROKER_URL"


def _broker_lines(monkeypatch, url: str) -> list[str]:
    monkeypatch.setenv(VARIABLE, url)
    report = run_doctor(offline=True)
    return [finding.line() for finding in report.findings if finding.check == "broker"]


@pytest.mark.integration
def test_the_machines_rabbitmq_is_reachable_with_its_login(monkeypatch):
    (line,) = _broker_lines(monkeypatch, require_rabbitmq())
    assert line.startswith("[ok  ] broker:") and "RabbitMQ at 127.0.0.1:5672" in line, line
    assert "guest:***@" in line  # the password never printed


@pytest.mark.integration
def test_a_wrong_rabbitmq_password_or_vhost_is_the_root_cause(monkeypatch):
    require_rabbitmq()
    port = 5672
    (refused,) = _broker_lines(monkeypatch, f"pyamqp://guest:wrong@127.0.0.1:{port}//")
    assert refused.startswith("[FIX ] broker:") and "refused the login of user guest" in refused
    assert "wrong" not in refused and VARIABLE in refused
    (vhost,) = _broker_lines(monkeypatch, f"pyamqp://guest:guest@127.0.0.1:{port}/nosuchvhost")
    assert "may not open the virtual host 'nosuchvhost'" in vhost, vhost


@pytest.mark.integration
def test_the_machines_redis_is_reachable(monkeypatch):
    (line,) = _broker_lines(monkeypatch, require_redis())
    assert line.startswith("[ok  ] broker:") and "Redis at 127.0.0.1:6379, database 0" in line


@pytest.mark.integration
def test_a_redis_password_where_none_is_set_is_the_root_cause():
    require_redis()
    with pytest.raises(BrokerUnreachable, match="Redis answered AUTH with -ERR"):
        probe_broker("redis://:secret@127.0.0.1:6379/0")


@pytest.mark.parametrize("scheme", ["pyamqp", "redis"])
def test_an_unreachable_port_is_one_line_naming_the_variable(monkeypatch, scheme):
    port = unused_port()
    (line,) = _broker_lines(monkeypatch, f"{scheme}://guest:guest@127.0.0.1:{port}/0")
    assert line == (
        f"[FIX ] broker: Celery broker {scheme}://guest:***@127.0.0.1:{port}/0: connection"
        f" refused at 127.0.0.1:{port} (nothing listens there); fix {VARIABLE}."
    )


@pytest.mark.integration
def test_no_broker_configured_is_no_line_and_json_carries_the_finding(monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    assert _broker_lines(monkeypatch, "") == []
    port = unused_port()
    environment = {**os.environ, VARIABLE: f"redis://127.0.0.1:{port}/0"}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines", "doctor", "--offline", "--json"],
        capture_output=True,
        text=True,
        env=environment,
    )
    findings = json.loads(done.stdout)["findings"]
    broker = [f for f in findings if f["check"] == "broker"]
    assert len(broker) == 1 and broker[0]["severity"] == "fail", done.stdout
