"""The object-storage Parquet store, against an S3 server on loopback: partitions written and
read back, a reader never sees a half-written partition while a writer replaces it, superseded
objects are cleaned up, targeted user replacement, and the marts and views over it agree with
the local store."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import duckdb
import pyarrow.fs as pafs
import pytest

from pipelines.doctor import run_doctor
from pipelines.settings import ConfigError, load_settings
from pipelines.warehouse import ParquetStore, ensure_views, object_views
from pipelines.warehouse import object_store as object_store_module
from pipelines.warehouse.factory import open_store
from pipelines.warehouse.marts import build_daily, write_monthly
from pipelines.warehouse.object_store import POINTER, ObjectParquetStore, ObjectStoreConfig
from pipelines.warehouse.object_views import (
    HttpfsMissing,
    load_httpfs,
    s3_connection,
    view_file_url,
)
from pipelines.warehouse.views import scratch_connection
from tests.services import s3_server
from tests.warehouse.test_store import _result
from tests.warehouse.test_views_and_marts import DAY, _seed

pytestmark = pytest.mark.integration  # moto's S3 server runs as its own process

RESULTS = "attendance_results"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture
def config(endpoint) -> ObjectStoreConfig:
    """A fresh bucket per test, under a prefix (as a shared bucket would be used)."""
    bucket = f"wh-{secrets.token_hex(4)}"
    admin = pafs.S3FileSystem(
        access_key="test",
        secret_key="test",
        region="us-east-1",
        endpoint_override=endpoint.removeprefix("http://"),
        scheme="http",
        allow_bucket_creation=True,
    )
    admin.create_dir(bucket)
    return ObjectStoreConfig(
        uri=f"s3://{bucket}/attendance",
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test",
    )


@pytest.fixture
def store(config, tmp_path) -> ObjectParquetStore:
    return ObjectParquetStore(config, tmp_path)


def _objects(store: ObjectParquetStore, folder: str) -> list[str]:
    selector = pafs.FileSelector(folder, allow_not_found=True)
    return sorted(info.base_name for info in store.filesystem.get_file_info(selector))


def test_partitions_are_written_under_a_pointer_and_read_back(store):
    store.write(RESULTS, [_result("u1", 1), _result("u2", 2)], DAY)
    store.write(RESULTS, [_result("u3", 3)], date(2026, 11, 4))
    assert store.partitions(RESULTS) == ["2026-11-03", "2026-11-04"]
    assert store.read(RESULTS, DAY)["userid"].to_pylist() == ["u1", "u2"]
    assert store.partition_rows(RESULTS, DAY, ["userid", "plan_id"]) == [
        {"userid": "u1", "plan_id": 1},
        {"userid": "u2", "plan_id": 2},
    ]
    folder = store.folder(RESULTS, DAY)
    assert folder.endswith("/attendance/attendance_results/work_date=2026-11-03")
    names = _objects(store, folder)
    assert len(names) == 2 and names[0] == POINTER and names[1].startswith("part-")
    assert store.partition_rows(RESULTS, date(2026, 11, 5), ["userid"]) is None
    assert store.read(RESULTS, date(2026, 11, 5)).num_rows == 0
    store.write("employees", [{"userid": "u1", "name": "甲", "active": True}])
    assert store.read("employees")["name"].to_pylist() == ["甲"]


def test_a_reader_never_sees_a_half_written_partition(store):
    """Each version is 40 rows all carrying the version number; the reader checks every read
    is one whole version while the writer replaces the partition again and again."""
    versions = 15
    store.write(RESULTS, [_result(f"u{i:02d}", 0) for i in range(40)], DAY)
    done = threading.Event()
    seen: list[set[int]] = []
    failures: list[BaseException] = []

    def read_continuously() -> None:
        try:
            while not done.is_set():
                table = store.read(RESULTS, DAY)
                assert table.num_rows == 40
                seen.append(set(table["plan_id"].to_pylist()))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        for version in range(1, versions + 1):
            store.write(RESULTS, [_result(f"u{i:02d}", version) for i in range(40)], DAY)
    finally:
        done.set()
        reader.join()
    assert failures == []
    assert seen and all(len(plan_ids) == 1 for plan_ids in seen)
    assert store.read(RESULTS, DAY)["plan_id"].to_pylist() == [versions] * 40


def test_a_crash_before_the_switch_leaves_the_previous_version(store, monkeypatch):
    store.write(RESULTS, [_result("u1", 1)], DAY)
    real_write = object_store_module.pq.write_table

    def crash(table, where, **kwargs):
        real_write(table.slice(0, 0), where, **kwargs)  # an object no pointer names
        raise OSError("connection reset")

    monkeypatch.setattr(object_store_module.pq, "write_table", crash)
    with pytest.raises(OSError, match="connection reset"):
        store.write(RESULTS, [_result("u9", 9)], DAY)
    monkeypatch.undo()
    assert store.read(RESULTS, DAY)["userid"].to_pylist() == ["u1"]
    assert len(_objects(store, store.folder(RESULTS, DAY))) == 3  # pointer, current, orphan


def test_cleanup_keeps_the_current_and_previous_objects_and_young_orphans(config, tmp_path):
    patient = ObjectParquetStore(config, tmp_path)  # default grace: an hour
    for plan_id in range(3):
        patient.write(RESULTS, [_result("u1", plan_id)], DAY)
    folder = patient.folder(RESULTS, DAY)
    assert len(_objects(patient, folder)) == 4  # three young objects and the pointer
    eager = ObjectParquetStore(config, tmp_path, orphan_grace_seconds=0)
    eager.write(RESULTS, [_result("u1", 9)], DAY)
    names = _objects(eager, folder)
    with eager.filesystem.open_input_stream(f"{folder}/{POINTER}") as stream:
        current = json.loads(stream.read())["file"]
    assert len(names) == 3 and current in names  # pointer, current, previous
    assert eager.read(RESULTS, DAY)["plan_id"].to_pylist() == [9]


def test_replace_users_keeps_other_users_rows(store):
    store.write(RESULTS, [_result("u1", 1), _result("u2", 2, "Late")], DAY)
    assert store.replace_users(RESULTS, DAY, ["u1"], [_result("u1", 7, "Early")]) == 2
    rows = store.partition_rows(RESULTS, DAY, ["userid", "plan_id", "time_result"])
    assert rows == [
        {"userid": "u1", "plan_id": 7, "time_result": "Early"},
        {"userid": "u2", "plan_id": 2, "time_result": "Late"},
    ]


def test_marts_and_views_over_objects_equal_the_local_store(store, tmp_path):
    local = ParquetStore(tmp_path / "local")
    for each in (store, local):
        _seed(each)
        each.write("attendance_daily", build_daily(each, DAY), DAY)
        write_monthly(each, "2026-11")
    assert build_daily(store, DAY).equals(build_daily(local, DAY))
    query = "SELECT * FROM attendance_monthly ORDER BY userid"
    over_objects = scratch_connection(store).execute(query).fetchall()
    assert over_objects == scratch_connection(local).execute(query).fetchall()
    assert len(over_objects) == 3
    assert store.approval_instance_days("p-personal") == local.approval_instance_days("p-personal")
    assert store.approval_instance_days("p-personal") == {(DAY, "u3")}


def test_views_over_an_empty_bucket_are_typed_and_empty(store):
    connection = scratch_connection(store)
    assert connection.execute("SELECT count(*) FROM attendance_results").fetchone() == (0,)
    types = dict(row[:2] for row in connection.execute("DESCRIBE attendance_results").fetchall())
    assert types["work_date"] == "DATE"
    assert ensure_views(store) is True  # the view file is rebuilt on every call
    with _attached(store) as files:
        assert files.execute("SELECT count(*) FROM w.attendance_results").fetchone() == (0,)
        types = dict(row[:2] for row in files.execute("DESCRIBE w.attendance_results").fetchall())
    assert types["work_date"] == "DATE"


@contextmanager
def _attached(store: ObjectParquetStore) -> Iterator[duckdb.DuckDBPyConnection]:
    """DuckDB over s3:// (httpfs), with the uploaded view file attached as `w`."""
    connection = s3_connection(store)
    try:
        connection.execute(f"ATTACH '{view_file_url(store)}' AS w (READ_ONLY)")
        yield connection
    finally:
        connection.close()


