"""Hive-partitioned Parquet on S3-compatible object storage (S3, Alibaba Cloud OSS, MinIO).

Object storage has no rename, so a partition is replaced through a pointer. Under
`s3://bucket/prefix` (`ATTENDANCE_WAREHOUSE_URI`):

    <table>/work_date=YYYY-MM-DD/part-<utc time>-<uuid>.parquet   immutable data objects
    <table>/work_date=YYYY-MM-DD/_current                         {"file": "part-...", "rows": n}

(`month=YYYY-MM/` for the monthly marts, the table folder itself for unpartitioned tables.)
A write uploads a new data object under a unique name (an upload becomes visible only once it
is complete), then overwrites `_current` (one small PUT: a reader gets the old pointer or the
new one, whole), then deletes superseded objects. A reader reads `_current`, then the object it
names: it never sees a half-written partition. The object the pointer named before a switch is
kept until the next switch, so a reader that read the old pointer still finds its object; an
object no pointer names (a writer that died between upload and switch, or one still uploading
on another host) is deleted only once it is older than `orphan_grace_seconds`.

Writers of one partition on one host are serialized by the local file lock of `ParquetStore`;
across hosts the Dagster pools serialize them (docs/deployment.md).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipelines.warehouse.schemas import TABLES, TableSpec
from pipelines.warehouse.store import (
    INSTANCE_COLUMN,
    INSTANCE_TABLES,
    ParquetStore,
    _partition_text,
    _spec,
)

log = logging.getLogger(__name__)

POINTER = "_current"
DATA_PREFIX = "part-"
# Longer than any upload takes: an unnamed object younger than this may be another host's
# upload about to be switched in, so it is left alone.
ORPHAN_GRACE_SECONDS = 3600.0
# Two switches between reading the pointer and opening the object: read the pointer again.
READ_ATTEMPTS = 3
POINTER_READERS = 16


@dataclass(frozen=True)
class ObjectStoreConfig:
    """Where the objects are and how to reach them (the `ATTENDANCE_S3_*` settings)."""

    uri: str
    endpoint_url: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    virtual_addressing: bool = False

    @property
    def root(self) -> str:
        """`bucket/prefix`, the form pyarrow's S3 filesystem takes for paths."""
        return self.uri.removeprefix("s3://").strip("/")

    def filesystem(self) -> pafs.S3FileSystem:
        """An S3 filesystem with explicit timeouts and bounded retries; empty keys fall back to
        the AWS default chain (AWS_* variables, instance profile)."""
        options: dict[str, Any] = {}
        if self.endpoint_url:
            parsed = urlsplit(self.endpoint_url)
            options.update(endpoint_override=parsed.netloc, scheme=parsed.scheme)
        if self.region:
            options["region"] = self.region
        if self.access_key_id:
            options.update(access_key=self.access_key_id, secret_key=self.secret_access_key)
        return pafs.S3FileSystem(
            connect_timeout=5,
            request_timeout=60,
            retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=4),
            force_virtual_addressing=self.virtual_addressing,
            allow_bucket_creation=False,
            allow_bucket_deletion=False,
            **options,
        )


