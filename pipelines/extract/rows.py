"""Client models to warehouse rows (plain dicts keyed by the table columns, or Arrow), by work date.

Pure functions over the typed models of `pipelines.dingtalk`: no I/O, so every mapping is unit
tested on its own. Times stay aware datetimes in Asia/Shanghai.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from pipelines.catalogue import Table
from pipelines.days import SHANGHAI
from pipelines.dingtalk.models import (
    ApproveItem,
    AttendanceResult,
    ColumnValues,
    LeaveTimeValues,
    PunchRecord,
    ReportColumn,
    VacationType,
)
from pipelines.warehouse.schemas import TABLES

Rows = list[dict[str, Any]]

_PUNCHES_BY_DAY = TABLES[Table.ATTENDANCE_PUNCHES].file_schema

# `approve_list[].biz_type` (reference 2.1): 1 overtime, 2 business trip or out, 3 leave.
_CATEGORY_BY_TAG = {"请假": "leave", "加班": "overtime", "出差": "business_trip", "外出": "out"}
_CATEGORY_BY_BIZ_TYPE = {1: "overtime", 2: "business_trip", 3: "leave"}


def result_rows(results: Iterable[AttendanceResult], pulled_at: datetime) -> dict[date, Rows]:
    """`attendance/list` check points as `attendance_results` rows, per work date.

    `pulled_at` (when the pull started) tells whether a row was read after DingTalk settled its
    day; a targeted refresh re-stamps only the users it re-pulled.
    """
    by_day: dict[date, Rows] = defaultdict(list)
    for item in results:
        by_day[item.work_date].append(
            {
                "userid": item.user_id,
                "check_type": item.check_type,
                "plan_check_time": item.base_check_time,
                "user_check_time": item.user_check_time,
                "time_result": item.time_result,
                "location_result": item.location_result,
                "source_type": item.source_type,
                "record_id": item.record_id,
                "plan_id": item.plan_id,
                "group_id": item.group_id,
                "proc_inst_id": item.proc_inst_id,
                "approve_id": item.approve_id,
                "pulled_at": pulled_at,
            }
        )
    return dict(by_day)


def punch_rows(punches: Iterable[PunchRecord]) -> dict[date, Rows]:
    """`attendance/listRecord` punches as `attendance_punches` rows, per work date
    (`punch_work_date`)."""
    by_day: dict[date, Rows] = defaultdict(list)
    for item in punches:
        by_day[punch_work_date(item)].append(punch_row(item))
    return dict(by_day)


def punch_table(punches: Iterable[PunchRecord]) -> pa.Table:
    """Punches as `attendance_punches` rows in Arrow, with their `work_date` (`punch_work_date`)
    as the first column: what one call's answer is held as until its day is written."""
    return pa.Table.from_pylist(
        [{**punch_row(item), "work_date": punch_work_date(item)} for item in punches],
        schema=_PUNCHES_BY_DAY,
    )


def punch_work_date(item: PunchRecord) -> date:
    """A punch belongs to the work date of its shift (an overnight shift's 02:00 punch belongs to
    the day before); a punch matched to no shift falls on its Asia/Shanghai calendar day."""
    return item.work_date or item.user_check_time.astimezone(SHANGHAI).date()


def punch_row(item: PunchRecord) -> dict[str, Any]:
    """One punch as an `attendance_punches` row."""
    return {
        "userid": item.user_id,
        "record_id": item.id,
        "user_check_time": item.user_check_time,
        "check_type": item.check_type,
        "time_result": item.time_result,
        "location_result": item.location_result,
        "location_method": item.location_method,
        "source_type": item.source_type,
        "plan_id": item.plan_id,
        "group_id": item.group_id,
        "is_legal": None if item.is_legal is None else item.is_legal.upper() == "Y",
        "invalid_record_type": item.invalid_record_type,
        "invalid_record_msg": item.invalid_record_msg,
        "user_address": item.user_address,
        "device_sn": item.device_sn,
        "proc_inst_id": item.proc_inst_id,
    }


def approval_rows(
    userid: str,
    work_date: date,
    approvals: Iterable[ApproveItem],
    pulled_at: datetime | None = None,
) -> Rows:
    """`getupdatedata` `approve_list` entries of one user-day as `attendance_approvals` rows.

    `pulled_at` (when the pull started) tells whether they were read after the day settled.
    """
    rows = []
    for item in approvals:
        category = _CATEGORY_BY_TAG.get(item.tag_name or "") or _CATEGORY_BY_BIZ_TYPE.get(
            item.biz_type or 0, "other"
        )
        rows.append(
            {
                "userid": userid,
                "proc_inst_id": item.proc_inst_id,
                "category": category,
                "tag_name": item.tag_name,
                "sub_type": item.sub_type,
                "begin_time": item.begin_time,
                "end_time": item.end_time,
                "duration": _number(item.duration),
                "duration_unit": item.duration_unit,
                "pulled_at": pulled_at,
            }
        )
    return rows


def column_value_rows(
    userid: str, series: Iterable[ColumnValues], columns: dict[int, ReportColumn], captured_on: date
) -> dict[date, Rows]:
    """`getcolumnval` series of one user as long-form `attendance_report_values` rows."""
    by_day: dict[date, Rows] = defaultdict(list)
    for one in series:
        column = columns.get(one.column.id or -1)
        for value in one.values:
            by_day[value.date.astimezone(SHANGHAI).date()].append(
                _value_row(
                    userid,
                    "column",
                    one.column.id,
                    column.name if column else one.column.name,
                    column.alias if column else one.column.alias,
                    value.value,
                    captured_on,
                )
            )
    return dict(by_day)


def leave_value_rows(
    userid: str, series: Iterable[LeaveTimeValues], captured_on: date, days: Iterable[date]
) -> dict[date, Rows]:
    """`getleavetimebynames` series of one user as `attendance_report_values` rows.

    A leave type answered without values (null: it is missing from the report settings) gets a
    row with a null value on every day, so the gap is visible in the table and to the checks.
    """
    by_day: dict[date, Rows] = defaultdict(list)
    for one in series:
        name, alias = one.column.name, one.column.alias
        if not one.values:
            for day in days:
                by_day[day].append(
                    _value_row(userid, "leave", None, name, alias, None, captured_on)
                )
        for value in one.values:
            by_day[value.date.astimezone(SHANGHAI).date()].append(
                _value_row(userid, "leave", None, name, alias, value.value, captured_on)
            )
    return dict(by_day)


def report_column_rows(
    columns: Iterable[ReportColumn], leave_types: Iterable[VacationType]
) -> Rows:
    """The report column catalogue and the leave types as `report_columns` rows."""
    rows: Rows = [
        {
            "kind": "column",
            "column_id": column.id,
            "name": column.name,
            "alias": column.alias,
            "column_type": column.type,
            "sub_type": column.sub_type,
            "status": column.status,
        }
        for column in columns
    ]
    rows += [
        {
            "kind": "leave_type",
            "name": leave.leave_name,
            "leave_code": leave.leave_code,
            "leave_view_unit": leave.leave_view_unit,
            # The wire gives hundredths of an hour (1000 = 10 h).
            "hours_in_per_day": None
            if leave.hours_in_per_day is None
            else leave.hours_in_per_day / 100,
        }
        for leave in leave_types
    ]
    return rows


def _value_row(userid, source, column_id, name, alias, value, captured_on) -> dict[str, Any]:
    return {
        "userid": userid,
        "source": source,
        "column_id": column_id,
        "column_name": name,
        "column_alias": alias,
        "value": value,
        "value_num": _number(value),
        "captured_on": captured_on,
    }


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None
