"""The four console layouts (月度汇总, 每日统计, 打卡时间, 原始记录) as plain tables.

A `Sheet` is a title, columns and rows of cell values (numbers, dates, naive Shanghai wall-clock
times, text): the workbook and the CSV writers only serialize it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from pipelines.days import SHANGHAI
from pipelines.reports.columns import (
    CHECK_TYPE_LABELS,
    DAILY_FIGURES,
    DATE,
    IDENTITY,
    LOCATION_RESULT_LABELS,
    PUNCH_RECORD,
    SOURCE_LABELS,
    STATUS_LABELS,
    TIME,
    TIME_RESULT_LABELS,
    Column,
    label,
)
from pipelines.reports.data import MonthData, Row
from pipelines.reports.page import cell_value, monthly_columns

SHEET_NAMES = ("月度汇总", "每日统计", "打卡时间", "原始记录")
WEEKDAYS = "一二三四五六日"
_ZONE = SHANGHAI


@dataclass(frozen=True)
class Sheet:
    """One sheet of the export: a title line above the header, the columns and the rows."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]


def build_sheets(data: MonthData) -> list[Sheet]:
    """The four sheets of `data`, in the console's order."""
    period = f"统计日期：{data.days[0]} 至 {data.days[-1]}"
    return [
        _monthly(data, f"月度汇总 {period}"),
        _daily(data, f"每日统计 {period}"),
        _punch_times(data, f"打卡时间 {period}"),
        _raw_records(data, f"原始记录 {period}"),
    ]


def local(value: datetime | None) -> datetime | None:
    """An instant as naive Asia/Shanghai wall-clock time (Excel has no time zones)."""
    return None if value is None else value.astimezone(_ZONE).replace(tzinfo=None)


def _monthly(data: MonthData, title: str) -> Sheet:
    columns = monthly_columns(data)
    rows = [[cell_value(row, column) for column in columns] for row in data.employees]
    return Sheet("月度汇总", title, columns, rows)


def _daily(data: MonthData, title: str) -> Sheet:
    points: dict[tuple[str, date], dict[tuple[str, int], Row]] = defaultdict(dict)
    for point in data.check_points:
        key = (point["userid"], point["work_date"])
        points[key][(point["check_type"], point["ordinal"])] = point
    shifts = max((point["ordinal"] for point in data.check_points), default=1)
    slots = [(kind, n) for n in range(1, shifts + 1) for kind in ("OnDuty", "OffDuty")]
    slot_columns = []
    for kind, n in slots:
        word = CHECK_TYPE_LABELS[kind]
        slot_columns += [Column(f"{kind}{n}_time", f"{word}{n}打卡时间", TIME)]
        slot_columns += [Column(f"{kind}{n}_result", f"{word}{n}打卡结果")]
    columns = [*IDENTITY, Column("work_date", "日期", DATE), *slot_columns, *DAILY_FIGURES]
    rows = []
    for row in data.daily:
        found = points.get((row["userid"], row["work_date"]), {})
        cells = [row.get(column.key) for column in IDENTITY] + [row["work_date"]]
        for slot in slots:
            point = found.get(slot)
            checked = local(point["user_check_time"]) if point else None
            cells += [checked.time() if checked else None]
            cells += [label(TIME_RESULT_LABELS, point["time_result"]) if point else ""]
        labels = {
            "status_label": STATUS_LABELS.get(row["status"], row["status"]),
            "settled_label": "是" if row["settled"] else "否",
        }
        cells += [labels.get(column.key, row.get(column.key)) for column in DAILY_FIGURES]
        rows.append(cells)
    return Sheet("每日统计", title, columns, rows)


def _punch_times(data: MonthData, title: str) -> Sheet:
    by_day: dict[tuple[str, date], list[time]] = defaultdict(list)
    for punch in data.punches:
        checked = local(punch["user_check_time"])
        if checked is not None:
            by_day[(punch["userid"], punch["work_date"])].append(checked.time())
    days = [
        Column(f"day{day.day}", f"{day.day}日 周{WEEKDAYS[day.weekday()]}") for day in data.days
    ]
    rows = []
    for employee in data.employees:
        cells = [employee.get(column.key) for column in IDENTITY]
        for day in data.days:
            times = sorted(by_day.get((employee["userid"], day), []))
            cells.append("\n".join(f"{moment:%H:%M}" for moment in times))
        rows.append(cells)
    return Sheet("打卡时间", title, [*IDENTITY, *days], rows)


def _raw_records(data: MonthData, title: str) -> Sheet:
    rows = []
    for punch in data.punches:
        labels = {
            "check_type_label": label(CHECK_TYPE_LABELS, punch["check_type"]),
            "user_check_time": local(punch["user_check_time"]),
            "time_result_label": label(TIME_RESULT_LABELS, punch["time_result"]),
            "location_result_label": label(LOCATION_RESULT_LABELS, punch["location_result"]),
            "source_label": label(SOURCE_LABELS, punch["source_type"]),
            "valid_label": {True: "是", False: "否"}.get(punch["is_legal"], ""),
        }
        cells = [punch.get(column.key) for column in IDENTITY]
        cells += [labels.get(column.key, punch.get(column.key)) for column in PUNCH_RECORD]
        rows.append(cells)
    return Sheet("原始记录", title, [*IDENTITY, *PUNCH_RECORD], rows)
