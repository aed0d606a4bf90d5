"""Per-day headline figures of the daily mart: what the Dagster UI plots over partitions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from pipelines.warehouse.views import StoreOrDir, days_connection

_DAY_FIGURES = """
SELECT wanted.day,
    coalesce(sum(d.late_count), 0)::BIGINT AS late_count,
    coalesce(sum(d.late_minutes), 0)::DOUBLE AS late_minutes,
    count(*) FILTER (WHERE d.absent)::BIGINT AS absences,
    coalesce(sum(d.missing_count), 0)::BIGINT AS missing_punches,
    count(*) FILTER (WHERE d.scheduled)::BIGINT AS scheduled_employees,
    count(*) FILTER (WHERE d.scheduled AND NOT d.settled)::BIGINT AS unsettled_employees
FROM unnest($days::DATE[]) AS wanted(day)
LEFT JOIN attendance_daily d ON d.work_date = wanted.day
GROUP BY wanted.day ORDER BY wanted.day
"""


def daily_figures(source: StoreOrDir, days: Iterable[date]) -> dict[date, dict[str, float]]:
    """Lateness, absences, missing punches and settlement per day of `days` (from the mart).

    Read through an in-memory DuckDB with the views, so a mart step never locks the shared file.
    """
    wanted = sorted(set(days))
    connection = days_connection(source, wanted)
    try:
        cursor = connection.execute(_DAY_FIGURES, {"days": wanted})
        names = [column[0] for column in cursor.description][1:]
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in cursor.fetchall()}
    finally:
        connection.close()
