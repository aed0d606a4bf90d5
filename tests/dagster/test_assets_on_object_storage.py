"""With ATTENDANCE_WAREHOUSE_URI set, the same Dagster runs write every partition to object
storage (moto's S3 server on loopback), nothing under the data dir's parquet folder, and the
tables read back equal those of a run on the local store."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import dagster as dg
import pyarrow.fs as pafs
import pytest

from pipelines.definitions import CATALOGUE_ASSETS
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.object_store import ObjectParquetStore, ObjectStoreConfig
from pipelines.warehouse.views import scratch_connection
from tests.dagster.conftest import materialize_range, resources_for
from tests.services import s3_server

pytestmark = pytest.mark.integration
UNPARTITIONED = CATALOGUE_ASSETS
TABLES = ("attendance_results", "attendance_daily", "employees")


def _load(emulator: EmulatorServer, data_dir) -> None:
    resources = resources_for(emulator, data_dir)
    first = emulator.config.start
    last = first + timedelta(days=emulator.config.days - 1)
    assert dg.materialize(UNPARTITIONED, resources=resources).success
    assert materialize_range(resources, first, last).success


def _rows(store: ParquetStore, table: str) -> list[tuple]:
    connection = scratch_connection(store)
    # pulled_at differs between two runs; every other column must agree.
    columns = [row[0] for row in connection.execute(f"DESCRIBE {table}").fetchall()]  # noqa: S608
    kept = ", ".join(name for name in columns if name != "pulled_at")
    return connection.execute(f"SELECT {kept} FROM {table} ORDER BY ALL").fetchall()  # noqa: S608


def test_assets_write_to_object_storage_when_the_uri_is_set(tmp_path, monkeypatch):
    with (
        s3_server() as endpoint,
        EmulatorServer(EmulatorConfig(employees=8, days=3, start=date(2026, 11, 2))) as emulator,
    ):
        bucket = f"wh-{secrets.token_hex(4)}"
        pafs.S3FileSystem(
            access_key="test",
            secret_key="test",
            region="us-east-1",
            endpoint_override=endpoint.removeprefix("http://"),
            scheme="http",
            allow_bucket_creation=True,
        ).create_dir(bucket)
        config = ObjectStoreConfig(f"s3://{bucket}/wh", endpoint, "us-east-1", "test", "test")
        variables = {
            "ATTENDANCE_WAREHOUSE_URI": config.uri,
            "ATTENDANCE_S3_ENDPOINT_URL": endpoint,
            "ATTENDANCE_S3_REGION": "us-east-1",
            "ATTENDANCE_S3_ACCESS_KEY_ID": "test",
            "ATTENDANCE_S3_SECRET_ACCESS_KEY": "test",
        }
        with monkeypatch.context() as scoped:
            for name, value in variables.items():
                scoped.setenv(name, value)
            _load(emulator, tmp_path / "remote")
        _load(emulator, tmp_path / "local")
        remote = ObjectParquetStore(config, tmp_path / "remote")
        local = ParquetStore(tmp_path / "local")
        assert not (tmp_path / "remote" / "parquet").exists()
        assert remote.partitions("attendance_daily") == ["2026-11-02", "2026-11-03", "2026-11-04"]
        for table in TABLES:
            assert _rows(remote, table) == _rows(local, table) != []
