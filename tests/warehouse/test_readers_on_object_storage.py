"""With ATTENDANCE_WAREHOUSE_URI set, `dingtalk-attendance report` and `sql` read the warehouse
on object storage (the view file the writers upload, attached over httpfs; moto's S3 server on
loopback) with no local warehouse at all, and answer what the same tables answer locally."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from pipelines.reports.data import ReportError, load_month
from pipelines.warehouse import ParquetStore, ensure_views
from pipelines.warehouse.marts import build_daily, write_monthly
from pipelines.warehouse.object_store import ObjectParquetStore, ObjectStoreConfig
from tests.services import s3_server
from tests.warehouse.test_views_and_marts import DAY, _seed

pytestmark = pytest.mark.integration

MONTH = "2026-11"
MONTHLY = "SELECT userid, month, late_count FROM attendance_monthly ORDER BY userid"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture
def config(endpoint) -> ObjectStoreConfig:
    bucket = f"rd-{secrets.token_hex(4)}"
    pafs.S3FileSystem(
        access_key="test",
        secret_key="test",
        region="us-east-1",
        endpoint_override=endpoint.removeprefix("http://"),
        scheme="http",
        allow_bucket_creation=True,
    ).create_dir(bucket)
    return ObjectStoreConfig(f"s3://{bucket}/wh", endpoint, "us-east-1", "test", "test")


def _load(store: ParquetStore) -> None:
    _seed(store)
    store.write("attendance_daily", build_daily(store, DAY), DAY)
    write_monthly(store, MONTH)
    ensure_views(store)  # on object storage: uploads warehouse.duckdb beside the tables


def _cli(config: ObjectStoreConfig, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ATTENDANCE_")}
    env = {
        **inherited,
        "ATTENDANCE_DATA_DIR": str(data_dir),
        "ATTENDANCE_WAREHOUSE_URI": config.uri,
        "ATTENDANCE_S3_ENDPOINT_URL": config.endpoint_url,
        "ATTENDANCE_S3_REGION": config.region,
        "ATTENDANCE_S3_ACCESS_KEY_ID": config.access_key_id,
        "ATTENDANCE_S3_SECRET_ACCESS_KEY": config.secret_access_key,
    }
    argv = [sys.executable, "-m", "pipelines", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)


def test_report_and_sql_read_the_warehouse_on_object_storage(config, tmp_path):
    local = ParquetStore(tmp_path / "local")
    _load(local)
    _load(ObjectParquetStore(config, tmp_path / "remote"))
    empty = tmp_path / "reader"  # this host has no warehouse of its own
    empty.mkdir()

    expected = load_month(local.data_dir, MONTH)
    assert load_month(empty, MONTH, objects=config) == expected
    assert expected.employees

    report = _cli(config, empty, "report", "--month", MONTH, "--json")
    assert report.returncode == 0, report.stderr
    written = json.loads(report.stdout)
    assert written["headcount"] == len(expected.employees)
    assert Path(written["path"]).is_file() and Path(written["path"]).is_relative_to(empty)

    answer = _cli(config, empty, "sql", "--json", MONTHLY)
    assert answer.returncode == 0, answer.stderr
    rows = [json.loads(line) for line in answer.stdout.splitlines()]
    local_answer = _cli(config, local.data_dir, "sql", "--data-dir", str(local.data_dir), MONTHLY)
    assert local_answer.returncode == 0, local_answer.stderr  # --data-dir reads the local one
    assert [(r["userid"], r["month"], r["late_count"]) for r in rows] == [
        tuple(row) for row in _local_rows(local)
    ]
    assert rows


def test_a_bucket_without_a_view_file_is_one_line(config, tmp_path):
    with pytest.raises(ReportError, match=r"cannot attach s3://.*/warehouse\.duckdb"):
        load_month(tmp_path, MONTH, objects=config)
    answer = _cli(config, tmp_path, "sql", "SELECT 1")
    assert answer.returncode == 1
    assert len(answer.stderr.strip().splitlines()) == 1
    assert "warehouse.duckdb" in answer.stderr


def _local_rows(local: ParquetStore) -> list[tuple]:
    from pipelines.warehouse.views import scratch_connection

    return scratch_connection(local).execute(MONTHLY).fetchall()
