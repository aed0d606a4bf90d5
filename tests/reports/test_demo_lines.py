"""The demo's closing report writes each loaded month's page and workbook and prints their paths;
`demo --json` carries the same figures as one object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.demo.queries import connect_read_only, row_counts
from pipelines.demo.report import report_document, report_file_lines, report_lines
from pipelines.demo.runner import DemoOutcome
from pipelines.warehouse import ParquetStore, ensure_views
from tests.reports.conftest import MONTH


@pytest.mark.integration
def test_the_demo_says_where_the_report_and_workbook_are(loaded):
    lines = report_file_lines(loaded.data_dir)
    page = loaded.data_dir / "reports" / MONTH / f"attendance-{MONTH}.html"
    workbook = page.with_suffix(".xlsx")
    assert f"  {MONTH} page:     {page}" in lines
    assert f"  {MONTH} workbook: {workbook}" in lines
    assert Path(page).stat().st_size > 0 and workbook.stat().st_size > 0


def test_a_month_without_rows_is_named_not_fatal(tmp_path):
    store = ParquetStore(tmp_path)
    store.write("attendance_monthly", [], "2026-09")
    ensure_views(tmp_path)
    lines = report_file_lines(tmp_path)
    assert lines[-1].startswith("  2026-09: no report (") and "months loaded: none" in lines[-1]


@pytest.mark.integration
def test_the_json_summary_carries_the_figures_of_the_text_report(loaded):
    stats = {  # the keys of the emulator's GET /_emulator/stats that the report reads
        "metered_calls_total": 123,
        "pushes_metered": 45,
        "stream": {"events_published": 50, "events_delivered": 41, "failed_total": 9},
    }
    outcome = DemoOutcome(
        loaded.data_dir,
        stats,
        {"backfill": 9, "attendance_refresh_job": 4},
        events_in_live_day=50,
        inbox_by_source={"stream": 41, "failed_push": 9},
        timings={"backfill": 40.04, "live_day": 45.26, "finish_window": 12.0, "total": 99.9},
    )

    document = json.loads(json.dumps(report_document(outcome)))  # JSON-ready, as printed
    text = "\n".join(report_lines(outcome))

    assert document["metered_calls"] == 123 and "metered API calls     123 of 5000" in text
    assert document["pushes"] == 45 and document["events"]["undeliverable"] == 9
    assert document["inbox"] == {"from_stream": 41, "failed_pushes_recovered": 9}
    assert "9 recovered from the failed-push list" in text
    assert document["runs_by_job"] == {"attendance_refresh_job": 4, "backfill": 9}
    with connect_read_only(loaded.data_dir) as connection:
        assert document["rows"] == row_counts(connection)
    assert document["rows"]["attendance_results"] > 0
    assert document["paths"]["duckdb"] == str(loaded.data_dir / "warehouse.duckdb")
    page = Path(document["paths"]["reports"][MONTH]["page"])
    assert page.is_file() and f"{MONTH} page:     {page}" in text
    assert document["timings_s"] == {
        "backfill": 40.0,
        "live_day": 45.3,
        "finish_window": 12.0,
        "total": 99.9,
    }
