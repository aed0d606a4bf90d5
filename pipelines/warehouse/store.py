"""Hive-partitioned Parquet, one file per partition, replaced atomically.

Layout: `<data_dir>/parquet/<table>/work_date=YYYY-MM-DD/part-0.parquet` for daily tables,
`.../month=YYYY-MM/part-0.parquet` for monthly marts, `.../part-0.parquet` for the unpartitioned
ones. Every file also holds its partition column (`TableSpec.partition_fields`); files written
before that do not, and still read (the path gives the value). A write goes to a hidden
temporary file in the same directory and is renamed over the old file, so readers see the old
version or the new one, never half a file, and a crash mid-write leaves the previous version in
place. A per-partition file lock serializes read-modify-write (targeted refresh) against full
rewrites of the same partition.

A settled month of a daily table can be compacted (`compact_month`) into one file,
`<table>/month=YYYY-MM/part-0.parquet`, whose rows carry their `work_date`. From then on that
file holds the month: reads of a day filter it, and a later write to one of its days (a late
correction) rewrites it, so a day is never in two files once compaction finished. Compaction
writes the month file, then deletes the day files; while both exist a day file wins (the views
and `read` look at day files first), so a reader sees each day's rows exactly once throughout.
Writers of a daily table take the month's lock before the day's, compaction the month's.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from filelock import FileLock

from pipelines.warehouse.schemas import TABLES, TableSpec, partition_values

PART_FILE = "part-0.parquet"
# Directory prefix of a daily table's compacted months (hive style, like the marts' months).
MONTH_PREFIX = "month="
# Footer key of a compacted month file listing its days (a day may have no rows).
DAYS_METADATA = b"attendance.days"
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


@dataclass(frozen=True)
class Compaction:
    """What compacting one table-month changed on disk."""

    table: str
    month: str
    files_before: int
    bytes_before: int
    files_after: int
    bytes_after: int
    rows: int


class ParquetStore:
    """Reads and atomically replaces the Parquet partitions under `<data_dir>/parquet`."""

    def __init__(self, data_dir: str | os.PathLike[str]):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "parquet"

    def table_dir(self, table: str) -> Path:
        return self.root / _spec(table).name

    def file_path(self, table: str, partition: date | str | None = None) -> Path:
        """Path of the file a partition (or the whole table) is written to when not compacted."""
        spec = _spec(table)
        if spec.partition is None:
            return self.table_dir(table) / PART_FILE
        if partition is None:
            raise ValueError(f"table {table} is partitioned by {spec.partition}: give a partition")
        return self.table_dir(table) / f"{spec.partition}={_partition_text(partition)}" / PART_FILE

    def month_file_path(self, table: str, month: str) -> Path:
        """Path of a daily table's compacted month `YYYY-MM` (whether it exists or not)."""
        if _spec(table).partition != "work_date":
            raise ValueError(f"table {table} is not daily: only daily tables are compacted")
        return self.table_dir(table) / f"{MONTH_PREFIX}{_partition_text(month)}" / PART_FILE

    def holding_file(self, table: str, partition: date | str | None = None) -> Path | None:
        """The file that holds a partition now: its own, else its compacted month; None if
        neither exists."""
        own = self.file_path(table, partition)
        if own.exists() or partition is None or _spec(table).partition != "work_date":
            return own if own.exists() else None
        day = date.fromisoformat(_partition_text(partition))
        month = self.month_file_path(table, day.isoformat()[:7])
        return month if month.exists() and day in month_file_days(month) else None

    def day_files(self, table: str) -> list[Path]:
        """Every partition's own file, sorted (compacted months excluded)."""
        spec = _spec(table)
        folder = self.table_dir(table)
        if spec.partition is None or not folder.exists():
            return []
        prefix = f"{spec.partition}="
        return sorted(
            entry / PART_FILE
            for entry in folder.iterdir()
            if entry.name.startswith(prefix) and (entry / PART_FILE).exists()
        )

    def compacted_months(self, table: str) -> list[str]:
        """The months (`YYYY-MM`) of a daily table held in one compacted file, sorted."""
        folder = self.table_dir(table)
        if _spec(table).partition != "work_date" or not folder.exists():
            return []
        return sorted(
            entry.name.removeprefix(MONTH_PREFIX)
            for entry in folder.iterdir()
            if entry.name.startswith(MONTH_PREFIX) and (entry / PART_FILE).exists()
        )

    def partitions(self, table: str) -> list[str]:
        """Partition values present on disk, sorted (e.g. ['2026-03-01', '2026-03-02']),
        the days inside compacted months included."""
        spec = _spec(table)
        prefix = f"{spec.partition}="
        values = {path.parent.name.removeprefix(prefix) for path in self.day_files(table)}
        for month in self.compacted_months(table):
            values.update(
                day.isoformat() for day in month_file_days(self.month_file_path(table, month))
            )
        return sorted(values)

    def read(self, table: str, partition: date | str | None = None) -> pa.Table:
        """One partition (or the unpartitioned table); an empty table when nothing was written."""
        spec = _spec(table)
        data = self._read_partition(table, partition, spec.columns)
        return spec.schema.empty_table() if data is None else data.cast(spec.schema)

    def partition_rows(
        self, table: str, partition: date | str, columns: Sequence[str]
    ) -> list[dict[str, Any]] | None:
        """`columns` of one partition's rows; None when the partition was never written.

        Raises OSError or ValueError for a file that cannot be read.
        """
        data = self._read_partition(table, partition, list(columns))
        return None if data is None else data.to_pylist()

    def _read_partition(
        self, table: str, partition: date | str | None, columns: list[str]
    ) -> pa.Table | None:
        spec = _spec(table)
        path = self.holding_file(table, partition)
        if path is None:
            return None
        if partition is None or path == self.file_path(table, partition):
            # Files written before the partition column was added lack it: read by schema.
            return pq.read_table(path, schema=spec.schema, columns=columns)
        day = date.fromisoformat(_partition_text(partition))
        dataset = ds.dataset(path, schema=spec.file_schema, format="parquet")
        return dataset.to_table(columns=columns, filter=pc.field("work_date") == day)

    def approval_instance_days(self, instance_id: str) -> set[tuple[date, str]]:
        """(work_date, userid) of every daily row that approval instance `instance_id` produced.

        Scans the daily tables that carry the instance column (a revoked or deleted approval can
        no longer be fetched, but its rows still say where it was written).
        """
        found: set[tuple[date, str]] = set()
        # One DuckDB scan per table and kind of file (about five times faster than reading file
        # by file), over listed files only: never a half-written temporary file.
        with duckdb.connect() as db:
            for table in INSTANCE_TABLES:
                days = [str(path) for path in self.day_files(table)]
                months = [str(self.month_file_path(table, m)) for m in self.compacted_months(table)]
                sources = [(days, "true"), (months, "false")]
                for files, hive in sources:
                    if not files:
                        continue
                    rows = db.execute(
                        "SELECT DISTINCT CAST(work_date AS DATE), userid FROM"  # noqa: S608
                        f" read_parquet(?, hive_partitioning = {hive}, union_by_name = true)"
                        " WHERE proc_inst_id = ?",
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

    def compact_month(
        self, table: str, month: str, on_switch: Callable[[], object] | None = None
    ) -> Compaction:
        """Fold a daily table's day files of `month` into its month file (rows unchanged).

        Writes the month file (atomically), calls `on_switch` (the views must name the month
        file before the day files go), then deletes the day files: a reader sees a day's rows
        from its day file until that file is gone, then from the month file.
        """
        spec = _spec(table)
        target = self.month_file_path(table, month)
        with self._month_lock(table, month):
            prefix = f"{spec.partition}={month}-"
            days = [path for path in self.day_files(table) if path.parent.name.startswith(prefix)]
            before = [*days, target] if target.exists() else days
            sizes = sum(path.stat().st_size for path in before)
            if not days:
                return Compaction(table, month, len(before), sizes, len(before), sizes, 0)
            taken = {path: _day_of(path) for path in days}
            parts = [
                self._with_partition(spec, pq.read_table(path, schema=spec.schema), day)
                for path, day in taken.items()
            ]
            if target.exists():  # a stray day file beside the month (a compaction cut short)
                held = pq.read_table(target, schema=spec.file_schema)
                dropped = pa.array(sorted(taken.values()), pa.date32())
                parts.append(held.filter(pc.invert(pc.is_in(held["work_date"], value_set=dropped))))
            covered = set(taken.values()) | (month_file_days(target) if target.exists() else set())
            merged = _with_days(sort_by_key(table, pa.concat_tables(parts)), covered)
            self._replace_file(target, merged)
            if on_switch is not None:
                on_switch()
            for path in days:
                path.unlink()
                path.parent.rmdir()
            _fsync_directory(self.table_dir(table))
            size = target.stat().st_size
            return Compaction(table, month, len(before), sizes, 1, size, merged.num_rows)

    def _publish(self, table: str, partition: date | str | None, data: pa.Table) -> None:
        """Make `data` (rows of the table's schema) the partition's contents, atomically, with
        the partition columns in the file (object storage overrides this).

        A day of a compacted month is replaced inside the month file (a late correction), so
        the day never sits in two files."""
        spec = _spec(table)
        rows = self._with_partition(spec, data, partition)
        if partition is None or spec.partition != "work_date":
            self._replace_file(self.file_path(table, partition), rows)
            return
        day = date.fromisoformat(_partition_text(partition))
        month_file = self.month_file_path(table, day.isoformat()[:7])
        own = self.file_path(table, partition)
        if not month_file.exists() or own.exists():
            self._replace_file(own, rows)
            return
        held = pq.read_table(month_file, schema=spec.file_schema)
        others = held.filter(pc.field("work_date") != day)
        merged = sort_by_key(table, pa.concat_tables([others, rows]))
        self._replace_file(month_file, _with_days(merged, month_file_days(month_file) | {day}))

    @staticmethod
    def _with_partition(spec: TableSpec, data: pa.Table, partition: date | str | None) -> pa.Table:
        """`data` (rows of `spec.schema`) with the partition columns in front: the file's rows."""
        if partition is None:
            return data
        values = partition_values(spec, partition)
        columns = [
            pa.array([values[f.name]] * data.num_rows, f.type) for f in spec.partition_fields
        ]
        return pa.Table.from_arrays([*columns, *data.columns], schema=spec.file_schema)

    @contextmanager
    def _lock(self, table: str, partition: date | str | None) -> Iterator[None]:
        """The partition's lock; for a day, its month's lock first (compaction holds that)."""
        day_lock = self._lock_file(table, partition)
        if partition is None or _spec(table).partition != "work_date":
            with day_lock:
                yield
            return
        with self._month_lock(table, _partition_text(partition)[:7]), day_lock:
            yield

    def _month_lock(self, table: str, month: str) -> FileLock:
        path = self.data_dir / "locks" / _spec(table).name / f"month-{month}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(path), timeout=LOCK_TIMEOUT_SECONDS)

    def _lock_file(self, table: str, partition: date | str | None) -> FileLock:
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


def month_file_days(path: Path) -> set[date]:
    """The days a compacted month file holds, days without rows included (from its footer)."""
    metadata = pq.read_schema(path).metadata or {}
    text = metadata.get(DAYS_METADATA, b"").decode()
    return {date.fromisoformat(value) for value in text.split(",") if value}


def _with_days(data: pa.Table, days: set[date]) -> pa.Table:
    """`data` whose file will name the days it holds: a day pulled empty stays a partition."""
    listed = ",".join(sorted(day.isoformat() for day in days))
    return data.replace_schema_metadata({DAYS_METADATA: listed.encode()})


def _day_of(day_file: Path) -> date:
    """The work date a day file's directory (`work_date=YYYY-MM-DD`) names."""
    return date.fromisoformat(day_file.parent.name.partition("=")[2])


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
