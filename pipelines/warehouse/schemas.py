"""Arrow schemas of every warehouse table: the analysts' contract (see docs/warehouse.md).

Partitioned tables carry their partition column twice: in the hive directory name
(`work_date=YYYY-MM-DD`, `month=YYYY-MM`) and inside every file (`partition_fields`), so a
reader of one file (Excel, Power BI, `pyarrow.parquet.read_table`) keeps the date. `schema` is
the row contract without them (what `ParquetStore.read` returns); `file_schema` is what a file
holds. Timestamps are stored as UTC instants with the Asia/Shanghai zone attached, so every
reader shows local wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from pipelines.catalogue import Table
from pipelines.days import ZONE_NAME

TS = pa.timestamp("ms", tz=ZONE_NAME)


@dataclass(frozen=True)
class TableSpec:
    """One warehouse table: its Arrow schema, its key and how it is partitioned."""

    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    partition: str | None  # hive column ("work_date", "month") or None for a single file

    @property
    def columns(self) -> list[str]:
        return self.schema.names

    @property
    def partition_fields(self) -> tuple[pa.Field, ...]:
        """The partition columns written inside each file, before the row columns.

        `month` stays the text `YYYY-MM` (what `WHERE month = '2026-11'` compares with, and a
        DATE would print as a day); `month_start` is the same month as a DATE (its first day)
        for tools that need a date to build a time axis.
        """
        if self.partition == "work_date":
            return (pa.field("work_date", pa.date32()),)
        if self.partition == "month":
            return (pa.field("month", pa.string()), pa.field("month_start", pa.date32()))
        return ()

    @property
    def file_schema(self) -> pa.Schema:
        return pa.schema([*self.partition_fields, *self.schema])


def partition_values(spec: TableSpec, partition: date | str) -> dict[str, date | str]:
    """The values of `spec.partition_fields` for one partition (`2026-11-03` or `2026-11`)."""
    text = partition.isoformat() if isinstance(partition, date) else str(partition)
    if spec.partition == "work_date":
        return {"work_date": date.fromisoformat(text)}
    if spec.partition == "month":
        return {"month": text, "month_start": date.fromisoformat(f"{text}-01")}
    return {}


def _spec(name: str, key: tuple[str, ...], partition: str | None, fields: list) -> TableSpec:
    return TableSpec(name, pa.schema(fields), key, partition)


EMPLOYEES = _spec(
    Table.EMPLOYEES,
    ("userid",),
    None,
    [
        ("userid", pa.string()),
        ("name", pa.string()),
        ("dept_id", pa.int64()),
        ("dept_name", pa.string()),
        ("dept_ids", pa.list_(pa.int64())),
        ("job_number", pa.string()),
        ("title", pa.string()),
        ("active", pa.bool_()),
    ],
)

REPORT_COLUMNS = _spec(
    Table.REPORT_COLUMNS,
    ("kind", "name"),
    None,
    [
        ("kind", pa.string()),  # "column" (getattcolumns) or "leave_type" (vacation/type/list)
        ("column_id", pa.int64()),
        ("name", pa.string()),
        ("alias", pa.string()),
        ("column_type", pa.int64()),
        ("sub_type", pa.int64()),
        ("status", pa.int64()),
        ("leave_code", pa.string()),
        ("leave_view_unit", pa.string()),
        ("hours_in_per_day", pa.float64()),
    ],
)

# 假期余额 (vacation/quota/list), optional: one row per employee, leave type and quota cycle.
LEAVE_BALANCES = _spec(
    Table.LEAVE_BALANCES,
    ("userid", "leave_code", "quota_id"),
    None,
    [
        ("userid", pa.string()),
        ("leave_code", pa.string()),
        ("leave_name", pa.string()),
        ("quota_cycle", pa.string()),  # e.g. "2026"
        ("quota_id", pa.string()),
        ("unit", pa.string()),  # day | hour: the type's unit (DingTalk's per_day/per_hour fields)
        ("quota", pa.float64()),  # granted, in unit
        ("used", pa.float64()),
        ("remaining", pa.float64()),
        ("valid_from", TS),
        ("valid_to", TS),
        ("pulled_at", TS),
    ],
)

ATTENDANCE_RESULTS = _spec(
    Table.ATTENDANCE_RESULTS,
    ("work_date", "userid", "plan_id", "check_type"),
    "work_date",
    [
        ("userid", pa.string()),
        ("check_type", pa.string()),
        ("plan_check_time", TS),
        ("user_check_time", TS),
        ("time_result", pa.string()),
        ("location_result", pa.string()),
        ("source_type", pa.string()),
        ("record_id", pa.int64()),
        ("plan_id", pa.int64()),
        ("group_id", pa.int64()),
        ("proc_inst_id", pa.string()),
        ("approve_id", pa.int64()),
        ("pulled_at", TS),  # when the pull that wrote the row started (settlement)
    ],
)

ATTENDANCE_PUNCHES = _spec(
    Table.ATTENDANCE_PUNCHES,
    ("work_date", "userid", "record_id"),
    "work_date",
    [
        ("userid", pa.string()),
        ("record_id", pa.int64()),
        ("user_check_time", TS),
        ("check_type", pa.string()),
        ("time_result", pa.string()),
        ("location_result", pa.string()),
        ("location_method", pa.string()),
        ("source_type", pa.string()),
        ("plan_id", pa.int64()),
        ("group_id", pa.int64()),
        ("is_legal", pa.bool_()),
        ("invalid_record_type", pa.string()),
        ("invalid_record_msg", pa.string()),
        ("user_address", pa.string()),
        ("device_sn", pa.string()),
        ("proc_inst_id", pa.string()),
    ],
)

ATTENDANCE_APPROVALS = _spec(
    Table.ATTENDANCE_APPROVALS,
    ("work_date", "userid", "proc_inst_id"),
    "work_date",
    [
        ("userid", pa.string()),
        ("proc_inst_id", pa.string()),
        ("category", pa.string()),  # leave | overtime | business_trip | out
        ("tag_name", pa.string()),  # DingTalk's label: 请假 / 加班 / 出差 / 外出
        ("sub_type", pa.string()),  # the leave name for leave (年假, 事假, ...)
        ("begin_time", TS),
        ("end_time", TS),
        ("duration", pa.float64()),  # of the whole approval, in duration_unit
        ("duration_unit", pa.string()),
        ("pulled_at", TS),  # when the pull that wrote the row started (settlement)
    ],
)

ATTENDANCE_REPORT_VALUES = _spec(
    Table.ATTENDANCE_REPORT_VALUES,
    ("work_date", "userid", "source", "column_name"),
    "work_date",
    [
        ("userid", pa.string()),
        ("source", pa.string()),  # "column" (getcolumnval) or "leave" (getleavetimebynames)
        ("column_id", pa.int64()),
        ("column_name", pa.string()),
        ("column_alias", pa.string()),
        ("value", pa.string()),  # as DingTalk sent it
        ("value_num", pa.float64()),  # parsed number, null when not numeric
        ("captured_on", pa.date32()),  # Asia/Shanghai date of the pull (15-day window check)
    ],
)
# The `column_alias` of 应出勤天数, which getcolumnval answers only for days within
# REPORT_WINDOW_DAYS of the day it is asked (reference 2.5): outside, it comes back 0.
SHOULD_ATTEND_ALIAS = "should_attendance_days"
REPORT_WINDOW_DAYS = 15

# The figures of one employee-day; their definitions are in pipelines/warehouse/figures.py.
DAILY_FIGURES = [
    ("should_attend_days", pa.float64()),  # 应出勤天数
    ("attended_days", pa.float64()),  # 出勤天数 (0 or 1)
    ("late_count", pa.int64()),  # 迟到次数 (Late only)
    ("late_minutes", pa.float64()),  # 迟到时长
    ("serious_late_count", pa.int64()),  # 严重迟到次数
    ("serious_late_minutes", pa.float64()),  # 严重迟到时长
    ("absent_late_count", pa.int64()),  # 旷工迟到次数
    ("early_count", pa.int64()),  # 早退次数
    ("early_minutes", pa.float64()),  # 早退时长
    ("on_missing_count", pa.int64()),  # 上班缺卡次数
    ("off_missing_count", pa.int64()),  # 下班缺卡次数
    ("missing_count", pa.int64()),  # 缺卡次数 (上班 + 下班)
    ("absent_days", pa.float64()),  # 旷工天数: 1 for a whole day, 0.5 per Absenteeism point
    ("making_up_count", pa.int64()),  # 补卡次数
    ("leave_hours", pa.float64()),
    ("leave_hours_by_type", pa.map_(pa.string(), pa.float64())),
    ("overtime_hours", pa.float64()),  # 加班时长
    ("business_trip_days", pa.float64()),  # 出差时长 (days)
    ("out_hours", pa.float64()),  # 外出时长
]

ATTENDANCE_DAILY = _spec(
    Table.ATTENDANCE_DAILY,
    ("work_date", "userid"),
    "work_date",
    [
        ("userid", pa.string()),
        ("name", pa.string()),
        ("dept_id", pa.int64()),
        ("dept_name", pa.string()),
        ("scheduled", pa.bool_()),
        ("check_points", pa.int64()),
        ("absent", pa.bool_()),
    ]
    + DAILY_FIGURES
    + [
        ("status", pa.string()),
        ("settled", pa.bool_()),
        ("provisional_figures", pa.list_(pa.string())),  # figures DingTalk may still change
        ("pulled_at", TS),  # oldest pull of the user-day's check points (null: none)
    ],
)

MONTHLY_FIGURES = [
    *DAILY_FIGURES,
    ("days_settled", pa.int64()),
    ("days_loaded", pa.int64()),
    ("days_unsettled", pa.int64()),  # employee-days (rest days too) DingTalk may still change
]

ATTENDANCE_MONTHLY = _spec(
    Table.ATTENDANCE_MONTHLY,
    ("month", "userid"),
    "month",
    [
        ("userid", pa.string()),
        ("name", pa.string()),
        ("dept_id", pa.int64()),
        ("dept_name", pa.string()),
    ]
    + MONTHLY_FIGURES,
)

ATTENDANCE_MONTHLY_DEPARTMENT = _spec(
    Table.ATTENDANCE_MONTHLY_DEPARTMENT,
    ("month", "dept_id"),
    "month",
    [("dept_id", pa.int64()), ("dept_name", pa.string()), ("employees", pa.int64())]
    + MONTHLY_FIGURES,
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        EMPLOYEES,
        REPORT_COLUMNS,
        LEAVE_BALANCES,
        ATTENDANCE_RESULTS,
        ATTENDANCE_PUNCHES,
        ATTENDANCE_APPROVALS,
        ATTENDANCE_REPORT_VALUES,
        ATTENDANCE_DAILY,
        ATTENDANCE_MONTHLY,
        ATTENDANCE_MONTHLY_DEPARTMENT,
    )
}
DAILY_TABLES = tuple(name for name, spec in TABLES.items() if spec.partition == "work_date")
