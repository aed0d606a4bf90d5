"""The derived tables, computed in DuckDB SQL from the Parquet partitions.

`attendance_daily` takes DingTalk's own daily statistics (the report columns behind 月度汇总)
where they exist, and falls back to figures computed from the check points, so that the monthly
rollups add up to what DingTalk's monthly report shows. Everything is read through an in-memory
DuckDB (`scratch_connection`): computing a mart never locks `warehouse.duckdb`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pyarrow as pa
from filelock import FileLock

from pipelines.catalogue import Table
from pipelines.days import SHANGHAI
from pipelines.warehouse.store import ParquetStore
from pipelines.warehouse.views import scratch_connection

# A day's missing punches and absence are final once the next day began; overnight shifts end
# in the morning and DingTalk settles them a few hours later.
SETTLE_GRACE = timedelta(hours=6)
DEFAULT_HOURS_PER_DAY = 8.0

_DAILY_SQL = """
WITH res AS (
    SELECT userid,
        count(*) AS check_points,
        count(*) FILTER (WHERE time_result IN ('Late', 'SeriousLate')) AS late_count,
        sum(floor(abs(epoch(user_check_time) - epoch(plan_check_time)) / 60))
            FILTER (WHERE time_result IN ('Late', 'SeriousLate')) AS late_minutes,
        count(*) FILTER (WHERE time_result = 'Early') AS early_count,
        sum(floor(abs(epoch(user_check_time) - epoch(plan_check_time)) / 60))
            FILTER (WHERE time_result = 'Early') AS early_minutes,
        count(*) FILTER (WHERE time_result = 'NotSigned') AS missing_count,
        count(*) FILTER (WHERE time_result = 'Absenteeism') AS absenteeism_points,
        min(pulled_at) AS pulled_at
    FROM attendance_results WHERE work_date = $day GROUP BY userid
),
col AS (
    SELECT userid,
        max(value_num) FILTER (WHERE column_alias = 'should_attendance_days') AS should_attend,
        max(value_num) FILTER (WHERE column_alias = 'attendance_days') AS attended,
        max(value_num) FILTER (WHERE column_alias = 'late_times') AS late_times,
        max(value_num) FILTER (WHERE column_alias = 'late_minute') AS late_minute,
        max(value_num) FILTER (WHERE column_alias = 'leave_early_times') AS early_times,
        max(value_num) FILTER (WHERE column_alias = 'leave_early_minute') AS early_minute,
        sum(value_num) FILTER (WHERE column_alias IN
            ('on_work_lack_card_times', 'off_work_lack_card_times')) AS lack_times,
        max(value_num) FILTER (WHERE column_alias = 'absenteeism_days') AS absent_days,
        max(value_num) FILTER (WHERE column_alias = 'overtime_duration') AS overtime
    FROM attendance_report_values WHERE work_date = $day AND source = 'column' GROUP BY userid
),
unit AS (
    SELECT name, CASE WHEN leave_view_unit IN ('day', 'halfDay')
        THEN coalesce(hours_in_per_day, $hours_per_day) ELSE 1 END AS hours_per_unit
    FROM report_columns WHERE kind = 'leave_type'
),
lv AS (
    SELECT v.userid, sum(v.value_num * coalesce(u.hours_per_unit, 1)) AS leave_hours,
        map_from_entries(list(struct_pack(k := v.column_name,
            v := v.value_num * coalesce(u.hours_per_unit, 1)) ORDER BY v.column_name)) AS by_type
    FROM attendance_report_values v LEFT JOIN unit u ON u.name = v.column_name
    WHERE v.work_date = $day AND v.source = 'leave' AND v.value_num > 0 GROUP BY v.userid
),
people AS (
    SELECT userid FROM employees WHERE active IS NOT false
    UNION SELECT userid FROM res UNION SELECT userid FROM col WHERE should_attend > 0
),
figures AS (
    SELECT p.userid, e.name, e.dept_id, e.dept_name,
        coalesce(res.check_points, 0) > 0 OR coalesce(col.should_attend, 0) > 0 AS scheduled,
        coalesce(res.check_points, 0) AS check_points,
        CAST(coalesce(col.late_times, res.late_count, 0) AS BIGINT) AS late_count,
        CAST(coalesce(col.late_minute, res.late_minutes, 0) AS DOUBLE) AS late_minutes,
        CAST(coalesce(col.early_times, res.early_count, 0) AS BIGINT) AS early_count,
        CAST(coalesce(col.early_minute, res.early_minutes, 0) AS DOUBLE) AS early_minutes,
        CAST(coalesce(col.lack_times, res.missing_count, 0) AS BIGINT) AS missing_count,
        coalesce(col.absent_days, 0) > 0 OR coalesce(res.absenteeism_points, 0) > 0 AS absent,
        CAST(coalesce(col.absent_days, 0.5 * res.absenteeism_points, 0) AS DOUBLE) AS absent_days,
        CAST(coalesce(col.attended, 0) AS DOUBLE) AS attended_days,
        CAST(coalesce(lv.leave_hours, 0) AS DOUBLE) AS leave_hours,
        coalesce(lv.by_type, MAP {}::MAP(VARCHAR, DOUBLE)) AS leave_hours_by_type,
        CAST(coalesce(col.overtime, 0) AS DOUBLE) AS overtime_hours,
        col.should_attend AS should_attend_days,
        res.pulled_at
    FROM people p
    LEFT JOIN employees e USING (userid) LEFT JOIN res USING (userid)
    LEFT JOIN col USING (userid) LEFT JOIN lv USING (userid)
)
SELECT * EXCLUDE (pulled_at),
    CASE WHEN NOT scheduled THEN 'rest'
        WHEN absent THEN 'absent'
        WHEN missing_count > 0 THEN 'missing'
        WHEN late_count > 0 THEN 'late'
        WHEN early_count > 0 THEN 'early'
        WHEN leave_hours > 0 THEN 'leave'
        ELSE 'normal' END AS status,
    -- Settled when the user's results were read after DingTalk's cut-off; a day without
    -- results (rest day) is settled once the cut-off has passed.
    coalesce(pulled_at >= $settle_after, $now >= $settle_after) AS settled
