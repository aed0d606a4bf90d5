"""The derived tables, computed in DuckDB SQL from the Parquet partitions.

`attendance_daily` takes DingTalk's own daily statistics (the report columns behind 月度汇总)
where they exist, and falls back to figures computed from the check points, so that the monthly
rollups add up to what DingTalk's monthly report shows. Everything is read through an in-memory
DuckDB (`scratch_connection`): computing a mart never locks `warehouse.duckdb`. A run opens one
(`mart_connection`) for all its days, with the per-day inputs limited to the run's days and the
daily rows to its months, so a day's refresh costs the same with a month or years on disk.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import duckdb
import pyarrow as pa
from filelock import FileLock

from pipelines import days
from pipelines.catalogue import Table
from pipelines.days import SHANGHAI
from pipelines.warehouse import figures
from pipelines.warehouse.store import ParquetStore
from pipelines.warehouse.views import scratch_connection

# A day's missing punches and absence are final once the next day began; overnight shifts end
# in the morning and DingTalk settles them a few hours later: a user-day settles SETTLE_GRACE
# after the midnight ending it or after its last check point, whichever is later.
SETTLE_GRACE = timedelta(hours=6)
# While a shift's OffDuty is not in the warehouse yet, it may end this long after its OnDuty.
LONGEST_SHIFT = timedelta(hours=12)
DEFAULT_HOURS_PER_DAY = 8.0

_DAILY_TEMPLATE = """
WITH instances AS (
    SELECT proc_inst_id, any_value(category) AS category,
        count(DISTINCT work_date) AS days
    FROM attendance_approvals WHERE proc_inst_id IS NOT NULL GROUP BY proc_inst_id
),
supplies AS (
    -- 补卡 approvals: getupdatedata does not list them, their punch record names them.
    SELECT DISTINCT proc_inst_id FROM attendance_punches
    WHERE proc_inst_id IS NOT NULL AND source_type = 'APPROVE'
),
p AS (
    SELECT r.userid,
        {point_aggregates},
        count(*) FILTER (WHERE r.proc_inst_id IS NOT NULL AND i.category IS NULL
            AND s.proc_inst_id IS NULL) AS unresolved_approvals
    FROM attendance_results r LEFT JOIN instances i USING (proc_inst_id)
    LEFT JOIN supplies s ON s.proc_inst_id = r.proc_inst_id
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
        p.pulled_at, ap.approvals_pulled_at,
        greatest($settle_after, coalesce(p.last_plan_time + $grace
            + CASE WHEN p.open_shifts > 0 THEN $longest_shift ELSE INTERVAL 0 HOUR END,
            $settle_after)) AS settle_at,
        coalesce(p.unresolved_approvals, 0) AS unresolved_approvals
    FROM people
    LEFT JOIN employees e USING (userid) LEFT JOIN p USING (userid)
    LEFT JOIN ap USING (userid) LEFT JOIN rv USING (userid)
),
settling AS (
    SELECT *,
        -- Check points are final when read after DingTalk's cut-off; a day without any (rest
        -- day) once the cut-off has passed. Approval figures are final when the approvals were
        -- read after it too (a user-day without approvals follows its check points). A check
        -- point linked to an approval the warehouse has not pulled (a targeted punch refresh
        -- does not pull approvals) leaves every figure that depends on the approval open.
        coalesce(pulled_at >= settle_at, $now >= settle_at) AS points_settled,
        unresolved_approvals = 0 AND coalesce(approvals_pulled_at >= settle_at,
            coalesce(pulled_at >= settle_at, $now >= settle_at)) AS approvals_settled
    FROM figures
)
SELECT * EXCLUDE (points_settled, approvals_settled, approvals_pulled_at, unresolved_approvals,
        settle_at),
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
        CASE WHEN points_settled AND unresolved_approvals > 0 THEN $resolving_figures
            ELSE []::VARCHAR[] END,
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


@contextmanager
def mart_connection(
    store: ParquetStore, days: Sequence[date]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One in-memory DuckDB for the marts of a run's `days`: results and report values of those
    days, the daily rows of their months (as on disk now), every approval (an instance's share
    of a day depends on all the days it covers) and the unpartitioned tables."""
    month_days = sorted({d for day in days for d in _days_of_month(day)})
    connection = scratch_connection(
        store,
        {
            Table.ATTENDANCE_RESULTS: [day.isoformat() for day in days],
            Table.ATTENDANCE_REPORT_VALUES: [day.isoformat() for day in days],
            Table.ATTENDANCE_DAILY: [day.isoformat() for day in month_days],
        },
    )
    try:
        yield connection
    finally:
        connection.close()


def _days_of_month(day: date) -> list[date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return [day.replace(day=number) for number in range(1, last + 1)]


def build_daily(
    store: ParquetStore,
    day: date,
    now: datetime | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """`attendance_daily` rows of one work date, computed from the warehouse partitions
    (through the run's `mart_connection` when given, else one for this day)."""
    if connection is None:
        with mart_connection(store, [day]) as own:
            return build_daily(store, day, now, own)
    now = now or days.pipeline_now()
    settle_after = datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI) + SETTLE_GRACE
    params = {
        "day": day,
        "hours_per_day": DEFAULT_HOURS_PER_DAY,
        "now": now,
        "settle_after": settle_after,
        "grace": SETTLE_GRACE,
        "longest_shift": LONGEST_SHIFT,
        "point_figures": list(figures.POINT_FIGURES),
        "approval_figures": list(figures.APPROVAL_FIGURES),
        "resolving_figures": list(figures.RESOLVED_BY_APPROVALS),
    }
    return connection.sql(_DAILY_SQL, params=params).to_arrow_table()


def build_monthly(
    store: ParquetStore,
    month: str,
    table: str,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """The rows of one monthly table (`MONTHLY_TABLES`) for `month` (YYYY-MM)."""
    if connection is None:
        with mart_connection(store, [date.fromisoformat(f"{month}-01")]) as own:
            return build_monthly(store, month, table, own)
    sql = _MONTHLY_SQL.format(**_MONTHLY_GROUPINGS[table])
    return connection.sql(sql, params={"month": month}).to_arrow_table()


def write_monthly(
    store: ParquetStore, month: str, tables: tuple[str, ...] = MONTHLY_TABLES
) -> dict[str, int]:
    """Recompute and replace the monthly partitions of `month`; returns their row counts.

    Runs for days of the same month may finish in any order: the lock makes each recompute see
    every daily partition written before it, so the last one written is complete.
    """
    lock = FileLock(str(store.data_dir / "locks" / f"monthly-{month}.lock"), timeout=120)
    # Opened under the lock: the connection must see every daily partition written before it.
    with lock, mart_connection(store, [date.fromisoformat(f"{month}-01")]) as connection:
        return {
            table: store.write(table, build_monthly(store, month, table, connection), month)
            for table in tables
        }
