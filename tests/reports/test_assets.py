"""Dagster: the monthly report asset writes the page and the workbook and records their paths and
a summary; the daily assets carry per-partition figures (lateness, absences, calls) that differ
by day, so the UI plots them over partitions."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from assets.reports import monthly_report
from pipelines.partitions import build_monthly_partitions
from pipelines.resources import WarehouseResource
from tests.reports.conftest import MONTH, mart_rows

pytestmark = pytest.mark.integration


def _by_partition(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, dict]:
    return {
        event.materialization.partition: event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.materialization.asset_key.to_user_string() == asset
    }


def test_attendance_daily_carries_each_days_own_figures(loaded):
    metadata = _by_partition(loaded.result, "attendance_daily")
    expected = {
        str(row["work_date"]): row
        for row in mart_rows(
            loaded.data_dir,
            "SELECT work_date, sum(late_count) AS late, count(*) FILTER (WHERE absent) AS absent, "
            "sum(missing_count) AS missing FROM attendance_daily GROUP BY work_date",
        )
    }
    assert sorted(metadata) == sorted(expected)
    for day, row in expected.items():
        found = metadata[day]
        assert found["late_count"].value == row["late"], day
        assert found["absences"].value == row["absent"], day
        assert found["missing_punches"].value == row["missing"], day
        assert isinstance(found["late_minutes"], dg.FloatMetadataValue)
    assert len({metadata[day]["late_count"].value for day in metadata}) > 1


def test_pulled_assets_carry_the_calls_per_day(loaded):
    metadata = _by_partition(loaded.result, "attendance_results")
    total = next(iter(metadata.values()))["metered_calls_in_run"].value
    shares = [found["metered_calls"].value for found in metadata.values()]
    assert total > 0 and all(0 < share < total for share in shares)
    # Each day carries its share of the run's calls (docs/warehouse.md), not the run's total.
    assert sum(shares) == pytest.approx(total, abs=0.01)


def test_monthly_report_writes_the_page_and_workbook_with_their_paths(loaded):
    resources = {"warehouse": WarehouseResource(data_dir=str(loaded.data_dir))}
    result = dg.materialize([monthly_report], resources=resources, partition_key=f"{MONTH}-01")
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    page, workbook = Path(metadata["page"].value), Path(metadata["workbook"].value)
    assert page == loaded.data_dir / "reports" / MONTH / f"attendance-{MONTH}.html"
    assert workbook.suffix == ".xlsx" and workbook.stat().st_size > 0
    assert 'id="monthly-summary"' in page.read_text(encoding="utf-8")
    employees = mart_rows(
        loaded.data_dir, "SELECT count(*) AS n, sum(late_minutes) AS late FROM attendance_monthly"
    )[0]
    assert metadata["employee_count"].value == employees["n"]
    assert metadata["late_minutes"].value == pytest.approx(employees["late"])
    assert f"**{MONTH}**: {employees['n']} employees" in metadata["summary"].value


def test_monthly_partitions_start_on_the_month_of_the_daily_start():
    partitions = build_monthly_partitions("2026-03-15")
    assert partitions.get_first_partition_key() == "2026-03-01"
    assert partitions.timezone == "Asia/Shanghai"