class ObjectParquetStore(ParquetStore):
    """`ParquetStore` over object storage: same methods, partitions switched by pointer.

    `data_dir` is still local: it holds the write locks (and the Dagster instance). The local
    paths of `ParquetStore` (`file_path`, `table_dir`) do not apply here.
    """

    def __init__(
        self,
        config: ObjectStoreConfig,
        data_dir: str | os.PathLike[str],
        *,
        orphan_grace_seconds: float = ORPHAN_GRACE_SECONDS,
    ):
        super().__init__(data_dir)
        self.config = config
        self.filesystem = config.filesystem()
        self.orphan_grace_seconds = orphan_grace_seconds

    def describe(self) -> str:
        return f"s3://{self.config.root}"

    def folder(self, table: str, partition: date | str | None = None) -> str:
        """The folder of one partition's objects (or of an unpartitioned table's)."""
        spec = _spec(table)
        base = f"{self.config.root}/{spec.name}"
        if spec.partition is None:
            return base
        if partition is None:
            raise ValueError(f"table {table} is partitioned by {spec.partition}: give a partition")
        return f"{base}/{spec.partition}={_partition_text(partition)}"

    def current_object(self, table: str, partition: date | str | None = None) -> str | None:
        """The data object the partition's pointer names; None when it was never written."""
        folder = self.folder(table, partition)
        try:
            with self.filesystem.open_input_stream(f"{folder}/{POINTER}") as stream:
                pointer = json.loads(stream.read())
        except FileNotFoundError:
            return None
        return f"{folder}/{pointer['file']}"

    def partitions(self, table: str) -> list[str]:
        """Partition values that have a pointer, sorted: one listing of the table's folder."""
        spec = _spec(table)
        if spec.partition is None:
            return []
        base = f"{self.config.root}/{spec.name}/"
        selector = pafs.FileSelector(base, recursive=True, allow_not_found=True)
        prefix = f"{spec.partition}="
        values = []
        for info in self.filesystem.get_file_info(selector):
            folder, _, name = info.path.removeprefix(base).partition("/")
            if name == POINTER and folder.startswith(prefix):
                values.append(folder.removeprefix(prefix))
        return sorted(values)

    def read(self, table: str, partition: date | str | None = None) -> pa.Table:
        current = self._read_current(table, partition, columns=None)
        return _spec(table).schema.empty_table() if current is None else current

    def partition_rows(
        self, table: str, partition: date | str, columns: Sequence[str]
    ) -> list[dict[str, Any]] | None:
        current = self._read_current(table, partition, columns=list(columns))
        return None if current is None else current.to_pylist()

    def approval_instance_days(self, instance_id: str) -> set[tuple[date, str]]:
        found: set[tuple[date, str]] = set()
        for table in INSTANCE_TABLES:
            dataset = self.dataset(table)
            if dataset is None:
                continue
            rows = dataset.to_table(
                columns=["work_date", "userid"], filter=pc.field(INSTANCE_COLUMN) == instance_id
            )
            pairs = zip(rows["work_date"].to_pylist(), rows["userid"].to_pylist(), strict=True)
            found.update((day, userid) for day, userid in pairs if day and userid)
        return found

    def dataset(self, table: str) -> ds.Dataset | None:
        """The table's current objects as one dataset (hive column included); None if empty."""
        spec = _spec(table)
        files = self.current_objects(spec.name)
        if not files:
            return None
        if spec.partition is None:
            return ds.dataset(files, filesystem=self.filesystem, schema=spec.schema)
        # The partition column is in the path and, for objects written since, in the file too.
        column = pa.field(spec.partition, _hive_type(spec))
        return ds.dataset(
            files,
            filesystem=self.filesystem,
            schema=spec.file_schema,
            partitioning=ds.partitioning(pa.schema([column]), flavor="hive"),
            partition_base_dir=f"{self.config.root}/{spec.name}",
        )

    def attach_views(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Views named after the tables in `connection`, over the current objects.

        DuckDB reads s3:// itself only with its httpfs extension, which it downloads on first
        use; here pyarrow reads the objects and DuckDB scans the registered datasets.
        """
        for spec in TABLES.values():
            source = self.dataset(spec.name)
            hidden = f"_objects_{spec.name}"
            connection.register(hidden, source if source is not None else _empty(spec))
            columns = _view_columns(spec)
            # DDL takes no bound parameters: every name comes from TABLES.
            connection.execute(
                f"CREATE OR REPLACE TEMP VIEW {spec.name} AS SELECT {columns} FROM {hidden}"  # noqa: S608
            )

    def _read_current(
        self, table: str, partition: date | str | None, columns: list[str] | None
    ) -> pa.Table | None:
        for _ in range(READ_ATTEMPTS):
            key = self.current_object(table, partition)
            if key is None:
                return None
            try:
                if columns is not None:
                    return pq.read_table(key, filesystem=self.filesystem, columns=columns)
                return pq.read_table(key, filesystem=self.filesystem, schema=_spec(table).schema)
            except FileNotFoundError:
                continue  # superseded and cleaned up meanwhile: the pointer names a newer one
        raise FileNotFoundError(f"{table} {partition}: the pointer kept moving; try again")

    def _publish(self, table: str, partition: date | str | None, data: pa.Table) -> None:
        folder = self.folder(table, partition)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        name = f"{DATA_PREFIX}{stamp}-{uuid.uuid4().hex}.parquet"
        rows = self._with_partition(_spec(table), data, partition)  # the partition column inside
        pq.write_table(rows, f"{folder}/{name}", filesystem=self.filesystem, compression="zstd")
        previous = self.current_object(table, partition)
        pointer = json.dumps({"file": name, "rows": data.num_rows}).encode()
        with self.filesystem.open_output_stream(
            f"{folder}/{POINTER}", metadata={"Content-Type": "application/json"}
        ) as stream:
            stream.write(pointer)
        keep = {name} if previous is None else {name, previous.rsplit("/", 1)[1]}
        self._collect(folder, keep)

    def _collect(self, folder: str, keep: set[str]) -> None:
        """Delete the folder's data objects not in `keep` and older than the grace period."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.orphan_grace_seconds)
        try:
            for info in self._data_objects(folder):
                if info.base_name not in keep and info.mtime is not None and info.mtime < cutoff:
                    self.filesystem.delete_file(info.path)
        except OSError as error:
            # The switch is done; leftovers only cost storage and go at the next write.
            log.warning("could not clean up superseded objects in %s: %s", folder, error)

    def _data_objects(self, folder: str) -> Iterator[pafs.FileInfo]:
        selector = pafs.FileSelector(folder, recursive=False, allow_not_found=True)
        for info in self.filesystem.get_file_info(selector):
            if info.type == pafs.FileType.File and info.base_name.startswith(DATA_PREFIX):
                yield info

    def current_objects(self, table: str) -> list[str]:
        """The keys of the objects the table's pointers name now, one per partition."""
        spec = _spec(table)
        if spec.partition is None:
            key = self.current_object(spec.name)
            return [] if key is None else [key]
        values = self.partitions(spec.name)
        # One small GET per partition: in parallel, since a year of days is hundreds of them.
        with ThreadPoolExecutor(max_workers=POINTER_READERS) as pool:
            keys = pool.map(functools.partial(self.current_object, spec.name), values)
            return [key for key in keys if key is not None]


def _hive_type(spec: TableSpec) -> pa.DataType:
    return pa.date32() if spec.partition == "work_date" else pa.string()


def _view_columns(spec: TableSpec) -> str:
    if spec.partition is None:
        return "*"
    if spec.partition == "month":  # month_start from month: objects written before lack it
        return (
            "month, CAST(month || '-01' AS DATE) AS month_start, "
            "COLUMNS(lambda c: c NOT IN ('month', 'month_start'))"
        )
    return f"{spec.partition}, * EXCLUDE ({spec.partition})"


def _empty(spec: TableSpec) -> pa.Table:
    return spec.file_schema.empty_table()
