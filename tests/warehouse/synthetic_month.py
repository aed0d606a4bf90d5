"""A settled month written straight into a store: every daily table, the marts, made up rows.

For the compaction tests and `bench/warehouse_compaction.py`: what matters there is the file
layout and that every `attendance_daily` row is settled, not DingTalk's answers (the emulator
tests cover those). Weekdays have two check points per employee, some of them late.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pipelines.catalogue import Table
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.compaction import month_days
from pipelines.warehouse.marts import build_daily, mart_connection, write_monthly

SH = ZoneInfo("Asia/Shanghai")
DEPARTMENTS = 10


def userid(number: int) -> str:
    return f"user{number:05d}"


def write_month(store: ParquetStore, month: str, employees: int, settled: bool = True) -> None:
    """`employees` people x every day of `month`; `settled`: pulled after each day's cut-off."""
    store.write(
        Table.EMPLOYEES,
        [
            {
                "userid": userid(n),
                "name": f"员工{n}",
                "dept_id": 100 + n % DEPARTMENTS,
                "dept_name": f"部门{n % DEPARTMENTS}",
                "active": True,
            }
            for n in range(employees)
        ],
    )
    store.write(
        Table.REPORT_COLUMNS, [{"kind": "leave_type", "name": "年假", "leave_view_unit": "day"}]
    )
    days = month_days(month)
    for day in days:
        write_day(store, day, employees, settled)
    now = datetime.combine(days[-1] + timedelta(days=3), time(9), tzinfo=SH)
    with mart_connection(store, days) as connection:
        for day in days:
            store.write(Table.ATTENDANCE_DAILY, build_daily(store, day, now, connection), day)
    write_monthly(store, month)


def write_day(store: ParquetStore, day: date, employees: int, settled: bool = True) -> None:
    """One day's rows of the pulled tables (empty partitions on weekends)."""
    pulled = datetime.combine(
        day + timedelta(days=1 if settled else 0), time(8 if settled else 10), tzinfo=SH
    )
    results, punches, values, approvals = [], [], [], []
    for n in range(employees if day.weekday() < 5 else 0):
        late = (n * 7 + day.day) % 13 == 0
        on_plan = datetime.combine(day, time(9), tzinfo=SH)
        on_punch = on_plan + timedelta(minutes=(n % 40) + 1 if late else -5)
        off_plan = datetime.combine(day, time(18), tzinfo=SH)
        for plan_id, check, plan, punch, result in (
            (2 * n, "OnDuty", on_plan, on_punch, "Late" if late else "Normal"),
            (2 * n + 1, "OffDuty", off_plan, off_plan + timedelta(minutes=3), "Normal"),
        ):
            common = {"userid": userid(n), "check_type": check, "plan_id": plan_id}
            results.append(
                {
                    **common,
                    "plan_check_time": plan,
                    "user_check_time": punch,
                    "time_result": result,
                    "location_result": "Normal",
                    "source_type": "USER",
                    "record_id": day.toordinal() * 100_000 + plan_id,
                    "group_id": 1,
                    "pulled_at": pulled,
                }
            )
            punches.append(
                {
                    **common,
                    "record_id": day.toordinal() * 100_000 + plan_id,
                    "user_check_time": punch,
                    "time_result": result,
                    "source_type": "USER",
                    "is_legal": True,
                }
            )
        values.append(
            {
                "userid": userid(n),
                "source": "column",
                "column_name": "应出勤天数",
                "column_alias": "should_attendance_days",
                "value": "1",
                "value_num": 1.0,
                "captured_on": day,
            }
        )
    store.write(Table.ATTENDANCE_RESULTS, results, day)
    store.write(Table.ATTENDANCE_PUNCHES, punches, day)
    store.write(Table.ATTENDANCE_REPORT_VALUES, values, day)
    store.write(Table.ATTENDANCE_APPROVALS, approvals, day)
