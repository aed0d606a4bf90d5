"""The report page renders in headless Chromium, requests nothing (no URL in the file, no request
in Chromium's net log), and its 月度汇总 table shows attendance_monthly for every employee."""

from __future__ import annotations

import re

import pytest

from pipelines.reports.columns import MONTHLY_FIGURES, MONTHLY_STATUS
from tests.reports.conftest import MONTH, mart_rows
from tests.reports.helpers import page_requests, run_chromium, run_cli, table_cells

pytestmark = pytest.mark.integration

MONTHLY_SQL = """
SELECT m.*, e.job_number, e.title FROM attendance_monthly m LEFT JOIN employees e USING (userid)
WHERE m.month = ? ORDER BY m.userid
"""
SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)
REFERENCE = re.compile(r"""\b(?:src|href|action|poster)\s*=\s*["']?(?!["'#])([^"'\s>]*)""", re.I)


@pytest.fixture(scope="module")
def page(loaded, tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "report.html"
    done = run_cli(loaded.data_dir, "report", "--month", MONTH, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    return out


def test_the_page_shows_the_monthly_mart_for_every_employee(loaded, page, tmp_path):
    net_log = tmp_path / "net.json"
    dom = run_chromium(
        tmp_path / "profile", f"--log-net-log={net_log}", "--dump-dom", page.as_uri()
    ).stdout
    cells = table_cells(dom, "monthly-summary")
    mart = mart_rows(loaded.data_dir, MONTHLY_SQL, [MONTH])
    assert mart and set(cells) == {row["userid"] for row in mart}
    assert sum(row["late_minutes"] for row in mart) > 0  # the month has something to show
    assert any(row["leave_hours_by_type"] for row in mart)
    for row in mart:
        shown = cells[row["userid"]]
        for key in ("name", "dept_name", "job_number", "title"):
            assert shown[key] == row[key], (row["userid"], key)
        for column in (*MONTHLY_FIGURES, *MONTHLY_STATUS):
            assert float(shown[column.key]) == pytest.approx(row[column.key], abs=0.005), (
                row["userid"],
                column.key,
            )
        for leave_type, hours in row["leave_hours_by_type"].items():
            assert float(shown[f"leave:{leave_type}"]) == pytest.approx(hours, abs=0.005)
    assert page_requests(net_log) == []


def test_the_page_references_nothing_outside_the_file(page):
    html = page.read_text(encoding="utf-8")
    assert SCHEME.findall(html) == []
    assert [ref for ref in REFERENCE.findall(html) if not ref.startswith("data:")] == []
    assert "@import" not in html and "<script" not in html and "<link" not in html
    assert "url(" not in html.replace("url(#", "")
    assert html.count("<svg") == 3  # heatmap, leave, overtime: drawn into the file


def test_chromium_takes_a_screenshot_of_the_page(page, tmp_path):
    shot = tmp_path / "report.png"
    run_chromium(
        tmp_path / "profile", "--window-size=1400,2200", f"--screenshot={shot}", page.as_uri()
    )
    image = shot.read_bytes()
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert (width, height) == (1400, 2200)
