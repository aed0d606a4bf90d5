"""`inbox stats` reports the inbox; `listen` refuses bad configuration with one line, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime

import pytest
from typer.testing import CliRunner

import pipelines.cli.inbox  # noqa: F401  (registers the `inbox` group)
from pipelines.catalogue import Sensor
from pipelines.cli import app
from pipelines.stream.inbox import Inbox
from pipelines.stream.models import SHANGHAI, NewEvent

BORN = datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)


def fill(data_dir) -> None:
    with Inbox.in_data_dir(data_dir) as inbox:
        events = [NewEvent(f"e{n}", "attendance_schedule_change", BORN, {}) for n in range(3)]
        inbox.add(events + events[:1])
        inbox.quarantine("garbage", "frame is not JSON")
        inbox.mark_consumed(inbox.read_after(0)[0].seq, consumer=Sensor.ATTENDANCE_EVENTS)


def test_inbox_stats_json(tmp_path):
    fill(tmp_path / "data")
    result = CliRunner().invoke(app, ["inbox", "stats", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["received"], summary["duplicates"], summary["quarantined"]) == (3, 1, 1)
    assert summary["pending"] == 2
    assert summary["last_event_at"] == BORN.isoformat()
    assert summary["gaps"] == []


def test_inbox_stats_text(tmp_path):
    fill(tmp_path / "data")
    result = CliRunner().invoke(app, ["inbox", "stats"])
    assert result.exit_code == 0
    lines = dict(line.split(None, 1) for line in result.output.splitlines() if " " in line)
    assert lines["received"] == "3" and lines["pending"] == "2" and lines["quarantined"] == "1"


def test_pending_counts_against_the_sensors_cursor_by_default(tmp_path):
    fill(tmp_path / "data")
    with Inbox.in_data_dir(tmp_path / "data") as inbox:
        inbox.mark_consumed(inbox.read_after(0)[-1].seq)  # another consumer read everything

    by_default = json.loads(CliRunner().invoke(app, ["inbox", "stats", "--json"]).output)
    other = CliRunner().invoke(app, ["inbox", "stats", "--json", "--consumer", "default"])

    assert by_default["pending"] == 2  # the sensor has consumed one of three
    assert json.loads(other.output)["pending"] == 0


def test_inbox_stats_without_an_inbox_says_so():
    result = CliRunner().invoke(app, ["inbox", "stats"])
    assert result.exit_code == 1
    assert "no inbox at" in result.output


def run_listen(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines", "listen"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.integration
def test_listen_refuses_bad_configuration_with_one_line():
    missing = run_listen()
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "configuration error: DINGTALK_CLIENT_ID is not set: use your app's Client ID (AppKey)."
    ]
    bad = run_listen(
        DINGTALK_CLIENT_ID="id", DINGTALK_CLIENT_SECRET="s3cret", LISTENER_WATCHDOG_S="soon"
    )
    assert bad.returncode == 2
    assert "LISTENER_WATCHDOG_S is invalid" in bad.stderr
    assert "s3cret" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.integration
def test_listen_refuses_a_data_dir_it_cannot_use(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    result = run_listen(
        DINGTALK_CLIENT_ID="id", DINGTALK_CLIENT_SECRET="s3cret", ATTENDANCE_DATA_DIR=str(blocker)
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("configuration error: ATTENDANCE_DATA_DIR=") and "cannot open" in line


def test_inbox_stats_on_a_corrupt_file_says_so(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "inbox.sqlite").write_bytes(b"this is not a database" * 100)
    result = CliRunner().invoke(app, ["inbox", "stats"])
    assert result.exit_code == 1 and "cannot read the inbox" in result.output
