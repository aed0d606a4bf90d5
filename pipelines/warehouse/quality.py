"""Data-quality findings over the warehouse, as plain values (the asset checks wrap them).

Each function reads through an in-memory DuckDB and returns a `Finding`: whether it passed,
a one-line description an operator can act on, and a few examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipelines.warehouse.schemas import REPORT_WINDOW_DAYS, SHOULD_ATTEND_ALIAS, TABLES
from pipelines.warehouse.store import ParquetStore
from pipelines.warehouse.views import days_connection


@dataclass
class Finding:
    """The outcome of one check: passed or not, why, and up to ten examples."""

    passed: bool
    description: str
    examples: list[str] = field(default_factory=list)
    count: int = 0


def duplicate_keys(store: ParquetStore, table: str, days: list[date]) -> Finding:
    """Rows sharing the table's key within the given partitions (there must be none)."""
    spec = TABLES[table]
    key = ", ".join(spec.key)
    connection = days_connection(store, days)
    try:
        duplicates = connection.execute(
            f"SELECT {key}, count(*) AS n FROM {table} "  # noqa: S608 (names from TABLES)
            f"WHERE work_date IN (SELECT unnest($days)) GROUP BY ALL HAVING n > 1 LIMIT 10",
            {"days": days},
        ).fetchall()
    finally:
        connection.close()
    examples = [" / ".join(str(part) for part in row[:-1]) for row in duplicates]
    text = f"key ({key}) is unique" if not examples else f"duplicate keys ({key}) found"
    return Finding(not examples, text, examples, len(examples))


def scheduled_days_without_results(store: ParquetStore, days: list[date]) -> Finding:
    """Settled employee-days DingTalk counts as scheduled (应出勤 > 0) that have no check point."""
    connection = days_connection(store, days)
    try:
        missing = connection.execute(
            "SELECT userid, work_date FROM attendance_daily "
            "WHERE work_date IN (SELECT unnest($days)) AND settled "
            "AND should_attend_days > 0 AND check_points = 0 ORDER BY ALL",
            {"days": days},
        ).fetchall()
    finally:
        connection.close()
    examples = [f"{userid} {day}" for userid, day in missing[:10]]
    if not missing:
        return Finding(True, "every settled scheduled employee-day has attendance results")
    return Finding(
        False, f"{len(missing)} scheduled employee-days have no results", examples, len(missing)
    )


def leave_types_missing_from_report(store: ParquetStore, days: list[date]) -> Finding:
    """Leave types DingTalk answered with null values (or not at all) in these partitions.

    Such a type is missing from the attendance report settings: its hours never reach the
    report. Passes when no leave values were pulled for these days at all (nothing to judge).
    """
    connection = days_connection(store, days)
    try:
        answered = dict(
            connection.execute(
                "SELECT column_name, bool_or(value IS NOT NULL) FROM attendance_report_values "
                "WHERE work_date IN (SELECT unnest($days)) AND source = 'leave' GROUP BY 1",
                {"days": days},
            ).fetchall()
        )
        known = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM report_columns WHERE kind = 'leave_type' ORDER BY 1"
            ).fetchall()
        ]
    finally:
        connection.close()
    if not answered:
        return Finding(True, "no leave values were pulled for these days")
    names = sorted(
        {name for name in known if not answered.get(name)}
        | {name for name, has_value in answered.items() if not has_value}
    )
    if not names:
        return Finding(True, "every leave type has values in the attendance report")
    text = (
        "leave hours come back null for " + ", ".join(names) + ": add these leave types to the "
        "attendance report settings (考勤报表设置 > 假期), or their hours stay out of the report"
    )
    return Finding(False, text, names, len(names))


def should_attend_outside_window(store: ParquetStore, days: list[date]) -> Finding:
    """Scheduled employee-days whose 应出勤天数 was not captured within DingTalk's 15-day window."""
    connection = days_connection(store, days)
    try:
        late = connection.execute(
            "SELECT d.userid, d.work_date FROM attendance_daily d "
            "LEFT JOIN attendance_report_values v ON v.userid = d.userid "
            "AND v.work_date = d.work_date AND v.source = 'column' AND v.column_alias = $alias "
            "WHERE d.work_date IN (SELECT unnest($days)) AND d.check_points > 0 AND ("
            "v.userid IS NULL OR (coalesce(v.value_num, 0) = 0 "
            "AND abs(date_diff('day', d.work_date, v.captured_on)) > $window)) ORDER BY ALL",
            {"days": days, "alias": SHOULD_ATTEND_ALIAS, "window": REPORT_WINDOW_DAYS},
        ).fetchall()
    finally:
        connection.close()
    if not late:
        return Finding(True, "应出勤天数 was captured inside the 15-day window for every day")
    examples = [f"{userid} {day}" for userid, day in late[:10]]
    text = (
        f"应出勤天数 missing for {len(late)} scheduled employee-days: it was pulled more than "
        f"{REPORT_WINDOW_DAYS} days away from the work date; DingTalk no longer answers it"
    )
    return Finding(False, text, examples, len(late))
