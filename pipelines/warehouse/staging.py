"""Rows of a range pulled batch by batch, kept on disk until each day is published whole.

A loader whose API answers per user (getcolumnval: one user's whole month a call) cannot write
a day before every user was asked; holding the range in memory until then costs about 20 rows
per employee-day (2 GiB at 10,000 x 31). `DayStage` takes each batch's rows as they come,
writes them per day to a scratch directory outside the Parquet tree (so no view, glob or
reader ever sees them), and hands a day back as one Arrow table when the loader publishes it
with `ParquetStore.replace_users`: readers see each partition replaced at once, as before.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.warehouse.schemas import TABLES
from pipelines.warehouse.store import ParquetStore, to_arrow

STAGING_DIR = "staging"
# A stage untouched this long belongs to a loader that was killed: removed by the next one.
ORPHAN_SECONDS = 24 * 3600


class DayStage:
    """Scratch rows of one table per day, appended batch by batch; removed on close."""

    def __init__(self, store: ParquetStore, table: str) -> None:
        self.table = table
        self.folder = store.data_dir / STAGING_DIR / table / uuid.uuid4().hex
        _remove_orphans(self.folder.parent)
        self.folder.mkdir(parents=True)
        self._batches = 0

    def add(self, by_day: Mapping[date, Sequence[Mapping]]) -> None:
        """Keep one batch's rows (dicts of the table's columns) per day; the caller drops them."""
        for day, found in by_day.items():
            if found:
                path = self._day_folder(day) / f"batch-{self._batches:06d}.parquet"
                path.parent.mkdir(exist_ok=True)
                pq.write_table(to_arrow(self.table, found), path)
        self._batches += 1
        os.utime(self.folder)  # alive: not an orphan to the next loader

    def day(self, day: date) -> pa.Table:
        """Every staged row of `day`, all batches (empty when none)."""
        folder = self._day_folder(day)
        parts = [pq.read_table(path) for path in sorted(folder.glob("batch-*.parquet"))]
        schema = TABLES[self.table].schema
        if not parts:
            return schema.empty_table()
        return pa.concat_tables(part.cast(schema) for part in parts)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> DayStage:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _day_folder(self, day: date) -> Path:
        return self.folder / day.isoformat()


def _remove_orphans(parent: Path) -> None:
    """Stages older than ORPHAN_SECONDS (a running loader touches its stage every batch)."""
    if not parent.exists():
        return
    cutoff = time.time() - ORPHAN_SECONDS
    for folder in parent.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