FROM figures ORDER BY userid
"""

_MONTHLY_SQL = """
WITH d AS (SELECT * FROM attendance_daily WHERE strftime(work_date, '%Y-%m') = $month),
leave_entries AS (
    SELECT {group_key}, unnest(map_keys(leave_hours_by_type)) AS k,
        unnest(map_values(leave_hours_by_type)) AS v
    FROM d
),
leave_map AS (
    SELECT {group_key}, map_from_entries(list(struct_pack(k := k, v := total) ORDER BY k)) AS m
    FROM (SELECT {group_key}, k, sum(v) AS total FROM leave_entries GROUP BY ALL)
    GROUP BY ALL
),
totals AS (
    SELECT {group_columns},
        sum(coalesce(should_attend_days, CASE WHEN scheduled THEN 1 ELSE 0 END))
            AS should_attend_days,
        sum(attended_days) AS attended_days,
        sum(late_count)::BIGINT AS late_count, sum(late_minutes) AS late_minutes,
        sum(early_count)::BIGINT AS early_count, sum(early_minutes) AS early_minutes,
        sum(missing_count)::BIGINT AS missing_count, sum(absent_days) AS absent_days,
        sum(leave_hours) AS leave_hours, sum(overtime_hours) AS overtime_hours,
        count(*) FILTER (WHERE settled AND scheduled)::BIGINT AS days_settled,
        count(*) FILTER (WHERE scheduled)::BIGINT AS days_loaded
    FROM d GROUP BY ALL
)
SELECT totals.*, coalesce(leave_map.m, MAP {{}}::MAP(VARCHAR, DOUBLE)) AS leave_hours_by_type
FROM totals LEFT JOIN leave_map USING ({group_key}) ORDER BY {group_key}
"""
_EMPLOYEE_GROUPING = dict(
    group_key="userid",
    group_columns="userid, any_value(name) AS name, any_value(dept_id) AS dept_id, "
    "any_value(dept_name) AS dept_name",
)
_DEPARTMENT_GROUPING = dict(
    group_key="dept_id",
    group_columns="dept_id, any_value(dept_name) AS dept_name, "
    "count(DISTINCT userid)::BIGINT AS employees",
)
_MONTHLY_GROUPINGS = {
    Table.ATTENDANCE_MONTHLY: _EMPLOYEE_GROUPING,
    Table.ATTENDANCE_MONTHLY_DEPARTMENT: _DEPARTMENT_GROUPING,
}
MONTHLY_TABLES = tuple(_MONTHLY_GROUPINGS)


def build_daily(store: ParquetStore, day: date, now: datetime | None = None) -> pa.Table:
    """`attendance_daily` rows of one work date, computed from the warehouse partitions."""
    now = now or datetime.now(tz=SHANGHAI)
    settle_after = datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI) + SETTLE_GRACE
    connection = scratch_connection(store.data_dir)
    try:
        params = {
            "day": day,
            "hours_per_day": DEFAULT_HOURS_PER_DAY,
            "now": now,
            "settle_after": settle_after,
        }
        return connection.sql(_DAILY_SQL, params=params).to_arrow_table()
    finally:
        connection.close()


def build_monthly(store: ParquetStore, month: str, table: str) -> pa.Table:
    """The rows of one monthly table (`MONTHLY_TABLES`) for `month` (YYYY-MM)."""
    connection = scratch_connection(store.data_dir)
    try:
        sql = _MONTHLY_SQL.format(**_MONTHLY_GROUPINGS[table])
        return connection.sql(sql, params={"month": month}).to_arrow_table()
    finally:
        connection.close()


def write_monthly(
    store: ParquetStore, month: str, tables: tuple[str, ...] = MONTHLY_TABLES
) -> dict[str, int]:
    """Recompute and replace the monthly partitions of `month`; returns their row counts.

    Runs for days of the same month may finish in any order: the lock makes each recompute see
    every daily partition written before it, so the last one written is complete.
    """
    lock = FileLock(str(store.data_dir / "locks" / f"monthly-{month}.lock"), timeout=120)
    with lock:
        return {
            table: store.write(table, build_monthly(store, month, table), month) for table in tables
        }
