"""DingTalk's report values as a cross-check of the figures, naming the columns that differ.

Compared only where both sides are final: the employee-day is settled and the report value was
captured after the work date (a value pulled on the day itself may still change); 应出勤天数
only where it was captured inside DingTalk's 15-day window (outside it the API answers 0).
"""

from __future__ import annotations

from datetime import date

from pipelines.warehouse.figures import REPORT_ALIASES
from pipelines.warehouse.quality import Finding
from pipelines.warehouse.schemas import REPORT_WINDOW_DAYS, SHOULD_ATTEND_ALIAS
from pipelines.warehouse.store import ParquetStore
from pipelines.warehouse.views import days_connection

_PAIRS = ", ".join(
    f"('{figure}', '{alias}')" for figure, aliases in REPORT_ALIASES.items() for alias in aliases
)
_FIGURES = ", ".join(sorted(REPORT_ALIASES))
_AS_DOUBLE = ", ".join(f"CAST({name} AS DOUBLE) AS {name}" for name in sorted(REPORT_ALIASES))

_SQL = f"""
WITH pairs(figure, alias) AS (VALUES {_PAIRS}),
derived AS (
    UNPIVOT (SELECT work_date, userid, {_AS_DOUBLE}
        FROM attendance_daily WHERE work_date IN (SELECT unnest($days)) AND settled)
    ON {_FIGURES} INTO NAME figure VALUE derived
),
reported AS (
    SELECT work_date, userid, column_alias AS alias, value_num AS reported, captured_on
    FROM attendance_report_values
    WHERE work_date IN (SELECT unnest($days)) AND source = 'column' AND captured_on > work_date
        AND (column_alias <> $should_alias OR captured_on - work_date <= $window)
)
SELECT d.figure, count(*) AS n,
    list(d.userid || ' ' || CAST(d.work_date AS VARCHAR) || ': ' || CAST(d.derived AS VARCHAR)
        || ' vs ' || CAST(r.reported AS VARCHAR) ORDER BY d.work_date, d.userid)[1:3] AS examples
FROM derived d JOIN pairs USING (figure)
JOIN reported r ON r.work_date = d.work_date AND r.userid = d.userid AND r.alias = pairs.alias
WHERE abs(d.derived - coalesce(r.reported, 0)) > 0.001
GROUP BY d.figure ORDER BY d.figure
"""  # noqa: S608 (names from figures.REPORT_ALIASES, values bound)


def report_values_disagree(store: ParquetStore, days: list[date]) -> Finding:
    """Settled figures that differ from DingTalk's settled report value of the same column."""
    connection = days_connection(store, days)
    try:
        params = {"days": days, "should_alias": SHOULD_ATTEND_ALIAS, "window": REPORT_WINDOW_DAYS}
        found = connection.execute(_SQL, params).fetchall()
    finally:
        connection.close()
    count = sum(n for _, n, _ in found)
    if not found:
        return Finding(True, "every settled figure equals DingTalk's report value")
    columns = ", ".join(f"{figure} ({n})" for figure, n, _ in found)
    examples = [f"{figure}: {example}" for figure, _, listed in found for example in listed]
    return Finding(False, f"figures differing from the report: {columns}", examples[:10], count)
