"""`report --json` and `export --json` print one object naming the file written and the month's
employees, the same figures as their one-line text summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reports.conftest import MONTH, mart_rows
from tests.reports.helpers import run_cli

pytestmark = pytest.mark.integration


def _employees(loaded) -> int:
    sql = "SELECT COUNT(DISTINCT userid) AS n FROM attendance_monthly WHERE month = ?"
    return mart_rows(loaded.data_dir, sql, [MONTH])[0]["n"]


def test_report_json_names_the_page_and_the_employees(loaded, tmp_path):
    out = tmp_path / "page.html"
    done = run_cli(loaded.data_dir, "report", "--month", MONTH, "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary == {
        "month": MONTH,
        "dept": None,
        "headcount": _employees(loaded),
        "path": str(out),
    }
    assert out.stat().st_size > 0


def test_export_json_names_the_file_format_and_sheet(loaded, tmp_path):
    out = tmp_path / "daily.csv"
    args = ["--format", "csv", "--sheet", "每日统计", "--out", str(out), "--json"]
    done = run_cli(loaded.data_dir, "export", "--month", MONTH, *args)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["format"] == "csv" and summary["sheet"] == "每日统计"
    assert summary["headcount"] == _employees(loaded) and Path(summary["path"]) == out
    assert out.read_text(encoding="utf-8-sig").count("\n") > summary["headcount"]
