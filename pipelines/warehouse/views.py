"""DuckDB views named after the assets, over the Parquet partitions.

`warehouse.duckdb` holds only view definitions: every byte of data lives in Parquet. Asset runs
never write tables into DuckDB, so concurrent runs never meet DuckDB's single-writer lock on the
data path; the only writes are these idempotent view definitions, made under a file lock and
skipped when nothing changed (a marker file records what the views were last built from).
Code that only reads (marts, asset checks, tests) uses `scratch_connection`, an in-memory
database with the same views, so it never touches the shared file at all.

Readers never fail a run: the views are written into a new file beside the old one, which is
then renamed over `warehouse.duckdb`. A reader holding the old file (an analyst's read-only
connection, a BI tool) keeps reading it and sees the new views when it reconnects; the writer
never opens a file a reader holds, so it never waits for, or fails on, DuckDB's lock.

A daily table's view reads two kinds of file: the days' own files (the date from the path, so
files written before it was stored inside read too) and compacted months (`month=YYYY-MM`, the
date inside), the latter only for days without a file of their own: while compaction deletes a
month's day files, each day is read once (pipelines/warehouse/compaction.py).

The folder travels: `connect_read_only(data_dir)` resolves the views at open over the files of
the folder it is given (in a private copy of the view file when the stored views name another
place), so a copied folder answers from its own Parquet. The stored views name absolute paths,
so that any DuckDB client, from any working directory, reads the folder where it was built; the
first run (or `ensure_views`) in a copied folder rewrites them for the new place (the marker
holds the paths).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
from filelock import FileLock

from pipelines.days import ZONE_NAME
from pipelines.warehouse.object_store import ObjectParquetStore
from pipelines.warehouse.schemas import TABLES, TableSpec
from pipelines.warehouse.store import MONTH_PREFIX, PART_FILE, ParquetStore

WAREHOUSE_FILE = "warehouse.duckdb"
# A store, or the data directory of a local one (what callers passed before object storage).
StoreOrDir = ParquetStore | str | os.PathLike[str]


def warehouse_path(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / WAREHOUSE_FILE


def as_store(source: StoreOrDir) -> ParquetStore:
    return source if isinstance(source, ParquetStore) else ParquetStore(source)


def view_statements(source: StoreOrDir) -> list[str]:
    """`CREATE OR REPLACE VIEW` for every table: over its files, or typed and empty."""
    store = as_store(source)
    return [_view_sql(spec, store, "VIEW") for spec in TABLES.values()]


def ensure_views(source: StoreOrDir) -> bool:
    """Create or refresh the views in `warehouse.duckdb`; returns False when nothing had to change.

    Safe to call from any number of concurrent runs, and beside any number of readers: a file
    lock serializes the writers, the new views go into a fresh file renamed over the old one,
    and the marker makes the common case (views already right) a file read.
    Over object storage the view file is built with httpfs and uploaded beside the tables
    (`object_views.publish_views`); it names the current objects, so it is rebuilt every time.
    """
    store = as_store(source)
    if isinstance(store, ObjectParquetStore):
        from pipelines.warehouse.object_views import publish_views  # it imports this module

        publish_views(store)
        return True
    data_dir = store.data_dir
    statements = view_statements(store)
    digest = hashlib.sha256("\n".join(statements).encode()).hexdigest()
    path = warehouse_path(data_dir)
    marker = path.with_name(f".{WAREHOUSE_FILE}.views")
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path.with_name(f".{WAREHOUSE_FILE}.lock")), timeout=120):
        if path.exists() and marker.exists() and marker.read_text() == digest:
            return False
        _write_and_swap(path, statements)
        marker.write_text(digest)
    return True


def _write_and_swap(path: Path, statements: list[str]) -> None:
    """Build the views in a new file, then rename it over `path` (atomic for readers)."""
    for leftover in path.parent.glob(f".{WAREHOUSE_FILE}.*.tmp*"):  # from a killed writer
        leftover.unlink(missing_ok=True)
    fresh = path.with_name(f".{WAREHOUSE_FILE}.{uuid.uuid4().hex}.tmp")
    connection = duckdb.connect(str(fresh))
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()  # checkpoints: the new file is complete, with no WAL beside it
    with open(fresh, "rb") as handle:
        os.fsync(handle.fileno())
    # A WAL left beside the old file would be replayed into the new one: it must go first.
    path.with_name(WAREHOUSE_FILE + ".wal").unlink(missing_ok=True)
    os.replace(fresh, path)
    _fsync_directory(path.parent)


def connect_read_only(data_dir: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """A read-only connection whose views read `data_dir`'s own files (wherever the folder was
    copied to); never holds DuckDB's writer lock, never writes into the folder.

    Where the stored views already read this folder (the marker says so), it is
    `warehouse.duckdb` itself. Otherwise (a copied folder) the views are built into a private
    file that is deleted once open: temporary views over the stored ones would list every view
    twice in `SHOW TABLES`, and a read-only connection cannot replace the stored ones.
    """
    statements = view_statements(data_dir)
    path = warehouse_path(data_dir)
    marker = path.with_name(f".{WAREHOUSE_FILE}.views")
    digest = hashlib.sha256("\n".join(statements).encode()).hexdigest()
    if path.exists() and marker.exists() and marker.read_text() == digest:
        return duckdb.connect(str(path), read_only=True)
    with tempfile.TemporaryDirectory(prefix="attendance-views-") as private:
        built = Path(private) / WAREHOUSE_FILE  # same catalogue name as the stored file
        with duckdb.connect(str(built)) as writer:
            for statement in statements:
                writer.execute(statement)
        # Open before the directory goes: the open descriptor keeps the file readable.
        return duckdb.connect(str(built), read_only=True)


def scratch_connection(
    source: StoreOrDir, partitions: Mapping[str, Iterable[str]] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the warehouse views: for reads that must never take a file lock.

    `partitions` ({table: [partition value, ...]}) limits those tables' views to the given
    partitions from the start, so a read of a few days never lists or binds the whole history
    (DuckDB reads the footer of every file a view names when the view is created).
    """
    chosen = dict(partitions or {})
    store = as_store(source)
    connection = duckdb.connect()
    connection.execute(f"SET TimeZone = '{ZONE_NAME}'")
    if isinstance(store, ObjectParquetStore):  # whole views: its files resolve through pointers
        store.attach_views(connection)
        return connection
    for spec in TABLES.values():
        wanted = chosen.get(spec.name)
        sql = (
            _view_sql(spec, store, "VIEW")
            if wanted is None
            else _partitions_view_sql(spec, store, wanted)
        )
        connection.execute(sql)
    return connection


