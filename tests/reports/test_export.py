"""The exported workbook reads back with openpyxl as the console lays it out (sheet names, titles,
headers, frozen header, one 月度汇总 row per employee) with the marts' values; the CSV opens with
its byte-order mark and holds the same rows."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest

from pipelines.reports.columns import MONTHLY_FIGURES, MONTHLY_STATUS
from tests.reports.conftest import MONTH, mart_rows
from tests.reports.helpers import run_cli

pytestmark = pytest.mark.integration

MONTHLY_HEADERS = [
    "姓名", "部门", "工号", "职位", "UserId", "应出勤天数", "出勤天数", "迟到次数",
    "迟到时长(分钟)", "早退次数", "早退时长(分钟)", "缺卡次数", "旷工天数", "加班时长(小时)",
    "请假(小时)",
]  # fmt: skip
MONTHLY_SQL = """
SELECT m.*, e.job_number, e.title FROM attendance_monthly m LEFT JOIN employees e USING (userid)
WHERE m.month = ? ORDER BY m.userid
"""


@pytest.fixture(scope="module")
def workbook(loaded, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "attendance.xlsx"
    done = run_cli(
        loaded.data_dir, "export", "--month", MONTH, "--format", "xlsx", "--out", str(path)
    )
    assert done.returncode == 0, done.stderr
    return openpyxl.load_workbook(path)


def _records(sheet) -> list[dict]:
    headers = [cell.value for cell in sheet[2]]
    return [
        dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=3, values_only=True)
    ]


def test_sheets_titles_headers_and_frozen_header(workbook):
    assert workbook.sheetnames == ["月度汇总", "每日统计", "打卡时间", "原始记录"]
    for sheet in workbook.worksheets:
        assert sheet["A1"].value.startswith(f"{sheet.title} 统计日期：2026-11-01 至 2026-11-30")
        assert sheet.freeze_panes == "B3"
    monthly = [cell.value for cell in workbook["月度汇总"][2]]
    assert monthly[: len(MONTHLY_HEADERS)] == MONTHLY_HEADERS
    assert monthly[-2:] == ["已结算天数", "已加载天数"]
    daily = [cell.value for cell in workbook["每日统计"][2]]
    assert daily[5:10] == [
        "日期",
        "上班1打卡时间",
        "上班1打卡结果",
        "下班1打卡时间",
        "下班1打卡结果",
    ]
    assert [cell.value for cell in workbook["打卡时间"][2]][5:7] == ["1日 周日", "2日 周一"]
    raw = [cell.value for cell in workbook["原始记录"][2]]
    assert raw[5:9] == ["考勤日期", "打卡类型", "打卡时间", "打卡结果"]


def test_monthly_sheet_has_one_row_per_employee_equal_to_the_mart(loaded, workbook):
    sheet = workbook["月度汇总"]
    rows = {row["UserId"]: row for row in _records(sheet)}
    mart = mart_rows(loaded.data_dir, MONTHLY_SQL, [MONTH])
    assert mart and sorted(rows) == [row["userid"] for row in mart]
    for row in mart:
        found = rows[row["userid"]]
        assert (found["姓名"], found["部门"], found["工号"]) == (
            row["name"],
            row["dept_name"],
            row["job_number"],
        )
        for column in (*MONTHLY_FIGURES, *MONTHLY_STATUS):
            assert found[column.header] == pytest.approx(row[column.key]), column.header
        for leave_type, hours in row["leave_hours_by_type"].items():
            assert found[f"{leave_type}(小时)"] == pytest.approx(hours)
    headers = [cell.value for cell in sheet[2]]
    assert sheet.cell(3, headers.index("迟到时长(分钟)") + 1).number_format == "0.0#"


def test_daily_and_raw_sheets_hold_every_mart_row(loaded, workbook):
    daily = mart_rows(
        loaded.data_dir,
        "SELECT userid, work_date, late_minutes FROM attendance_daily ORDER BY ALL",
    )
    found = sorted(
        (row["UserId"], row["日期"].date(), row["迟到时长(分钟)"])
        for row in _records(workbook["每日统计"])
    )
    assert found == [(r["userid"], r["work_date"], r["late_minutes"]) for r in daily]
    punches = mart_rows(
        loaded.data_dir,
        "SELECT userid, strftime(user_check_time, '%Y-%m-%d %H:%M:%S') AS at "
        "FROM attendance_punches ORDER BY ALL",
    )
    raw = sorted(
        (r["UserId"], f"{r['打卡时间']:%Y-%m-%d %H:%M:%S}") for r in _records(workbook["原始记录"])
    )
    assert raw == [(r["userid"], r["at"]) for r in punches]
    assert all(isinstance(r["打卡时间"], datetime) for r in _records(workbook["原始记录"]))


def test_csv_starts_with_the_byte_order_mark_and_holds_the_monthly_rows(loaded, tmp_path):
    path = tmp_path / "monthly.csv"
    done = run_cli(
        loaded.data_dir, "export", "--month", MONTH, "--format", "csv", "--out", str(path)
    )
    assert done.returncode == 0, done.stderr
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    mart = {row["userid"]: row for row in mart_rows(loaded.data_dir, MONTHLY_SQL, [MONTH])}
    assert sorted(row["UserId"] for row in rows) == sorted(mart)
    for row in rows:
        assert float(row["迟到时长(分钟)"]) == mart[row["UserId"]]["late_minutes"]
        assert row["姓名"] == mart[row["UserId"]]["name"]
