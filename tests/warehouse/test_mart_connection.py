"""A run's mart connection reads only the partitions its days need: the cost of a day's marts
does not grow with the history on disk."""

from __future__ import annotations

from datetime import date

from pipelines.warehouse import ParquetStore
from pipelines.warehouse.marts import mart_connection

DAY = date(2026, 3, 10)


def _dates(connection, table: str) -> list[date]:
    sql = f"SELECT DISTINCT work_date FROM {table} ORDER BY 1"  # noqa: S608 (a test's table)
    return [row[0] for row in connection.execute(sql).fetchall()]


def test_the_run_reads_its_days_and_its_months_daily_rows_only(tmp_path):
    store = ParquetStore(tmp_path)
    history = [date(2025, 3, 10), date(2026, 2, 28), DAY, date(2026, 3, 11), date(2026, 3, 31)]
    for day in history:
        row = {"userid": "u1", "check_type": "OnDuty", "plan_id": 1, "time_result": "Normal"}
        store.write("attendance_results", [row], day)
        store.write("attendance_daily", [{"userid": "u1"}], day)
    with mart_connection(store, [DAY]) as connection:
        assert _dates(connection, "attendance_results") == [DAY]
        assert _dates(connection, "attendance_daily") == [DAY, date(2026, 3, 11), date(2026, 3, 31)]
        assert _dates(connection, "attendance_report_values") == []  # none on disk: empty view
