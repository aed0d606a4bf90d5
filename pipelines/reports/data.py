"""What one monthly report shows, read from the warehouse through a read-only DuckDB connection.

The page and the workbook only lay out what this module returns; no figure is computed after
the SQL (queries.py), so the report says exactly what the marts say.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.days import ZONE_NAME
from pipelines.reports import queries
from pipelines.warehouse import warehouse_path
from pipelines.warehouse.object_store import ObjectStoreConfig

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
OPEN_RETRIES = 10

Row = dict[str, Any]


class ReportError(Exception):
    """Why a report cannot be made (bad month, no warehouse, nothing loaded): one line."""


@dataclass(frozen=True)
class Freshness:
    """How final the month is: the latest pull, the days loaded, the settled share."""

    as_of: datetime | None
    first_day: date | None
    last_day: date | None
    days_settled: int
    days_loaded: int

    @property
    def settled_share(self) -> float:
        return self.days_settled / self.days_loaded if self.days_loaded else 0.0


@dataclass(frozen=True)
class MonthData:
    """Every row a monthly report shows, for one month and optionally one department."""

    month: str
    dept_id: int | None
    employees: list[Row]
    leave_types: list[str]
    daily: list[Row]
    check_points: list[Row]
    punches: list[Row]
    lateness: list[Row]
    overtime_by_week: list[Row]
    leave_by_type: list[Row]
    exceptions: list[Row]
    freshness: Freshness
    cost: dict[str, int] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        """Every calendar day of the month."""
        year, month = (int(part) for part in self.month.split("-"))
        return [date(year, month, day) for day in range(1, calendar.monthrange(year, month)[1] + 1)]

    @property
    def final(self) -> bool:
        """Every loaded scheduled day is settled and the loaded days reach the month's end."""
        loaded = self.freshness
        return loaded.days_settled == loaded.days_loaded and loaded.last_day == self.days[-1]


def parse_month(value: str) -> str:
    """`value` if it is a month as YYYY-MM, else ReportError."""
    if not MONTH_PATTERN.match(value.strip()):
        raise ReportError(f"--month must be YYYY-MM (got {value!r})")
    return value.strip()


def connect_read_only(
    data_dir: Path, objects: ObjectStoreConfig | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only session on `warehouse.duckdb`, the one under `data_dir` or, with `objects`,
    the one on object storage (over httpfs); ReportError when there is no warehouse yet."""
    connection = _attach_objects(objects) if objects is not None else _open_local(data_dir)
    connection.execute(f"SET TimeZone = '{ZONE_NAME}'")
    connection.execute(queries.IN_SCOPE_MACRO)
    return connection


def _attach_objects(objects: ObjectStoreConfig) -> duckdb.DuckDBPyConnection:
    from pipelines.warehouse.object_views import HttpfsMissing, ViewFileMissing, attach_published

    try:
        return attach_published(objects)
    except (ViewFileMissing, HttpfsMissing) as error:
        raise ReportError(f"{error}: load data first (dingtalk-attendance sync)") from None


def _open_local(data_dir: Path) -> duckdb.DuckDBPyConnection:
    path = warehouse_path(data_dir)
    if not path.is_file():
        raise ReportError(f"no warehouse at {path}: load data first (dingtalk-attendance sync)")
    for attempt in range(OPEN_RETRIES):
        try:
            connection = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.IOException as error:
            # A run is rewriting the view definitions; it holds the file for a moment only.
            if attempt == OPEN_RETRIES - 1:
                raise ReportError(f"cannot open {path} read-only: {error}") from None
            time.sleep(0.2 * (attempt + 1))
    else:  # only with OPEN_RETRIES < 1: the last attempt raises
        raise ReportError(f"cannot open {path} read-only")
    return connection


def load_month(
    data_dir: Path,
    month: str,
    dept_id: int | None = None,
    objects: ObjectStoreConfig | None = None,
) -> MonthData:
    """Read the month's rows (from object storage with `objects`, see `connect_read_only`);
    ReportError when the warehouse holds nothing for that month."""
    connection = connect_read_only(data_dir, objects)
    where = objects.uri if objects is not None else str(data_dir)
    try:
        _require_month(connection, month, where)
        params = {"month": month, "dept": dept_id}
        employees = _rows(connection, queries.EMPLOYEES, params)
        if not employees:
            raise ReportError(f"department {dept_id} has nobody in {month}'s attendance_monthly")
        return MonthData(
            month=month,
            dept_id=dept_id,
            employees=employees,
            leave_types=_leave_types(connection, employees),
            daily=_rows(connection, queries.DAILY, params),
            check_points=_rows(connection, queries.CHECK_POINTS, params),
            punches=_rows(connection, queries.PUNCHES, params),
            lateness=_rows(connection, queries.LATENESS_BY_DEPARTMENT_DAY, params),
            overtime_by_week=_rows(connection, queries.OVERTIME_BY_WEEK, params),
            leave_by_type=_rows(connection, queries.LEAVE_BY_TYPE, params),
            exceptions=_rows(connection, queries.EXCEPTIONS, params),
            freshness=Freshness(**_rows(connection, queries.FRESHNESS, params)[0]),
        )
    except duckdb.Error as error:
        raise ReportError(f"cannot read the warehouse at {where}: {error}") from None
    finally:
        connection.close()


def _require_month(connection: duckdb.DuckDBPyConnection, month: str, where: str) -> None:
    months = [row["month"] for row in _rows(connection, queries.MONTHS)]
    if month not in months:
        present = ", ".join(months) if months else "none"
        raise ReportError(
            f"the warehouse at {where} has no attendance_monthly rows for {month} "
            f"(months loaded: {present})"
        )


def _leave_types(connection: duckdb.DuckDBPyConnection, employees: list[Row]) -> list[str]:
    # The console shows a column per configured leave type, and any the data holds besides.
    configured = [row["name"] for row in _rows(connection, queries.LEAVE_TYPES)]
    found = {name for row in employees for name in row["leave_hours_by_type"]}
    return configured + sorted(found - set(configured))


def _rows(
    connection: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[Row]:
    cursor = connection.execute(sql, params) if params else connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