def days_connection(source: StoreOrDir, days: Iterable[date]) -> duckdb.DuckDBPyConnection:
    """`scratch_connection` whose daily tables hold only `days`: for checks and figures of a run,
    so their cost follows the run's days, not the history on disk."""
    values = sorted({day.isoformat() for day in days})
    daily = {spec.name: values for spec in TABLES.values() if spec.partition == "work_date"}
    return scratch_connection(source, daily)


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _partitions_view_sql(spec: TableSpec, store: ParquetStore, wanted: Iterable[str]) -> str:
    # Only the wanted files are looked at: listing the folder would cost O(history).
    values = sorted(set(wanted))
    own = [store.file_path(spec.name, value) for value in values]
    files = [path for path in own if path.exists()]
    branches = (
        [_own_files_branch(spec, ", ".join(_literal(path) for path in files))] if files else []
    )
    if spec.partition == "work_date":
        rest = [value for value, path in zip(values, own, strict=True) if not path.exists()]
        months = sorted({value[:7] for value in rest})
        held = [store.month_file_path(spec.name, m) for m in months]
        held = [path for path in held if path.exists()]
        if held:
            days = ", ".join(f"DATE '{date.fromisoformat(value).isoformat()}'" for value in rest)
            branches.append(
                _month_files_branch(", ".join(_literal(path) for path in held), f"IN ({days})")
            )
    if not branches:
        return _empty_view(spec, "VIEW")
    # DDL takes no bound parameters: names come from TABLES and paths go through _literal.
    return f"CREATE OR REPLACE VIEW {spec.name} AS " + " UNION ALL BY NAME ".join(branches)


