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
from pipelines.warehouse import figures
from pipelines.warehouse.store import ParquetStore
from pipelines.warehouse.views import scratch_connection

# A day's missing punches and absence are final once the next day began; overnight shifts end
# in the morning and DingTalk settles them a few hours later.
SETTLE_GRACE = timedelta(hours=6)
DEFAULT_HOURS_PER_DAY = 8.0

_DAILY_TEMPLATE = """
WITH instances AS (
    SELECT proc_inst_id, any_value(category) AS category,
        count(DISTINCT work_date) AS days
    FROM attendance_approvals WHERE proc_inst_id IS NOT NULL GROUP BY proc_inst_id
),
p AS (
    SELECT r.userid,
        {point_aggregates}
    FROM attendance_results r LEFT JOIN instances i USING (proc_inst_id)
    WHERE r.work_date = $day GROUP BY r.userid
),
rv AS (
    SELECT userid, max(value_num) AS should_attend FROM attendance_report_values
    WHERE work_date = $day AND source = 'column' AND column_alias = 'should_attendance_days'
    GROUP BY userid
),
unit AS (SELECT name, hours_in_per_day FROM report_columns WHERE kind = 'leave_type'),
shares AS (
    SELECT a.userid, a.category, a.sub_type, a.pulled_at,
        {share_hours} AS hours, {share_days} AS days
    FROM attendance_approvals a JOIN instances i USING (proc_inst_id)
    LEFT JOIN unit u ON u.name = a.sub_type AND a.category = 'leave'
    WHERE a.work_date = $day
),
leave_types AS (
    SELECT userid, sub_type, sum(hours) AS hours FROM shares
    WHERE category = 'leave' GROUP BY ALL
),
ap AS (
    SELECT s.userid,
        sum(hours) FILTER (WHERE category = 'leave') AS leave_hours,
        sum(hours) FILTER (WHERE category = 'overtime') AS overtime_hours,
        sum(days) FILTER (WHERE category = 'business_trip') AS trip_days,
        sum(hours) FILTER (WHERE category = 'out') AS out_hours,
        min(pulled_at) AS approvals_pulled_at,
        any_value(t.by_type) AS leave_by_type
    FROM shares s LEFT JOIN (
        SELECT userid, map_from_entries(list(struct_pack(k := sub_type, v := hours)
            ORDER BY sub_type)) AS by_type
        FROM leave_types GROUP BY userid
    ) t USING (userid)
    GROUP BY s.userid
),
people AS (
    SELECT userid FROM employees WHERE active IS NOT false
    UNION SELECT userid FROM p UNION SELECT userid FROM ap
    UNION SELECT userid FROM rv WHERE should_attend > 0
),
figures AS (
    SELECT people.userid, e.name, e.dept_id, e.dept_name,
        {daily_figures},
        p.pulled_at, ap.approvals_pulled_at
    FROM people
    LEFT JOIN employees e USING (userid) LEFT JOIN p USING (userid)
    LEFT JOIN ap USING (userid) LEFT JOIN rv USING (userid)
),
settling AS (
    SELECT *,
        -- Check points are final when read after DingTalk's cut-off; a day without any (rest
        -- day) once the cut-off has passed. Approval figures are final when the approvals were
        -- read after it too (a user-day without approvals follows its check points).
        coalesce(pulled_at >= $settle_after, $now >= $settle_after) AS points_settled,
        coalesce(approvals_pulled_at >= $settle_after,
            coalesce(pulled_at >= $settle_after, $now >= $settle_after)) AS approvals_settled
    FROM figures
)
SELECT * EXCLUDE (points_settled, approvals_settled, approvals_pulled_at),
    CASE WHEN NOT scheduled THEN 'rest'
        WHEN absent THEN 'absent'
        WHEN missing_count > 0 THEN 'missing'
        WHEN late_count + serious_late_count + absent_late_count > 0 THEN 'late'
        WHEN early_count > 0 THEN 'early'
        WHEN leave_hours > 0 THEN 'leave'
        ELSE 'normal' END AS status,
    points_settled AND approvals_settled AS settled,
    list_concat(
        CASE WHEN points_settled THEN []::VARCHAR[] ELSE $point_figures END,
        CASE WHEN approvals_settled THEN []::VARCHAR[] ELSE $approval_figures END
    ) AS provisional_figures
FROM settling ORDER BY userid
"""
# The templates only receive the expressions of pipelines/warehouse/figures.py (no input).
_DAILY_SQL = _DAILY_TEMPLATE.format(  # noqa: S608
    point_aggregates=figures.select_list(figures.POINT_AGGREGATES),
    share_hours=figures.APPROVAL_SHARE_HOURS,
    share_days=figures.APPROVAL_SHARE_DAYS,
    daily_figures=figures.select_list(figures.DAILY_FIGURES),
)

_MONTHLY_TEMPLATE = """
WITH d AS (SELECT * FROM attendance_daily WHERE strftime(work_date, '%Y-%m') = $month),
leave_entries AS (
    SELECT {{group_key}}, unnest(map_keys(leave_hours_by_type)) AS k,
        unnest(map_values(leave_hours_by_type)) AS v
    FROM d
),
leave_map AS (
    SELECT {{group_key}}, map_from_entries(list(struct_pack(k := k, v := total) ORDER BY k)) AS m
    FROM (SELECT {{group_key}}, k, sum(v) AS total FROM leave_entries GROUP BY ALL)
    GROUP BY ALL
),
totals AS (
    SELECT {{group_columns}},
        {monthly_sums},
        count(*) FILTER (WHERE settled AND scheduled)::BIGINT AS days_settled,
        count(*) FILTER (WHERE scheduled)::BIGINT AS days_loaded,
        count(*) FILTER (WHERE NOT settled)::BIGINT AS days_unsettled
    FROM d GROUP BY ALL
)
SELECT totals.*, coalesce(leave_map.m, MAP {{{{}}}}::MAP(VARCHAR, DOUBLE)) AS leave_hours_by_type
FROM totals LEFT JOIN leave_map USING ({{group_key}}) ORDER BY {{group_key}}
"""
_MONTHLY_SQL = _MONTHLY_TEMPLATE.format(monthly_sums=figures.select_list(figures.MONTHLY_SUMS))
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
    connection = scratch_connection(store)
    try:
        params = {
            "day": day,
            "hours_per_day": DEFAULT_HOURS_PER_DAY,
            "now": now,
            "settle_after": settle_after,
            "point_figures": list(figures.POINT_FIGURES),
            "approval_figures": list(figures.APPROVAL_FIGURES),
        }
        return connection.sql(_DAILY_SQL, params=params).to_arrow_table()
    finally:
        connection.close()


def build_monthly(store: ParquetStore, month: str, table: str) -> pa.Table:
    """The rows of one monthly table (`MONTHLY_TABLES`) for `month` (YYYY-MM)."""
    connection = scratch_connection(store)
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
