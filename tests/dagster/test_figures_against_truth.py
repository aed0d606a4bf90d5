"""Every 每日统计 and 月度汇总 column the emulator's truth reports equals the project's figures,
for 60 employees over 28 days crossing a month boundary, and the report cross-check names a
column whose report value differs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import dagster as dg
import httpx
import pytest

from pipelines.days import SHANGHAI
from pipelines.definitions import CATALOGUE_ASSETS
from pipelines.emulator.people import LEAVE_TYPES_BY_NAME
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.crosscheck import report_values_disagree
from pipelines.warehouse.figures import REPORT_ALIASES
from pipelines.warehouse.views import scratch_connection
from tests.dagster.conftest import materialize_range, resources_for

pytestmark = pytest.mark.integration

# 19 October .. 15 November 2026: settled by the emulator's clock and by the machine's (the
# marts judge settlement by the machine's clock, which the emulator does not move).
START, DAYS = date(2026, 10, 19), 28
LAST = START + timedelta(days=DAYS - 1)
UNPARTITIONED = CATALOGUE_ASSETS


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The window loaded by one single-run backfill, once every day of it has settled."""
    data_dir = tmp_path_factory.mktemp("warehouse")
    clock = datetime(2026, 11, 16, 18, 0, tzinfo=SHANGHAI)
    config = EmulatorConfig(employees=60, start=START, days=DAYS, clock_start=clock)
    with EmulatorServer(config) as server:
        resources = resources_for(server, data_dir)
        dg.materialize(UNPARTITIONED, resources=resources)
        result = materialize_range(resources, START, LAST)
        truth = httpx.get(
            f"{server.control_url}/truth", params={"from": str(START), "to": str(LAST)}
        ).json()
    return {"dir": data_dir, "result": result, "truth": truth["employee_days"]}


def _rows(data_dir, sql: str) -> list[dict]:
    cursor = scratch_connection(data_dir).execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_every_daily_column_equals_the_truth(loaded):
    daily = {
        (row["userid"], str(row["work_date"])): row
        for row in _rows(loaded["dir"], "SELECT * FROM attendance_daily")
    }
    assert len(daily) == len(loaded["truth"]) == 60 * DAYS
    compared = defaultdict(int)
    for day in loaded["truth"]:
        row = daily[(day["userid"], day["work_date"])]
        assert row["settled"] and row["provisional_figures"] == []
        for figure, (alias,) in REPORT_ALIASES.items():
            expected = float(day["report"][alias])
            assert float(row[figure]) == pytest.approx(expected), (figure, day["userid"], day)
            compared[figure] += expected != 0
        for name, value in day["leave"].items():
            hours = float(value) * (
                8.0 if LEAVE_TYPES_BY_NAME[name].leave_view_unit != "hour" else 1.0
            )
            assert row["leave_hours_by_type"].get(name, 0.0) == pytest.approx(hours), name
    # Every column met a non-zero value somewhere (else the comparison proves little).
    assert {f for f, n in compared.items() if n == 0} <= {"absent_late_count"}


def test_every_monthly_column_equals_the_truth_summed(loaded):
    expected: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for day in loaded["truth"]:
        month = day["work_date"][:7]
        for figure, (alias,) in REPORT_ALIASES.items():
            expected[(day["userid"], month)][figure] += float(day["report"][alias])
    monthly = _rows(loaded["dir"], "SELECT * FROM attendance_monthly")
    assert {row["month"] for row in monthly} == {"2026-10", "2026-11"}
    assert len(monthly) == len(expected)
    for row in monthly:
        want = expected[(row["userid"], row["month"])]
        for figure in REPORT_ALIASES:
            assert float(row[figure]) == pytest.approx(want[figure]), (figure, row["userid"])
        assert row["days_unsettled"] == 0


def test_the_report_cross_check_passes_and_names_a_differing_column(loaded):
    evaluations = {e.check_name: e for e in loaded["result"].get_asset_check_evaluations()}
    assert evaluations["report_values_agree"].passed
    store = ParquetStore(loaded["dir"])
    day = START + timedelta(days=2)
    values = store.read("attendance_report_values", day).to_pylist()
    edited = next(v for v in values if v["column_alias"] == "late_minute")
    edited["value_num"] = 999.0
    store.replace_users(
        "attendance_report_values",
        day,
        {edited["userid"]},
        [v for v in values if v["userid"] == edited["userid"]],
    )
    finding = report_values_disagree(store, [day])
    assert not finding.passed and "late_minutes (1)" in finding.description
    assert edited["userid"] in finding.examples[0]
