"""The planner: strategies costed per edition, a profile written, configuration documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import _register_commands, app
from pipelines.quota import governor, model
from pipelines.quota.editions import edition
from pipelines.quota.plan import make_plan
from pipelines.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("employees", "minutes"), [(50, 15), (200, 15)])
def test_standard_edition_fits_with_polls_meeting_the_target(employees, minutes):
    made = make_plan(employees, edition("standard"), minutes)
    assert made.chosen.fits(edition("standard"))
    assert made.chosen.p95_minutes <= minutes
    make, skip = made.subscriptions()
    assert "attendance_check_record" in skip and "attendance_check_record" not in make


def test_no_punch_events_on_standard_past_about_50_employees():
    for employees in (60, 200, 1000):
        assert model.push_cost(employees, edition("standard")).total_pushes > 3000


def test_polls_never_spend_the_reserve():
    cost = model.poll_cost(1000, edition("standard"))
    assert cost.total_calls <= 5000 and cost.reserve > 0
    spent_elsewhere = cost.total_calls - cost.calls["reserve: settlement and month close"]
    assert spent_elsewhere + cost.reserve <= 5000


def test_polls_crowd_where_punches_cluster():
    minutes = governor.poll_minutes(12)
    morning = [m for m in minutes if m < 120]
    lunch = [m for m in minutes if 180 <= m < 300]
    assert len(morning) > len(lunch) >= 1


def test_budget_with_nothing_left_allows_no_poll():
    budget = governor.Budget(
        remaining=100, reserve=100, fixed_per_day=1, per_poll=4, work_days_left=3
    )
    assert budget.polls_per_day() == 0


def test_plan_command_writes_the_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path))
    _register_commands()
    result = CliRunner().invoke(app, ["plan", "--employees", "200", "--json"])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "profile.json").read_text())
    assert written == json.loads(result.output)["profile"]
    assert written["profile"] == "poll" and written["polls_per_day"] > 0


def test_custom_edition_needs_every_figure(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path))
    _register_commands()
    result = CliRunner().invoke(app, ["plan", "--employees", "10", "--edition", "custom"])
    assert result.exit_code != 0


def test_env_example_and_readme_list_the_same_settings():
    variables = {name.upper() for name in Settings.model_fields}
    example = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    # The README names each one, in the configuration table or in its tuning paragraph.
    readme = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "README.md").read_text()))
    assert variables <= example and variables <= readme
