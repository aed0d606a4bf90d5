"""Hive-partitioned Parquet, one file per partition, replaced atomically.

Layout: `<data_dir>/parquet/<table>/work_date=YYYY-MM-DD/part-0.parquet` for daily tables,
`.../month=YYYY-MM/part-0.parquet` for monthly marts, `.../part-0.parquet` for the unpartitioned
ones. A write goes to a hidden temporary file in the same directory and is renamed over the old
file, so readers see the old version or the new one, never half a file, and a crash mid-write
leaves the previous version in place. A per-partition file lock serializes read-modify-write
(targeted refresh) against full rewrites of the same partition.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filelock import FileLock

from pipelines.warehouse.schemas import TABLES, TableSpec

PART_FILE = "part-0.parquet"
LOCK_TIMEOUT_SECONDS = 120
# The column naming the approval instance (process instance id) that produced a row.
INSTANCE_COLUMN = "proc_inst_id"


class WarehouseRows(Protocol):
    """What readers outside the warehouse (the refresh logic) may ask of the stored rows."""

    def partition_rows(
        self, table: str, partition: date | str, columns: Sequence[str]
    ) -> list[dict[str, Any]] | None:
        """`columns` of one partition's rows; None when the partition was never written."""
        ...

    def approval_instance_days(self, instance_id: str) -> set[tuple[date, str]]:
        """(work_date, userid) of every daily row that approval instance `instance_id` produced."""
        ...


class ParquetStore:
    """Reads and atomically replaces the Parquet partitions under `<data_dir>/parquet`."""

    def __init__(self, data_dir: str | os.PathLike[str]):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "parquet"

    def table_dir(self, table: str) -> Path:
        return self.root / _spec(table).name

    def file_path(self, table: str, partition: date | str | None = None) -> Path:
        """Path of the single Parquet file holding one partition (or the whole table)."""
        spec = _spec(table)
        if spec.partition is None:
            return self.table_dir(table) / PART_FILE
        if partition is None:
            raise ValueError(f"table {table} is partitioned by {spec.partition}: give a partition")
        return self.table_dir(table) / f"{spec.partition}={_partition_text(partition)}" / PART_FILE

    def partitions(self, table: str) -> list[str]:
        """Partition values present on disk, sorted (e.g. ['2026-03-01', '2026-03-02'])."""
        spec = _spec(table)
        folder = self.table_dir(table)
        if spec.partition is None or not folder.exists():
            return []
        prefix = f"{spec.partition}="
        return sorted(
            entry.name[len(prefix) :]
            for entry in folder.iterdir()
            if entry.name.startswith(prefix) and (entry / PART_FILE).exists()
        )

    def read(self, table: str, partition: date | str | None = None) -> pa.Table:
        """One partition (or the unpartitioned table); an empty table when nothing was written."""
        path = self.file_path(table, partition)
        if not path.exists():
            return _spec(table).schema.empty_table()
        return pq.read_table(path, schema=_spec(table).schema)

    def partition_rows(
        self, table: str, partition: date | str, columns: Sequence[str]
    ) -> list[dict[str, Any]] | None:
        """`columns` of one partition's rows; None when the partition was never written.

        Raises OSError or ValueError for a file that cannot be read.
        """
        path = self.file_path(table, partition)
        if not path.exists():
            return None
        return pq.read_table(path, columns=list(columns)).to_pylist()

    def approval_instance_days(self, instance_id: str) -> set[tuple[date, str]]:
        """(work_date, userid) of every daily row that approval instance `instance_id` produced.

        Scans the daily tables that carry the instance column (a revoked or deleted approval can
        no longer be fetched, but its rows still say where it was written).
        """
        found: set[tuple[date, str]] = set()
        # One DuckDB scan per table (about five times faster than reading file by file), over
        # the listed partition files only: never a half-written temporary file.
        with duckdb.connect() as db:
            for table in INSTANCE_TABLES:
                files = [str(self.file_path(table, value)) for value in self.partitions(table)]
                if not files:
                    continue
                rows = db.execute(
                    "SELECT DISTINCT CAST(work_date AS DATE), userid FROM"
                    " read_parquet(?, hive_partitioning = true) WHERE proc_inst_id = ?",
                    [files, instance_id],
                ).fetchall()
                found.update((row[0], row[1]) for row in rows)
        return found

    def write(
        self,
        table: str,
        rows: Sequence[Mapping] | pa.Table,
        partition: date | str | None = None,
    ) -> int:
        """Replace one partition (or the unpartitioned table) with `rows`; returns the row count."""
        data = to_arrow(table, rows)
        with self._lock(table, partition):
            self._publish(table, partition, data)
        return data.num_rows

    def replace_users(
        self,
        table: str,
        partition: date | str,
        users: Iterable[str],
        rows: Sequence[Mapping] | pa.Table,
    ) -> int:
        """Targeted refresh: drop these users' rows from the partition, add `rows`, replace it.

        Returns the partition's new row count. Rows of other users are kept byte-for-byte.
        """
        fresh = to_arrow(table, rows)
        wanted = pa.array(sorted(set(users)), pa.string())
        with self._lock(table, partition):
            current = self.read(table, partition)
            kept = current.filter(pc.invert(pc.is_in(current["userid"], value_set=wanted)))
            merged = sort_by_key(table, pa.concat_tables([kept, fresh]))
            self._publish(table, partition, merged)
        return merged.num_rows

    def _publish(self, table: str, partition: date | str | None, data: pa.Table) -> None:
        """Make `data` the partition's contents, atomically (object storage overrides this)."""
        self._replace_file(self.file_path(table, partition), data)

    def _lock(self, table: str, partition: date | str | None) -> FileLock:
        # Locks live outside the hive tree so that no reader ever globs them.
        name = _partition_text(partition) if partition is not None else "all"
        path = self.data_dir / "locks" / _spec(table).name / f"{name}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(path), timeout=LOCK_TIMEOUT_SECONDS)

    @staticmethod
    def _replace_file(target: Path, data: pa.Table) -> None:
        """Write a temporary file, fsync it, rename it over `target`, fsync the directory.

        Called under the partition's lock: any other temporary file of this target is left by
        a writer that was killed (kill -9, power cut), and is removed here.
        """
        target.parent.mkdir(parents=True, exist_ok=True)
        for orphan in target.parent.glob(f".{target.name}.*.tmp"):
            orphan.unlink(missing_ok=True)
        # Hidden name without the .parquet suffix: DuckDB's glob never picks a half-written file.
        temporary = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
        try:
            pq.write_table(data, temporary, compression="zstd")
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, target)
            _fsync_directory(target.parent)  # the rename itself survives a power cut
        finally:
            temporary.unlink(missing_ok=True)