def test_httpfs_views_over_objects_equal_the_pyarrow_views(store):
    _seed(store)
    store.write("attendance_daily", build_daily(store, DAY), DAY)
    ensure_views(store)
    over_pyarrow = scratch_connection(store)
    with _attached(store) as files:
        for table in ("attendance_results", "attendance_daily", "employees"):
            query = "SELECT * FROM {} ORDER BY ALL"
            expected = over_pyarrow.execute(query.format(table)).fetchall()
            assert files.execute(query.format(f"w.{table}")).fetchall() == expected
            assert expected, table


def test_httpfs_views_answer_min_max_of_the_partition_under_a_filter(store):
    # The report's freshness query over the view file: work_date must come through as a DATE.
    later = date(2026, 11, 20)
    store.write(RESULTS, [_result("u1", 1)], DAY)
    store.write(RESULTS, [_result("u2", 2)], later)
    store.write(RESULTS, [_result("u3", 3)], date(2026, 12, 1))
    ensure_views(store)
    query = (
        "SELECT min(work_date), max(work_date) FROM w.attendance_results"
        " WHERE strftime(work_date, '%Y-%m') = $month"
    )
    with _attached(store) as files:
        assert files.execute(query, {"month": "2026-11"}).fetchone() == (DAY, later)


def test_httpfs_views_read_the_pointers_objects_never_an_orphan(store, monkeypatch):
    store.write(RESULTS, [_result("u1", 1)], DAY)
    real_write = object_store_module.pq.write_table

    def crash(table, where, **kwargs):
        real_write(table, where, **kwargs)  # whole, but its pointer is never switched
        raise OSError("connection reset")

    monkeypatch.setattr(object_store_module.pq, "write_table", crash)
    with pytest.raises(OSError, match="connection reset"):
        store.write(RESULTS, [_result("u9", 9)], DAY)
    monkeypatch.undo()
    ensure_views(store)
    with _attached(store) as files:
        rows = files.execute("SELECT userid, plan_id FROM w.attendance_results").fetchall()
    assert rows == [("u1", 1)]  # a glob over the folder would also read u9's orphan
    store.write(RESULTS, [_result("u2", 2)], DAY)
    ensure_views(store)
    with _attached(store) as files:
        rows = files.execute("SELECT userid, plan_id FROM w.attendance_results").fetchall()
    assert rows == [("u2", 2)]


