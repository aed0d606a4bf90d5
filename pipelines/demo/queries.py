"""The analyst queries the demo prints and the README shows (the test checks they are the same).

Each query reads the DuckDB views of `warehouse.duckdb` (or the Parquet files behind them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.warehouse import TABLES, views


@dataclass(frozen=True)
class ExampleQuery:
    """A named query: `name` is the README marker, `title` the heading printed above it."""

    name: str
    title: str
    sql: str


LATE_RANKING = ExampleQuery(
    "late_ranking",
    "Who is late most (minutes and times, all loaded days)",
    """SELECT name, dept_name,
       SUM(late_count) AS late_times,
       SUM(late_minutes) AS late_minutes
FROM attendance_daily
GROUP BY userid, name, dept_name
HAVING SUM(late_count) > 0
ORDER BY late_minutes DESC, late_times DESC, name
LIMIT 10;""",
)

DEPARTMENT_MONTHLY = ExampleQuery(
    "department_monthly",
    "Department monthly summary (月度汇总 by department)",
    """SELECT month, dept_name, employees,
       should_attend_days, attended_days,
       late_count, late_minutes, early_count, missing_count,
       absent_days, leave_hours, overtime_hours
FROM attendance_monthly_department
ORDER BY month, dept_name;""",
)

LEAVE_BY_TYPE = ExampleQuery(
    "leave_by_type",
    "Leave hours by leave type",
    """SELECT leave_type, SUM(hours) AS hours, COUNT(DISTINCT userid) AS employees
FROM (
    SELECT userid, UNNEST(map_keys(leave_hours_by_type)) AS leave_type,
           UNNEST(map_values(leave_hours_by_type)) AS hours
    FROM attendance_daily
)
GROUP BY leave_type
ORDER BY hours DESC;""",
)

EXAMPLE_QUERIES: tuple[ExampleQuery, ...] = (LATE_RANKING, DEPARTMENT_MONTHLY, LEAVE_BY_TYPE)


def connect_read_only(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse (never holds DuckDB's writer lock)."""
    return views.connect_read_only(data_dir)


def row_counts(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per warehouse table (every view the warehouse defines)."""
    counts = {}
    for table in TABLES:
        # Table names come from the schema registry, never from input, and cannot be parameters.
        row = connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()  # noqa: S608
        counts[table] = row[0] if row is not None else 0  # COUNT(*) always returns one row
    return counts


def run_query(
    connection: duckdb.DuckDBPyConnection, query: ExampleQuery
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of an example query."""
    cursor = connection.execute(query.sql)
    return [column[0] for column in cursor.description], cursor.fetchall()