# Daily tables whose rows name the approval instance that produced them (docs/warehouse.md).
INSTANCE_TABLES = tuple(
    name
    for name, spec in TABLES.items()
    if spec.partition == "work_date" and INSTANCE_COLUMN in spec.columns
)


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def to_arrow(table: str, rows: Sequence[Mapping] | pa.Table) -> pa.Table:
    """Rows (dicts; extra keys ignored, missing ones null) as an Arrow table of the table's schema,
    sorted by its key so that rewriting the same data gives the same file contents."""
    spec = _spec(table)
    if isinstance(rows, pa.Table):
        data = rows.select(spec.columns).cast(spec.schema)
    else:
        data = pa.Table.from_pylist(list(rows), schema=spec.schema)
    return sort_by_key(table, data)


def sort_by_key(table: str, data: pa.Table) -> pa.Table:
    keys = [column for column in _spec(table).key if column in data.column_names]
    if not keys or data.num_rows == 0:
        return data
    return data.sort_by([(column, "ascending") for column in keys])


def _spec(table: str) -> TableSpec:
    try:
        return TABLES[table]
    except KeyError:
        raise ValueError(f"unknown warehouse table {table!r}; known: {sorted(TABLES)}") from None


def _partition_text(partition: date | str) -> str:
    if isinstance(partition, date):
        return partition.isoformat()
    text = str(partition)
    # A partition value becomes a directory name: refuse anything that could escape the table.
    if not text or any(char in text for char in "/\\") or text.startswith("."):
        raise ValueError(f"invalid partition value {text!r}")
    return text
