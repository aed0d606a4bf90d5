"""The demo's closing report writes each loaded month's page and workbook and prints their paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.demo.report import report_file_lines
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
