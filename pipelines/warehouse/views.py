"""DuckDB views named after the assets, over the Parquet partitions.

`warehouse.duckdb` holds only view definitions: every byte of data lives in Parquet. Asset runs
never write tables into DuckDB, so concurrent runs never meet DuckDB's single-writer lock on the
data path; the only writes are these idempotent view definitions, made under a file lock and
skipped when nothing changed (a marker file records what the views were last built from).
Code that only reads (marts, asset checks, tests) uses `scratch_connection`, an in-memory
database with the same views, so it never touches the shared file at all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from filelock import FileLock

from pipelines.days import ZONE_NAME
from pipelines.warehouse.object_store import ObjectParquetStore
from pipelines.warehouse.schemas import TABLES, TableSpec
from pipelines.warehouse.store import PART_FILE, ParquetStore

log = logging.getLogger(__name__)

WAREHOUSE_FILE = "warehouse.duckdb"
OPEN_RETRIES = 10
# A store, or the data directory of a local one (what callers passed before object storage).
StoreOrDir = ParquetStore | str | os.PathLike[str]


def warehouse_path(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / WAREHOUSE_FILE


def as_store(source: StoreOrDir) -> ParquetStore:
    return source if isinstance(source, ParquetStore) else ParquetStore(source)


def view_statements(source: StoreOrDir) -> list[str]:
    """`CREATE OR REPLACE VIEW` for every table: over its files, or typed and empty if none yet."""
    store = as_store(source)
    return [_view_sql(spec, store) for spec in TABLES.values()]


def ensure_views(source: StoreOrDir) -> bool:
    """Create or refresh the views in `warehouse.duckdb`; returns False when nothing had to change.

    Safe to call from any number of concurrent runs: a file lock serializes the writers, and the
    marker makes the common case (views already right) a file read without opening DuckDB.
    Over object storage it writes nothing: a view file over s3:// needs DuckDB's httpfs
    extension, which DuckDB downloads and this deployment may not reach (docs/deployment.md).
    """
    store = as_store(source)
    if isinstance(store, ObjectParquetStore):
        return False
    data_dir = store.data_dir
    statements = view_statements(store)
    digest = hashlib.sha256("\n".join(statements).encode()).hexdigest()
    path = warehouse_path(data_dir)
    marker = path.with_name(f".{WAREHOUSE_FILE}.views")
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path.with_name(f".{WAREHOUSE_FILE}.lock")), timeout=120):
        if path.exists() and marker.exists() and marker.read_text() == digest:
            return False
        connection = _open_for_write(path)
        try:
            for statement in statements:
                connection.execute(statement)
        finally:
            connection.close()
        marker.write_text(digest)
    return True


def scratch_connection(source: StoreOrDir) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the warehouse views: for reads that must never take a file lock."""
    store = as_store(source)
    connection = duckdb.connect()
    connection.execute(f"SET TimeZone = '{ZONE_NAME}'")
    if isinstance(store, ObjectParquetStore):
        store.attach_views(connection)
        return connection
    for statement in view_statements(store):
        connection.execute(statement)
    return connection


def _open_for_write(path: Path) -> duckdb.DuckDBPyConnection:
    # Another process (an analyst's notebook, a BI tool) may hold the file; wait for it briefly.
    for attempt in range(OPEN_RETRIES):
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException:
            if attempt == OPEN_RETRIES - 1:
                raise
            log.warning("warehouse.duckdb is busy (another process holds it); retrying")
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def _view_sql(spec: TableSpec, store: ParquetStore) -> str:
    folder = store.table_dir(spec.name)
    if spec.partition is None:
        if not (folder / PART_FILE).exists():
            return _empty_view(spec)
        columns, source = "*", f"read_parquet({_literal(folder / PART_FILE)})"
    else:
        if not store.partitions(spec.name):
            return _empty_view(spec)
        hive_type = "DATE" if spec.partition == "work_date" else "VARCHAR"
        pattern = _literal(folder / f"{spec.partition}=*" / PART_FILE)
        columns = f"{spec.partition}, * EXCLUDE ({spec.partition})"
        source = (
            f"read_parquet({pattern}, hive_partitioning = true, union_by_name = true, "
            f"hive_types = {{'{spec.partition}': {hive_type}}})"
        )
    # DDL takes no bound parameters: names come from TABLES and paths go through _literal.
    return f"CREATE OR REPLACE VIEW {spec.name} AS SELECT {columns} FROM {source}"  # noqa: S608


def _empty_view(spec: TableSpec) -> str:
    columns = [f"CAST(NULL AS {_duck_type(field.type)}) AS {field.name}" for field in spec.schema]
    if spec.partition is not None:
        hive_type = "DATE" if spec.partition == "work_date" else "VARCHAR"
        columns.insert(0, f"CAST(NULL AS {hive_type}) AS {spec.partition}")
    return f"CREATE OR REPLACE VIEW {spec.name} AS SELECT {', '.join(columns)} WHERE false"


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