def _view_sql(spec: TableSpec, store: ParquetStore, kind: str) -> str:
    folder = store.table_dir(spec.name)
    if spec.partition is None:
        if not (folder / PART_FILE).exists():
            return _empty_view(spec, kind)
        body = f"SELECT * FROM read_parquet({_literal(folder / PART_FILE)})"  # noqa: S608
        return f"CREATE OR REPLACE {kind} {spec.name} AS {body}"
    day_glob = _literal(folder / f"{spec.partition}=*" / PART_FILE)
    branches = (
        [_own_files_branch(spec, day_glob)] if _any_folder(folder, f"{spec.partition}=") else []
    )
    if spec.partition == "work_date" and _any_folder(folder, MONTH_PREFIX):
        # While compaction deletes a month's day files, a day file still there wins.
        # The glob goes through _literal.
        listed = f"SELECT CAST(regexp_extract(file, 'work_date=([0-9-]+)/', 1) AS DATE) FROM glob({day_glob})"  # noqa: S608, E501
        pending = f"NOT IN ({listed})"
        branches.append(
            _month_files_branch(_literal(folder / f"{MONTH_PREFIX}*" / PART_FILE), pending)
        )
    if not branches:
        return _empty_view(spec, kind)
    # DDL takes no bound parameters: names come from TABLES and paths go through _literal.
    return f"CREATE OR REPLACE {kind} {spec.name} AS " + " UNION ALL BY NAME ".join(branches)


def _own_files_branch(spec: TableSpec, files: str) -> str:
    """Rows of partitions' own files: the partition value from the path, so files written
    before the value was also stored inside read the same."""
    hive_type = "DATE" if spec.partition == "work_date" else "VARCHAR"
    source = (
        f"read_parquet([{files}], hive_partitioning = true, union_by_name = true, "
        f"hive_types = {{'{spec.partition}': {hive_type}}})"
    )
    if spec.partition == "month":  # month_start from month: files written before lack it
        columns = (
            "month, CAST(month || '-01' AS DATE) AS month_start, "
            "COLUMNS(lambda c: c NOT IN ('month', 'month_start'))"
        )
    else:
        columns = f"{spec.partition}, * EXCLUDE ({spec.partition})"
    return f"SELECT {columns} FROM {source}"  # noqa: S608


def _month_files_branch(files: str, days: str) -> str:
    """Rows of compacted months (their `work_date` is inside), of the days `work_date {days}`."""
    return (
        "SELECT work_date, * EXCLUDE (work_date) FROM read_parquet("  # noqa: S608
        f"[{files}], hive_partitioning = false, union_by_name = true) WHERE work_date {days}"
    )


def _any_folder(folder: Path, prefix: str) -> bool:
    """Whether one partition file under `prefix*` exists, stopping at the first (a year has
    365 folders)."""
    if not folder.exists():
        return False
    return any(
        entry.name.startswith(prefix) and (entry / PART_FILE).exists() for entry in folder.iterdir()
    )


def empty_view_sql(spec: TableSpec, kind: str) -> str:
    """A typed, empty view of `spec` (a table nothing was written to yet)."""
    return _empty_view(spec, kind)


def _empty_view(spec: TableSpec, kind: str) -> str:
    fields = [*spec.partition_fields, *spec.schema]
    columns = [f"CAST(NULL AS {_duck_type(field.type)}) AS {field.name}" for field in fields]
    return f"CREATE OR REPLACE {kind} {spec.name} AS SELECT {', '.join(columns)} WHERE false"


def _duck_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_map(arrow_type):
        key, value = _duck_type(arrow_type.key_type), _duck_type(arrow_type.item_type)
        return f"MAP({key}, {value})"
    if pa.types.is_list(arrow_type):
        return f"{_duck_type(arrow_type.value_type)}[]"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    simple = {
        pa.string(): "VARCHAR",
        pa.int64(): "BIGINT",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
        pa.date32(): "DATE",
    }
    return simple[arrow_type]


def _literal(path: Path) -> str:
    # View DDL cannot take bound parameters; the path comes from configuration, so quote it.
    return "'" + str(path.resolve()).replace("'", "''") + "'"
