"""Compaction of settled months: one Parquet file per daily table and month.

A day is written as its own file (`work_date=YYYY-MM-DD/part-0.parquet`) so that a refresh
replaces only that day. Once every day of a month is settled (every `attendance_daily` row of
the month has `settled`: DingTalk will not change it any more), the month's day files of every
daily table are folded into `month=YYYY-MM/part-0.parquet` (`ParquetStore.compact_month`): a
year becomes 12 files per table instead of 365, and a query over it opens 30 times fewer
files. A later correction of one of those days rewrites the month file (`ParquetStore.write`).

The views must name the month files before the day files go, so the views are refreshed
between the two steps (`on_switch`); readers see each day once throughout (docs/warehouse.md).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pipelines.catalogue import Table
from pipelines.warehouse.object_store import ObjectParquetStore
from pipelines.warehouse.schemas import DAILY_TABLES
from pipelines.warehouse.store import Compaction, ParquetStore
from pipelines.warehouse.views import days_connection, ensure_views

MIB = 1024 * 1024


class CannotCompact(ValueError):
    """A month asked for is not settled, or the store cannot compact."""


@dataclass(frozen=True)
class MonthState:
    """How far a month is from final: days without `attendance_daily`, unsettled rows."""

    month: str
    days_missing: int
    rows_unsettled: int

    @property
    def settled(self) -> bool:
        return self.days_missing == 0 and self.rows_unsettled == 0


def month_days(month: str) -> list[date]:
    """Every day of `month` (`YYYY-MM`)."""
    first = date.fromisoformat(f"{month}-01")
    last = calendar.monthrange(first.year, first.month)[1]
    return [first.replace(day=number) for number in range(1, last + 1)]


def month_state(store: ParquetStore, month: str) -> MonthState:
    """Whether every day of `month` has `attendance_daily` rows, all of them settled."""
    days = month_days(month)
    missing = sum(store.holding_file(Table.ATTENDANCE_DAILY, day) is None for day in days)
    with days_connection(store, days) as connection:
        row = connection.execute(
            "SELECT count(*) FILTER (WHERE settled IS NOT true) FROM attendance_daily"
        ).fetchone()
    return MonthState(month, missing, int(row[0]) if row else 0)


def months_with_day_files(store: ParquetStore) -> list[str]:
    """Months that still have day files in some daily table, oldest first."""
    months: set[str] = set()
    for table in DAILY_TABLES:
        months.update(path.parent.name.partition("=")[2][:7] for path in store.day_files(table))
    return sorted(months)


def compact(store: ParquetStore, months: Iterable[str] | None = None) -> list[Compaction]:
    """Compact the given months (default: every settled month that still has day files).

    Raises CannotCompact, naming the month and what is missing, when a month given is not settled.
    """
    if isinstance(store, ObjectParquetStore):
        raise CannotCompact(
            f"compaction works on a local warehouse only so far; {store.describe()} keeps one "
            "object per day"
        )
    chosen = sorted(set(months)) if months is not None else None
    results: list[Compaction] = []
    for month in chosen if chosen is not None else months_with_day_files(store):
        state = month_state(store, month)
        if not state.settled:
            if chosen is None:
                continue
            raise CannotCompact(
                f"{month} is not settled ({state.days_missing} days without attendance_daily, "
                f"{state.rows_unsettled} unsettled employee-days): sync it after the month's "
                "settlement, then compact"
            )
        for table in DAILY_TABLES:
            results.append(store.compact_month(table, month, on_switch=lambda: ensure_views(store)))
    if results:  # a table whose every day is now compacted loses its day-file branch
        ensure_views(store)
    return results


def summary_lines(done: list[Compaction]) -> list[str]:
    """One line per month: files and MiB before and after, over every daily table."""
    lines: list[str] = []
    for month in sorted({item.month for item in done}):
        items = [item for item in done if item.month == month]
        files = (sum(i.files_before for i in items), sum(i.files_after for i in items))
        size = (sum(i.bytes_before for i in items) / MIB, sum(i.bytes_after for i in items) / MIB)
        lines.append(
            f"{month}: {files[0]} files -> {files[1]}, {size[0]:.2f} MiB -> {size[1]:.2f} MiB"
            f" ({len(items)} tables)"
        )
    return lines
