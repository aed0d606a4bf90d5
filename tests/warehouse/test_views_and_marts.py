"""DuckDB views exist before any data, follow new partitions, survive concurrent creators, and
the daily and monthly marts compute DingTalk's figures from hand-made partitions."""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime
from zoneinfo import ZoneInfo

import duckdb

from pipelines.warehouse import ParquetStore, ensure_views, warehouse_path
from pipelines.warehouse.marts import build_daily, write_monthly
from pipelines.warehouse.views import scratch_connection

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 3)


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 3, hour, minute, tzinfo=SH)


def _seed(store: ParquetStore) -> None:
    store.write(
        "employees",
        [
            {"userid": "u1", "name": "甲", "dept_id": 101, "dept_name": "研发", "active": True},
            {"userid": "u2", "name": "乙", "dept_id": 101, "dept_name": "研发", "active": True},
            {"userid": "u3", "name": "丙", "dept_id": 102, "dept_name": "销售", "active": True},
        ],
    )
    store.write(
        "report_columns",
        [
            {"kind": "leave_type", "name": "年假", "leave_view_unit": "day", "hours_in_per_day": 8},
            {"kind": "leave_type", "name": "事假", "leave_view_unit": "hour"},
        ],
    )
    late = {"plan_check_time": _at(9, 0), "user_check_time": _at(9, 17), "time_result": "Late"}
    store.write(
        "attendance_results",
        [
            {"userid": "u1", "check_type": "OnDuty", "plan_id": 1, **late},
            {
                "userid": "u1",
                "check_type": "OffDuty",
                "plan_id": 2,
                "time_result": "Normal",
                "plan_check_time": _at(18, 0),
                "user_check_time": _at(18, 5),
            },
            {
                "userid": "u2",
                "check_type": "OnDuty",
                "plan_id": 3,
                "time_result": "NotSigned",
                "plan_check_time": _at(9, 0),
            },
            {
                "userid": "u2",
                "check_type": "OffDuty",
                "plan_id": 4,
                "time_result": "NotSigned",
                "plan_check_time": _at(18, 0),
            },
        ],
        DAY,
    )

    def value(userid, source, name, alias, number):
        return {
            "userid": userid,
            "source": source,
            "column_name": name,
            "column_alias": alias,
            "value": None if number is None else str(number),
            "value_num": number,
            "captured_on": DAY,
        }

    store.write(
        "attendance_report_values",
        [
            value("u1", "column", "应出勤天数", "should_attendance_days", 1.0),
            value("u1", "column", "出勤天数", "attendance_days", 1.0),
            value("u2", "column", "应出勤天数", "should_attendance_days", 1.0),
            value("u2", "column", "旷工天数", "absenteeism_days", 1.0),
            value("u3", "column", "应出勤天数", "should_attendance_days", 1.0),
            value("u3", "leave", "年假", None, 0.5),
            value("u3", "leave", "事假", None, 4.0),
        ],
        DAY,
    )


def test_views_are_typed_and_empty_before_any_data(tmp_path):
    assert ensure_views(tmp_path) is True
    assert ensure_views(tmp_path) is False  # nothing changed: DuckDB not even opened
    with duckdb.connect(str(warehouse_path(tmp_path)), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM attendance_results").fetchone() == (0,)
        types = dict(
            connection.execute("DESCRIBE attendance_results").fetchall()[i][:2] for i in range(3)
        )
        assert types["work_date"] == "DATE"


def test_views_follow_new_partitions(tmp_path):
    store = ParquetStore(tmp_path)
    ensure_views(tmp_path)
    _seed(store)
    assert ensure_views(tmp_path) is True
    with duckdb.connect(str(warehouse_path(tmp_path)), read_only=True) as connection:
        rows = connection.execute(
            "SELECT work_date, count(*) FROM attendance_results GROUP BY 1"
        ).fetchall()
    assert rows == [(DAY, 4)]


def _create_views(path: str) -> None:
    ensure_views(path)


def test_concurrent_processes_creating_views_all_succeed(tmp_path):
    _seed(ParquetStore(tmp_path))
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        pool.map(_create_views, [str(tmp_path)] * 8)
    with duckdb.connect(str(warehouse_path(tmp_path)), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM attendance_results").fetchone() == (4,)


def test_daily_mart_takes_dingtalk_figures_and_falls_back_to_check_points(tmp_path):
    store = ParquetStore(tmp_path)
    _seed(store)
    daily = {row["userid"]: row for row in build_daily(store, DAY).to_pylist()}
    assert daily["u1"]["late_count"] == 1 and daily["u1"]["late_minutes"] == 17.0
    assert daily["u1"]["status"] == "late" and daily["u1"]["attended_days"] == 1.0
    assert daily["u2"]["absent"] and daily["u2"]["status"] == "absent"
    assert daily["u2"]["missing_count"] == 2
    assert daily["u3"]["leave_hours"] == 8.0  # half a day of 年假 (4 h) + 4 h of 事假
    assert dict(daily["u3"]["leave_hours_by_type"]) == {"年假": 4.0, "事假": 4.0}
    assert daily["u3"]["scheduled"] and daily["u3"]["check_points"] == 0


def test_monthly_mart_sums_the_days_per_employee_and_department(tmp_path):
    store = ParquetStore(tmp_path)
    _seed(store)
    store.write("attendance_daily", build_daily(store, DAY), DAY)
    store.write("attendance_daily", build_daily(store, date(2026, 11, 4)), date(2026, 11, 4))
    assert write_monthly(store, "2026-11")["attendance_monthly"] == 3
    connection = scratch_connection(tmp_path)
    by_dept = dict(
        connection.execute(
            "SELECT dept_id, late_minutes FROM attendance_monthly_department"
        ).fetchall()
    )
    assert by_dept == {101: 17.0, 102: 0.0}
    absent = connection.execute(
        "SELECT absent_days, should_attend_days FROM attendance_monthly WHERE userid = 'u2'"
    ).fetchone()
    assert absent == (1.0, 1.0)


def test_settled_follows_when_each_users_results_were_pulled(tmp_path):
    store = ParquetStore(tmp_path)
    store.write(
        "employees",
        [{"userid": u, "name": u, "dept_id": 1, "active": True} for u in ("early", "late", "rest")],
    )
    before_cutoff = datetime(2026, 11, 3, 20, 0, tzinfo=SH)  # pulled on the day itself
    after_cutoff = datetime(2026, 11, 4, 7, 0, tzinfo=SH)  # re-pulled after DingTalk settled
    point = {"check_type": "OnDuty", "time_result": "Normal", "plan_check_time": _at(9, 0)}
    store.write(
        "attendance_results",
        [
            {"userid": "early", "plan_id": 1, "pulled_at": before_cutoff, **point},
            {"userid": "late", "plan_id": 2, "pulled_at": after_cutoff, **point},
        ],
        DAY,
    )
    now = datetime(2026, 11, 4, 8, 0, tzinfo=SH)
    settled = {row["userid"]: row["settled"] for row in build_daily(store, DAY, now).to_pylist()}
    assert settled == {"early": False, "late": True, "rest": True}
    on_the_day = build_daily(store, DAY, before_cutoff).to_pylist()
    assert [row["settled"] for row in on_the_day if row["userid"] != "late"] == [False, False]
