"""`sync` of one month for 200 employees on the standard profile (issue 12): at most 150 metered
calls against the emulator, every employee-day's figures equal to the truth, and the monthly
mart equal to the emulator's report columns summed for every employee-month."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import httpx
import pytest
from typer.testing import CliRunner

from pipelines.cli import _register_commands, app
from pipelines.days import SHANGHAI
from pipelines.emulator.people import LEAVE_TYPES_BY_NAME
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.quota.editions import edition
from pipelines.quota.plan import make_plan
from pipelines.quota.profile import write_profile
from pipelines.warehouse.figures import REPORT_ALIASES
from pipelines.warehouse.views import scratch_connection

pytestmark = pytest.mark.integration

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
EMPLOYEES = 200


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("frugal")
    profile = make_plan(EMPLOYEES, edition("standard"), 15).profile()
    assert profile["profile"] == "poll"
    write_profile(data_dir / "profile.json", profile)
    clock = datetime(2026, 11, 3, 18, 0, tzinfo=SHANGHAI)
    config = EmulatorConfig(employees=EMPLOYEES, start=FIRST, days=31, clock_start=clock)
    with EmulatorServer(config) as server, pytest.MonkeyPatch.context() as env:
        env.setenv("DINGTALK_CLIENT_ID", server.client_id)
        env.setenv("DINGTALK_CLIENT_SECRET", server.client_secret)
        env.setenv("DINGTALK_API_BASE_URL", server.api_base_url)
        env.setenv("DINGTALK_OAPI_BASE_URL", server.oapi_base_url)
        env.setenv("ATTENDANCE_DATA_DIR", str(data_dir))
        env.delenv("ATTENDANCE_PROFILE", raising=False)
        env.delenv("DAGSTER_HOME", raising=False)
        _register_commands()
        result = CliRunner().invoke(app, ["sync", "--start", str(FIRST), "--end", str(LAST)])
        stats = httpx.get(f"{server.control_url}/stats").json()
        truth = httpx.get(
            f"{server.control_url}/truth", params={"from": str(FIRST), "to": str(LAST)}
        ).json()
    assert result.exit_code == 0, result.output
    return {"dir": data_dir, "stats": stats, "truth": truth["employee_days"]}


def _rows(data_dir, sql: str) -> list[dict]:
    cursor = scratch_connection(data_dir).execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_month_costs_at_most_150_metered_calls(synced):
    metered = synced["stats"]["metered_calls"]
    print("metered calls:", synced["stats"]["metered_calls_total"], metered)
    assert synced["stats"]["metered_calls_total"] <= 150, metered
    # One row-dense pull for results and punches, report values for the sample only.
    assert metered.get("old:/attendance/listRecord") == 20, metered
    assert metered.get("old:/topapi/attendance/getcolumnval") == 5, metered


def test_every_employee_day_equals_the_truth(synced):
    daily = {
        (row["userid"], str(row["work_date"])): row
        for row in _rows(synced["dir"], "SELECT * FROM attendance_daily")
    }
    assert len(daily) == len(synced["truth"]) == EMPLOYEES * 31
    for day in synced["truth"]:
        row = daily[(day["userid"], day["work_date"])]
        assert row["settled"], day
        for figure, (alias,) in REPORT_ALIASES.items():
            expected = float(day["report"][alias])
            assert float(row[figure]) == pytest.approx(expected), (figure, day["userid"], day)
        for name, value in day["leave"].items():
            hours = float(value) * (
                8.0 if LEAVE_TYPES_BY_NAME[name].leave_view_unit != "hour" else 1.0
            )
            assert row["leave_hours_by_type"].get(name, 0.0) == pytest.approx(hours), name


def test_the_monthly_mart_equals_the_report_columns(synced):
    expected: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for day in synced["truth"]:
        for figure, (alias,) in REPORT_ALIASES.items():
            expected[day["userid"]][figure] += float(day["report"][alias])
    monthly = _rows(synced["dir"], "SELECT * FROM attendance_monthly WHERE month = '2026-10'")
    assert len(monthly) == EMPLOYEES
    for row in monthly:
        for figure in REPORT_ALIASES:
            want = expected[row["userid"]][figure]
            assert float(row[figure]) == pytest.approx(want), (figure, row["userid"])
