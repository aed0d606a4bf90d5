"""`dingtalk-attendance sync` loads a range through the Dagster assets against the emulator, and
refuses bad input with one line and no traceback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from pipelines.cli import _register_commands, app
from pipelines.warehouse.views import scratch_connection

_register_commands()
runner = CliRunner()


@pytest.mark.integration
def test_sync_loads_the_range_and_reports_the_calls(emulator, tmp_path, monkeypatch):
    monkeypatch.setenv("DINGTALK_CLIENT_ID", emulator.client_id)
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", emulator.client_secret)
    monkeypatch.setenv("DINGTALK_API_BASE_URL", emulator.api_base_url)
    monkeypatch.setenv("DINGTALK_OAPI_BASE_URL", emulator.oapi_base_url)
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    first = emulator.config.start
    last = first + timedelta(days=2)
    result = runner.invoke(app, ["sync", "--start", str(first), "--end", str(last)])
    assert result.exit_code == 0, result.output
    assert "metered calls" in result.output and "/attendance/list" in result.output
    connection = scratch_connection(tmp_path)
    days = connection.execute("SELECT count(DISTINCT work_date) FROM attendance_daily").fetchone()
    assert days == (3,)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--start", "2026-13-01", "--end", "2026-11-02"], "is not a date"),
        (["--start", "2026-11-05", "--end", "2026-11-02"], "is after"),
        (["--start", "2020-01-01", "--end", "2020-01-02"], "outside the partitions"),
    ],
)
def test_bad_dates_get_one_clear_line(arguments, message):
    result = runner.invoke(app, ["sync", *arguments])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
