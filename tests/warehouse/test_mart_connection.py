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


def test_checks_and_figures_of_a_day_read_that_day_only(tmp_path, monkeypatch):
    from pipelines.reports import figures
    from pipelines.warehouse import quality, views

    store = ParquetStore(tmp_path)
    for day in (date(2025, 3, 10), DAY, date(2026, 3, 11)):
        store.write("attendance_daily", [{"userid": "u1", "late_count": 1}], day)
        store.write("attendance_results", [{"userid": "u1", "check_type": "OnDuty"}], day)
    connection = views.days_connection(tmp_path, [DAY])
    assert _dates(connection, "attendance_daily") == [DAY]
    assert _dates(connection, "attendance_results") == [DAY]
    connection.close()
    # The checks and the partition figures open exactly such a connection, never the history.
    opened: list[list[date]] = []
    real = views.days_connection

    def recording(data_dir, days):
        opened.append(list(days))
        return real(data_dir, days)

    monkeypatch.setattr(quality, "days_connection", recording)
    monkeypatch.setattr(figures, "days_connection", recording)
    assert figures.daily_figures(tmp_path, [DAY])[DAY]["late_count"] == 1
    assert quality.duplicate_keys(store, "attendance_daily", [DAY]).passed
    assert opened == [[DAY], [DAY]]
