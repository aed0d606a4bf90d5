"""DuckDB views over the Parquet objects themselves, read by DuckDB's httpfs extension.

The view file is `<bucket>/<prefix>/warehouse.duckdb`, uploaded beside the tables: any DuckDB
with httpfs and read credentials attaches it (`ATTACH 's3://.../warehouse.duckdb'`) and queries
the tables by name. Each view lists the objects the partitions' `_current` pointers named when
it was built, never a glob: an object still uploading, or one a dead writer left, is in no
view, and a partition is read whole, in the version its pointer named. Every write rebuilds
the file (the asset calls `ensure_views`), and an object stays readable for one switch after
its pointer moves on, so a reader holding the previous file still reads whole versions.

httpfs comes from the `duckdb-extension-httpfs` wheel (pinned with duckdb): it is loaded from
that package's file, so no host ever downloads an extension from extensions.duckdb.org.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import duckdb

from pipelines.warehouse.object_store import ObjectParquetStore, ObjectStoreConfig
from pipelines.warehouse.schemas import TABLES, TableSpec
from pipelines.warehouse.views import empty_view_sql

VIEW_FILE = "warehouse.duckdb"
HTTPFS_PACKAGE = "duckdb_extension_httpfs"


class HttpfsMissing(RuntimeError):
    """DuckDB's httpfs extension is not installed for this duckdb version."""


def httpfs_path() -> Path:
    """The httpfs extension file the `duckdb-extension-httpfs` wheel ships for this duckdb."""
    spec = importlib.util.find_spec(HTTPFS_PACKAGE)
    version = duckdb.__version__
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location) / "extensions" / f"v{version}" / "httpfs.duckdb_extension"
        if candidate.is_file():
            return candidate
    raise HttpfsMissing(
        f"DuckDB's httpfs extension for duckdb {version} is not installed: "
        f"pip install duckdb-extension-httpfs=={version}"
    )


def load_httpfs(connection: duckdb.DuckDBPyConnection) -> None:
    """Load httpfs from the installed wheel; never let DuckDB fetch an extension itself."""
    connection.execute("SET autoinstall_known_extensions = false")
    connection.execute(f"LOAD {_quote(str(httpfs_path()))}")


def add_s3_secret(connection: duckdb.DuckDBPyConnection, config: ObjectStoreConfig) -> None:
    """A temporary (in-memory, never written to a file) S3 secret from the store's settings."""
    options = {"TYPE": "s3", "URL_STYLE": "vhost" if config.virtual_addressing else "path"}
    if config.endpoint_url:
        scheme, _, host = config.endpoint_url.partition("://")
        options.update(ENDPOINT=host.rstrip("/"), USE_SSL=str(scheme == "https").lower())
    if config.region:
        options["REGION"] = config.region
    if config.access_key_id:
        options.update(KEY_ID=config.access_key_id, SECRET=config.secret_access_key)
    # CREATE SECRET takes no bound parameters: every value goes through _quote.
    body = ", ".join(
        f"{key} {value if key in ('TYPE', 'USE_SSL') else _quote(value)}"
        for key, value in options.items()
    )
    connection.execute(f"CREATE OR REPLACE TEMPORARY SECRET attendance_s3 ({body})")


def s3_connection(store: ObjectParquetStore) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that reads the store's objects over s3:// (httpfs and the secret)."""
    connection = duckdb.connect()
    load_httpfs(connection)
    add_s3_secret(connection, store.config)
    return connection


def view_file_url(store: ObjectParquetStore | ObjectStoreConfig) -> str:
    config = store.config if isinstance(store, ObjectParquetStore) else store
    return f"s3://{config.root}/{VIEW_FILE}"


class ViewFileMissing(RuntimeError):
    """No writer has uploaded the view file yet (or the credentials may not read it)."""


def attach_published(config: ObjectStoreConfig) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the uploaded view file attached read-only and in use: the
    warehouse's tables by name, read over httpfs (the readers' side of `publish_views`)."""
    url = view_file_url(config)
    connection = duckdb.connect()
    try:
        load_httpfs(connection)
        add_s3_secret(connection, config)
        try:
            connection.execute(f"ATTACH {_quote(url)} AS warehouse (READ_ONLY)")
        except duckdb.Error as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            raise ViewFileMissing(f"cannot attach {url}: {first}") from None
        connection.execute("USE warehouse")
    except BaseException:
        connection.close()
        raise
    return connection


def view_statements(store: ObjectParquetStore) -> list[str]:
    """`CREATE OR REPLACE VIEW` per table over the objects its pointers name now."""
    statements: list[str] = []
    for spec in TABLES.values():
        objects = store.current_objects(spec.name)
        if not objects:
            statements.append(empty_view_sql(spec, "VIEW"))
            continue
        statements.append(_objects_view_sql(spec, [f"s3://{key}" for key in objects]))
    return statements


def publish_views(store: ObjectParquetStore) -> None:
    """Build the view file in a temporary folder and upload it over the previous one (one PUT:
    a reader downloads the old file or the new one, whole)."""
    with tempfile.TemporaryDirectory(prefix="attendance-views-") as folder:
        path = Path(folder) / VIEW_FILE
        connection = s3_connection(store)
        try:
            connection.execute(f"ATTACH {_quote(str(path))} AS built")
            connection.execute("USE built")
            for statement in view_statements(store):
                connection.execute(statement)
            connection.execute("USE memory")
            connection.execute("DETACH built")  # checkpoints: the file is complete
        finally:
            connection.close()
        target = f"{store.config.root}/{VIEW_FILE}"
        with store.filesystem.open_output_stream(target) as stream:
            stream.write(path.read_bytes())


def _objects_view_sql(spec: TableSpec, urls: list[str]) -> str:
    listed = ", ".join(_quote(url) for url in urls)
    if spec.partition is None:
        return f"CREATE OR REPLACE VIEW {spec.name} AS SELECT * FROM read_parquet([{listed}])"  # noqa: S608
    hive_type = "DATE" if spec.partition == "work_date" else "VARCHAR"
    # DDL takes no bound parameters: names come from TABLES, object keys go through _quote.
    return (
        f"CREATE OR REPLACE VIEW {spec.name} AS SELECT {spec.partition}, "  # noqa: S608
        f"* EXCLUDE ({spec.partition}) FROM read_parquet([{listed}], hive_partitioning = "
        f"true, union_by_name = true, hive_types = {{'{spec.partition}': {hive_type}}})"
    )


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
