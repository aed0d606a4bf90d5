"""`usage` reports month-to-date metered calls per endpoint, the quota, and a linear projection."""

from __future__ import annotations

import json
from datetime import datetime

from typer.testing import CliRunner

from pipelines.cli import _register_commands, app
from pipelines.days import SHANGHAI
from pipelines.dingtalk.ledger import QuotaLedger
from pipelines.dingtalk.usage import usage_report


def test_projection_is_linear_over_the_month(tmp_path):
    ledger = QuotaLedger(tmp_path / "l.sqlite")
    day = datetime(2026, 11, 10, 12, tzinfo=SHANGHAI)
    for _ in range(300):
        ledger.record("/attendance/list", True, "ok", day)
    ledger.record("/gettoken", False, "ok", day)
    report = usage_report(ledger, 5000, datetime(2026, 11, 16, tzinfo=SHANGHAI))
    assert report.by_endpoint == {"/attendance/list": 300}
    assert (report.used, report.remaining) == (300, 4700)
    assert report.projected == 600  # 300 calls in 15 of 30 days


def test_usage_command_prints_json_from_the_data_dir_ledger(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DINGTALK_MONTHLY_API_QUOTA", "1000")
    ledger = QuotaLedger.in_data_dir(data_dir)
    for _ in range(7):
        ledger.record("/topapi/attendance/getupdatedata", True, "ok")
    ledger.record("/topapi/attendance/getupdatedata", True, "throttled")
    _register_commands()
    result = CliRunner().invoke(app, ["usage", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["by_endpoint"] == {"/topapi/attendance/getupdatedata": 7}
    assert (shown["used"], shown["quota"], shown["remaining"]) == (7, 1000, 993)


def test_usage_command_table_names_endpoints_and_total(tmp_path):
    QuotaLedger.in_data_dir(tmp_path / "data").record("/attendance/list", True, "ok")
    _register_commands()
    result = CliRunner().invoke(app, ["usage"])
    assert result.exit_code == 0, result.output
    assert "/attendance/list" in result.output and "1 of 5,000" in result.output
