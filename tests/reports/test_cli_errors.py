"""`report` and `export` refuse bad input with one line on stderr (exit 1), never a traceback."""

from __future__ import annotations

import pytest

from pipelines.warehouse import ensure_views
from tests.reports.conftest import MONTH, mart_rows
from tests.reports.helpers import run_cli, table_cells


def _one_line_failure(done, command: str, words: str) -> None:
    assert done.returncode == 1, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"{command} failed: ") and words in lines[0], lines[0]


@pytest.mark.integration
@pytest.mark.parametrize("command", ["report", "export"])
@pytest.mark.parametrize("month", ["2026-13", "2026-1", "November", "2026-11-01"])
def test_a_bad_month_is_one_line(tmp_path, command, month):
    ensure_views(tmp_path)
    _one_line_failure(run_cli(tmp_path, command, "--month", month), command, "YYYY-MM")


@pytest.mark.integration
@pytest.mark.parametrize("command", ["report", "export"])
def test_a_missing_warehouse_is_one_line(tmp_path, command):
    done = run_cli(tmp_path / "nowhere", command, "--month", MONTH)
    _one_line_failure(done, command, "no warehouse at")


@pytest.mark.integration
def test_an_empty_warehouse_is_one_line(tmp_path):
    ensure_views(tmp_path)  # views exist, no partition loaded
    _one_line_failure(
        run_cli(tmp_path, "report", "--month", MONTH), "report", "months loaded: none"
    )


@pytest.mark.integration
def test_a_month_not_loaded_names_the_months_that_are(loaded):
    done = run_cli(loaded.data_dir, "report", "--month", "2026-10")
    _one_line_failure(done, "report", f"months loaded: {MONTH}")


@pytest.mark.integration
def test_an_unknown_department_and_sheet_are_one_line(loaded):
    done = run_cli(loaded.data_dir, "report", "--month", MONTH, "--dept", "424242")
    _one_line_failure(done, "report", "department 424242 has nobody")
    done = run_cli(loaded.data_dir, "export", "--month", MONTH, "--format", "csv", "--sheet", "x")
    _one_line_failure(done, "export", "--sheet must be one of")


@pytest.mark.integration
def test_a_department_report_shows_only_its_members(loaded, tmp_path):
    dept = mart_rows(
        loaded.data_dir, "SELECT dept_id FROM employees WHERE dept_id <> 1 ORDER BY userid LIMIT 1"
    )[0]["dept_id"]
    members = mart_rows(
        loaded.data_dir,
        "SELECT userid FROM employees WHERE list_contains(dept_ids, ?) ORDER BY userid",
        [dept],
    )
    out = tmp_path / "dept.html"
    done = run_cli(
        loaded.data_dir, "report", "--month", MONTH, "--dept", str(dept), "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    shown = table_cells(out.read_text(encoding="utf-8"), "monthly-summary")
    assert sorted(shown) == [row["userid"] for row in members]
