"""Typed partition columns inside every file, and compaction of settled months: every view,
`read`, `partition_rows`, `partitions` and the month report read the same rows before, during
and after it, and a late correction of a compacted day is neither lost nor duplicated."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from pipelines.catalogue import Table
from pipelines.reports.data import load_month
from pipelines.warehouse import DAILY_TABLES, TABLES, ParquetStore, ensure_views, warehouse_path
from pipelines.warehouse.compaction import CannotCompact, compact, month_state
from pipelines.warehouse.views import connect_read_only, scratch_connection
from tests.reports.helpers import run_cli
from tests.warehouse.synthetic_month import write_day, write_month

MONTH = "2026-10"
DAY = date(2026, 10, 14)
EMPLOYEES = 6


@pytest.fixture(scope="module")
def written_month(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("month")
    write_month(ParquetStore(folder), MONTH, EMPLOYEES)
    return folder


@pytest.fixture
def store(written_month, tmp_path) -> ParquetStore:
    """A copy of the written month per test (writing it takes seconds)."""
    shutil.copytree(written_month / "parquet", tmp_path / "parquet")
    store = ParquetStore(tmp_path)
    ensure_views(store)
    return store


def _view_rows(connection: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608
        for table in TABLES
    }


def _snapshot(store: ParquetStore) -> dict[str, object]:
    """Everything a reader can see: scratch views, the stored views, reads of every day."""
    with duckdb.connect(str(warehouse_path(store.data_dir)), read_only=True) as stored:
        stored_rows = _view_rows(stored)
    with scratch_connection(store) as scratch:
        scratch_rows = _view_rows(scratch)
    days = {table: store.partitions(table) for table in DAILY_TABLES}
    reads = {
        (table, day): sorted(store.read(table, day).to_pylist(), key=repr)
        for table in DAILY_TABLES
        for day in days[table]
    }
    rows = {
        (table, day): sorted(store.partition_rows(table, day, ["userid"]) or [], key=repr)
        for table in DAILY_TABLES
        for day in days[table]
    }
    return {
        "stored": stored_rows,
        "scratch": scratch_rows,
        "days": days,
        "reads": reads,
        "rows": rows,
    }


def _files(store: ParquetStore, table: str) -> list[str]:
    return sorted(
        str(p.relative_to(store.table_dir(table)))
        for p in store.table_dir(table).rglob("*.parquet")
    )


def test_a_single_file_carries_its_typed_partition_column(store):
    day_file = store.file_path(Table.ATTENDANCE_RESULTS, DAY)
    assert set(pq.read_table(day_file)["work_date"].to_pylist()) == {DAY}
    assert pq.read_schema(day_file).field("work_date").type == "date32[day]"
    mart = pq.read_table(store.file_path(Table.ATTENDANCE_MONTHLY, MONTH))
    assert set(mart["month"].to_pylist()) == {MONTH}
    assert set(mart["month_start"].to_pylist()) == {date(2026, 10, 1)}
    compact(store)
    month_file = store.month_file_path(Table.ATTENDANCE_RESULTS, MONTH)
    weekdays = {day for day in (date(2026, 10, n) for n in range(1, 32)) if day.weekday() < 5}
    assert set(pq.read_table(month_file)["work_date"].to_pylist()) == weekdays
    # A folder reader without hive partitioning reads month files and day files alike.
    november = date(2026, 11, 2)
    store.write(Table.ATTENDANCE_RESULTS, store.read(Table.ATTENDANCE_RESULTS, DAY), november)
    folder = ds.dataset(store.table_dir(Table.ATTENDANCE_RESULTS), format="parquet").to_table()
    assert set(folder["work_date"].to_pylist()) == weekdays | {november}


def test_views_expose_one_column_per_partition_with_the_analysts_types(store):
    with connect_read_only(store.data_dir) as connection:
        daily = connection.execute("DESCRIBE attendance_daily").fetchall()
        monthly = connection.execute("DESCRIBE attendance_monthly").fetchall()
    assert [(row[0], row[1]) for row in daily if row[0] == "work_date"] == [("work_date", "DATE")]
    assert [(row[0], row[1]) for row in monthly[:2]] == [
        ("month", "VARCHAR"),
        ("month_start", "DATE"),
    ]
    assert sum(row[0] == "month" for row in monthly) == 1


def test_files_written_before_the_partition_column_still_read(store):
    # A day file as written before: no work_date inside, only in the directory name.
    table = Table.ATTENDANCE_RESULTS
    rows = store.read(table, DAY)
    pq.write_table(rows, store.file_path(table, DAY))
    with scratch_connection(store) as connection:
        days = connection.execute(
            "SELECT DISTINCT work_date FROM attendance_results WHERE userid = 'user00001'"
            " AND work_date = ?",
            [DAY],
        ).fetchall()
    assert days == [(DAY,)]
    assert store.read(table, DAY) == rows
    compact(store)  # the month file has the column for the legacy day too
    held = pq.read_table(store.month_file_path(table, MONTH)).filter(ds.field("work_date") == DAY)
    assert held.num_rows == rows.num_rows


def test_compaction_leaves_one_file_per_table_month_and_every_read_unchanged(store):
    before = _snapshot(store)
    report = load_month(store.data_dir, MONTH)
    results = compact(store)
    assert {r.table for r in results} == set(DAILY_TABLES)
    assert all(r.files_before == 31 and r.files_after == 1 for r in results)
    for table in DAILY_TABLES:
        assert _files(store, table) == [f"month={MONTH}/part-0.parquet"]
    assert _snapshot(store) == before
    assert load_month(store.data_dir, MONTH) == report
    assert compact(store) == []  # nothing left to do


def test_readers_see_each_day_once_while_the_day_files_are_deleted(store):
    before = _snapshot(store)
    seen = []
    original = store.compact_month

    def compact_and_look(table, month, on_switch=None):
        def look():
            if on_switch is not None:
                on_switch()
            seen.append(_snapshot(store))  # month file written, day files still there

        return original(table, month, on_switch=look)

    store.compact_month = compact_and_look  # type: ignore[method-assign]
    compact(store)
    assert len(seen) == len(DAILY_TABLES)
    assert all(snapshot == before for snapshot in seen)


def test_a_late_correction_of_a_compacted_day_is_kept_once(store):
    compact(store)
    table = Table.ATTENDANCE_RESULTS
    other_day = date(2026, 10, 15)
    others = store.read(table, other_day)
    corrected = [{**row, "time_result": "Late"} for row in store.read(table, DAY).to_pylist()[:2]]
    store.write(table, corrected, DAY)
    store.replace_users(table, DAY, ["user00003"], [])
    assert _files(store, table) == [f"month={MONTH}/part-0.parquet"]
    assert store.read(table, DAY).to_pylist() == corrected
    assert store.read(table, other_day) == others
    with scratch_connection(store) as connection:
        late = connection.execute(
            "SELECT userid, time_result FROM attendance_results WHERE work_date = ? ORDER BY ALL",
            [DAY],
        ).fetchall()
    assert late == sorted((row["userid"], "Late") for row in corrected)


def test_an_unsettled_month_is_not_compacted(tmp_path):
    store = ParquetStore(tmp_path)
    write_month(store, MONTH, 2)
    write_day(store, DAY, 2, settled=False)
    from pipelines.warehouse.marts import build_daily

    store.write(Table.ATTENDANCE_DAILY, build_daily(store, DAY, now=None), DAY)
    assert month_state(store, MONTH).rows_unsettled > 0
    assert compact(store) == []
    with pytest.raises(CannotCompact, match="2026-10 is not settled"):
        compact(store, [MONTH])
    assert store.compacted_months(Table.ATTENDANCE_RESULTS) == []


@pytest.mark.integration
def test_the_compact_command_prints_files_and_bytes_before_and_after(store):
    done = run_cli(store.data_dir, "compact")
    assert done.returncode == 0, done.stderr
    tables = len(DAILY_TABLES)
    assert done.stdout.startswith(f"{MONTH}: {31 * tables} files -> {tables}, "), done.stdout
    again = run_cli(store.data_dir, "compact")
    assert again.returncode == 0 and again.stdout.startswith("nothing to compact"), again.stdout
    assert json.loads(run_cli(store.data_dir, "compact", "--json").stdout) == {"compacted": []}
    bad = run_cli(store.data_dir, "compact", "--month", "2026-13")
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        "compact failed: --month '2026-13': give YYYY-MM, e.g. 2026-10"
    ]


@pytest.mark.integration
def test_the_compact_command_refuses_an_unsettled_month_in_one_line(store):
    done = run_cli(store.data_dir, "compact", "--month", "2026-11")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "compact failed: 2026-11 is not settled (30 days without attendance_daily,"
        " 0 unsettled employee-days): sync it after the month's settlement, then compact"
    ]