def test_httpfs_is_loaded_from_its_wheel_or_named_in_one_line(monkeypatch):
    connection = duckdb.connect()
    load_httpfs(connection)  # no network here: it comes from the installed package
    loaded = "SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'httpfs'"
    assert connection.execute(loaded).fetchone() == (True,)
    monkeypatch.setattr(object_views.importlib.util, "find_spec", lambda _name: None)
    with pytest.raises(HttpfsMissing, match=r"pip install duckdb-extension-httpfs==\d"):
        object_views.httpfs_path()


def test_the_uri_setting_chooses_the_store(config, tmp_path, monkeypatch):
    assert type(open_store(load_settings(attendance_data_dir=tmp_path))) is ParquetStore
    chosen = open_store(
        load_settings(
            attendance_data_dir=tmp_path,
            attendance_warehouse_uri=config.uri,
            attendance_s3_endpoint_url=config.endpoint_url,
            attendance_s3_region="us-east-1",
            attendance_s3_access_key_id="test",
            attendance_s3_secret_access_key="test",
        )
    )
    assert isinstance(chosen, ObjectParquetStore) and chosen.describe() == config.uri
    chosen.write(RESULTS, [_result("u1", 1)], DAY)
    assert ObjectParquetStore(config, tmp_path).partitions(RESULTS) == ["2026-11-03"]
    with pytest.raises(ConfigError, match="ATTENDANCE_WAREHOUSE_URI"):
        load_settings(attendance_warehouse_uri="/mnt/parquet")


def test_doctor_checks_the_object_store_in_one_line_each(config, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_S3_ENDPOINT_URL", config.endpoint_url)
    monkeypatch.setenv("ATTENDANCE_S3_REGION", "us-east-1")
    monkeypatch.setenv("ATTENDANCE_S3_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("ATTENDANCE_S3_SECRET_ACCESS_KEY", "test")

    def warehouse_lines(uri: str) -> list[str]:
        monkeypatch.setenv("ATTENDANCE_WAREHOUSE_URI", uri)
        report = run_doctor(offline=True)
        return [finding.line() for finding in report.findings if finding.check == "warehouse"]

    bucket = config.root.split("/")[0]
    assert warehouse_lines(config.uri) == [
        f"[ok  ] warehouse: object store reachable, bucket {bucket} exists.",
        f"[ok  ] warehouse: may write and delete objects under {config.uri}.",
    ]
    missing = warehouse_lines("s3://no-such-bucket-here/x")
    assert len(missing) == 1 and missing[0].startswith("[FIX ] warehouse: bucket no-such-bucket")


def test_objects_carry_their_typed_partition_column_and_compaction_is_refused(store):
    import pyarrow.parquet as pq

    from pipelines.warehouse.compaction import CannotCompact, compact

    store.write(RESULTS, [_result("u1", 1)], DAY)
    key = store.current_object(RESULTS, DAY)
    assert key is not None
    assert pq.read_table(key, filesystem=store.filesystem)["work_date"].to_pylist() == [DAY]
    assert "work_date" not in store.read(RESULTS, DAY).column_names
    with pytest.raises(CannotCompact, match="local warehouse only"):
        compact(store)
