"""The Parquet store replaces partitions atomically, keeps the old version on a crash, and a
targeted user replacement touches only those users' rows."""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from pipelines.warehouse import ParquetStore
from pipelines.warehouse import store as store_module

DAY = date(2026, 11, 3)
SH = ZoneInfo("Asia/Shanghai")


def _result(userid: str, plan_id: int, time_result: str = "Normal") -> dict:
    return {
        "userid": userid,
        "check_type": "OnDuty",
        "plan_id": plan_id,
        "plan_check_time": datetime(2026, 11, 3, 9, tzinfo=SH),
        "time_result": time_result,
    }


def test_write_replaces_the_partition_at_the_hive_path(tmp_path):
    store = ParquetStore(tmp_path)
    store.write("attendance_results", [_result("u1", 1), _result("u2", 2)], DAY)
    store.write("attendance_results", [_result("u3", 3)], DAY)
    path = tmp_path / "parquet/attendance_results/work_date=2026-11-03/part-0.parquet"
    assert path.exists()
    assert store.read("attendance_results", DAY)["userid"].to_pylist() == ["u3"]
    # Also inside the file, typed, for readers of one file (Excel, Power BI, pyarrow).
    assert pq.read_table(path)["work_date"].to_pylist() == [DAY]
    assert "work_date" not in store.read("attendance_results", DAY).column_names


def test_a_crash_mid_write_leaves_the_previous_version(tmp_path, monkeypatch):
    store = ParquetStore(tmp_path)
    store.write("attendance_results", [_result("u1", 1)], DAY)

    def crash(table, where, **kwargs):
        with open(where, "wb") as handle:
            handle.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(store_module.pq, "write_table", crash)
    with pytest.raises(OSError, match="disk full"):
        store.write("attendance_results", [_result("u9", 9)], DAY)
    monkeypatch.undo()
    assert store.read("attendance_results", DAY)["userid"].to_pylist() == ["u1"]
    leftovers = list((tmp_path / "parquet/attendance_results/work_date=2026-11-03").iterdir())
    assert [p.name for p in leftovers] == ["part-0.parquet"]


def test_replace_users_keeps_other_users_rows(tmp_path):
    store = ParquetStore(tmp_path)
    store.write("attendance_results", [_result("u1", 1), _result("u2", 2, "Late")], DAY)
    store.replace_users("attendance_results", DAY, ["u2"], [_result("u2", 2, "Normal")])
    rows = store.read("attendance_results", DAY).to_pylist()
    assert [(r["userid"], r["time_result"]) for r in rows] == [("u1", "Normal"), ("u2", "Normal")]


def test_replace_users_with_no_new_rows_removes_theirs(tmp_path):
    store = ParquetStore(tmp_path)
    store.write("attendance_results", [_result("u1", 1), _result("u2", 2)], DAY)
    store.replace_users("attendance_results", DAY, ["u2"], [])
    assert store.read("attendance_results", DAY)["userid"].to_pylist() == ["u1"]


def test_concurrent_targeted_refreshes_of_one_day_lose_nothing(tmp_path):
    store = ParquetStore(tmp_path)
    users = [f"u{i}" for i in range(12)]
    store.write("attendance_results", [_result(u, i, "Late") for i, u in enumerate(users)], DAY)

    def refresh(index: int) -> None:
        store.replace_users(
            "attendance_results", DAY, [users[index]], [_result(users[index], index)]
        )

    threads = [threading.Thread(target=refresh, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = store.read("attendance_results", DAY).to_pylist()
    assert sorted(r["userid"] for r in rows) == sorted(users)
    assert {r["time_result"] for r in rows} == {"Normal"}


def test_bad_input_is_refused_with_a_clear_error(tmp_path):
    store = ParquetStore(tmp_path)
    with pytest.raises(ValueError, match="unknown warehouse table"):
        store.write("nope", [], DAY)
    with pytest.raises(ValueError, match="invalid partition value"):
        store.write("attendance_monthly", [], "../escape")
    with pytest.raises(ValueError, match="give a partition"):
        store.write("attendance_results", [])


def test_partition_rows_reads_columns_and_tells_a_missing_partition_apart(tmp_path):
    store = ParquetStore(tmp_path)
    assert store.partition_rows("attendance_results", DAY, ["userid"]) is None
    store.write("attendance_results", [], DAY)
    assert store.partition_rows("attendance_results", DAY, ["userid"]) == []
    store.write("attendance_results", [_result("u1", 1)], DAY)
    [row] = store.partition_rows("attendance_results", DAY, ["userid", "plan_id"])
    assert row == {"userid": "u1", "plan_id": 1}


def test_approval_instance_days_finds_every_daily_row_of_an_instance(tmp_path):
    store = ParquetStore(tmp_path)
    other = date(2026, 11, 9)
    store.write("attendance_approvals", [{"userid": "u1", "proc_inst_id": "p1"}], DAY)
    store.write("attendance_results", [{"userid": "u2", "proc_inst_id": "p1"}], other)
    store.write(
        "attendance_punches",
        [{"userid": "u3", "record_id": 1, "proc_inst_id": "p1"}, {"userid": "u4", "record_id": 2}],
        other,
    )
    store.write("attendance_approvals", [{"userid": "u5", "proc_inst_id": "p2"}], other)
    assert store.approval_instance_days("p1") == {(DAY, "u1"), (other, "u2"), (other, "u3")}
    assert store.approval_instance_days("nowhere") == set()
    assert set(store_module.INSTANCE_TABLES) == {
        "attendance_approvals",
        "attendance_results",
        "attendance_punches",
    }


def test_a_temporary_file_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    store = ParquetStore(tmp_path)
    target = store.file_path("attendance_results", "2026-11-03")
    target.parent.mkdir(parents=True)
    orphan = target.parent / f".{target.name}.deadbeef.tmp"
    orphan.write_bytes(b"half a parquet file")
    store.write("attendance_results", [], "2026-11-03")
    assert not orphan.exists() and target.exists()


def test_the_directory_is_fsynced_after_the_rename(tmp_path, monkeypatch):

    synced: list[str] = []
    monkeypatch.setattr(store_module, "_fsync_directory", lambda folder: synced.append(folder.name))
    ParquetStore(tmp_path).write("attendance_results", [], "2026-11-03")
    assert synced == ["work_date=2026-11-03"]
