"""`plan` states what the optional leave balances cost a month; the setting is documented off."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli import _register_commands, app
from pipelines.quota.leave_cost import LeaveBalanceCost
from pipelines.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_call_per_leave_type_per_50_employees_once_a_day():
    assert LeaveBalanceCost(50, 5).calls_per_pull == 5
    assert LeaveBalanceCost(51, 5).calls_per_pull == 10
    assert LeaveBalanceCost(1_000, 10).calls_per_month == 10 * 20 * 30


def test_plan_states_the_monthly_cost(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ATTENDANCE_LEAVE_BALANCES", raising=False)
    _register_commands()
    runner = CliRunner()
    args = ["plan", "--employees", "200", "--leave-types", "5", "--no-write"]
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "leave balances (假期余额), off" in text.output
    assert "600 calls a month" in text.output  # 5 types x 4 batches x 30 days
    document = json.loads(runner.invoke(app, [*args, "--json"]).output)
    assert document["leave_balance_cost"] == {"calls_per_month": 600, "enabled": False}


def test_off_by_default_in_settings_env_example_and_readme():
    assert Settings.model_fields["attendance_leave_balances"].default is False
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^# ATTENDANCE_LEAVE_BALANCES=false$", example, re.M)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"`ATTENDANCE_LEAVE_BALANCES` \(default `false`", readme)
