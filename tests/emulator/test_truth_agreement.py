"""The ground truth and the API answers agree for every employee-day of a 30 x 14 org."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipelines.days import SHANGHAI as TZ
from pipelines.emulator.calendar import epoch_ms, fmt, midnight

UNLIMITED = {"qps_per_api": 1e9, "monthly_quota": 10**9, "ip_limit_calls": 0}
# The window's end (everything settled) and the middle of a working day (some rows pending).
MOMENTS = [None, datetime(2026, 11, 11, 12, 30, tzinfo=TZ)]


@pytest.fixture(params=MOMENTS, ids=["end-of-window", "mid-day"])
def emu_and_truth(request, emu_factory):
    emu = emu_factory(employees=30, days=14, clock_start=request.param, **UNLIMITED)
    truth = emu.control("GET", "truth").json()
    assert len(truth["employee_days"]) == 30 * 14
    return emu, truth


def _by_day(truth):
    return {(d["userid"], d["work_date"]): d for d in truth["employee_days"]}


def _weeks(truth):
    dates = sorted({d["work_date"] for d in truth["employee_days"]})
    return [dates[i : i + 7] for i in range(0, len(dates), 7)]


def test_attendance_list_matches_truth_check_points(emu_and_truth):
    emu, truth = emu_and_truth
    users = [e.userid for e in emu.state.org.employees]
    rows = []
    for week in _weeks(truth):
        offset, more = 0, True
        while more:
            answer = emu.oapi(
                "/attendance/list",
                {
                    "workDateFrom": f"{week[0]} 00:00:00",
                    "workDateTo": f"{week[-1]} 00:00:00",
                    "userIdList": users,
                    "offset": offset,
                    "limit": 50,
                },
            )
            rows += answer["recordresult"]
            more, offset = answer["hasMore"], offset + 50
    got = {
        (r["planId"], r["timeResult"], r["sourceType"], r["userCheckTime"], r.get("procInstId"))
        for r in rows
    }
    expected = {
        (
            c["plan_id"],
            c["time_result"],
            c["source_type"],
            epoch_ms(
                datetime.strptime(c["user_check_time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=TZ)
            ),
            c["proc_inst_id"],
        )
        for d in truth["employee_days"]
        for c in d["check_points"]
        if c["time_result"]
    }
    assert got == expected and len(rows) == len(expected)


def test_getupdatedata_matches_truth_for_every_employee_day(emu_and_truth):
    emu, truth = emu_and_truth
    for (userid, day), expected in _by_day(truth).items():
        result = emu.oapi("/topapi/attendance/getupdatedata", {"userid": userid, "work_date": day})[
            "result"
        ]
        rows = {
            (r["plan_id"], r["time_result"], r["source_type"], r["user_check_time"])
            for r in result["attendance_result_list"]
        }
        assert rows == {
            (c["plan_id"], c["time_result"], c["source_type"], c["user_check_time"])
            for c in expected["check_points"]
            if c["time_result"]
        }, (userid, day)
        assert [r["record_id"] for r in result["check_record_list"]] == [
            p["record_id"] for p in expected["punches"]
        ]
        assert {a["procInst_id"] for a in result["approve_list"]} == {
            a["proc_inst_id"] for a in expected["approvals"]
        }


def test_report_and_leave_values_match_truth(emu_and_truth):
    emu, truth = emu_and_truth
    columns = emu.oapi("/topapi/attendance/getattcolumns")["result"]["columns"]
    alias = {c["id"]: c["alias"] for c in columns}
    names = ",".join(lt.leave_name for lt in emu.state.org.leave_types if lt.in_report)
    days = _by_day(truth)
    first, last = truth["from"], truth["to"]
    for employee in emu.state.org.employees:
        values = emu.oapi(
            "/topapi/attendance/getcolumnval",
            {
                "userid": employee.userid,
                "column_id_list": ",".join(map(str, alias)),
                "from_date": f"{first} 00:00:00",
                "to_date": f"{last} 00:00:00",
            },
        )["result"]["column_vals"]
        for column in values:
            for cell in column["column_vals"]:
                day = days[(employee.userid, cell["date"][:10])]
                assert day["report"][alias[column["column_vo"]["id"]]] == cell["value"]
        leave = emu.oapi(
            "/topapi/attendance/getleavetimebynames",
            {
                "userid": employee.userid,
                "leave_names": names,
                "from_date": f"{first} 00:00:00",
                "to_date": f"{last} 00:00:00",
            },
        )["result"]["columns"]
        for column in leave:
            for cell in column["columnvals"]:
                day = days[(employee.userid, cell["date"][:10])]
                assert day["leave"][column["columnvo"]["name"]] == cell["value"]


def test_list_record_returns_exactly_the_truth_punches(emu_and_truth):
    emu, truth = emu_and_truth
    users = [e.userid for e in emu.state.org.employees]
    now = datetime.fromisoformat(truth["as_of"])
    ids = []
    for week in _weeks(truth):
        ids += [
            r["id"]
            for r in emu.oapi(
                "/attendance/listRecord",
                {
                    "checkDateFrom": f"{week[0]} 00:00:00",
                    "checkDateTo": f"{week[-1]} 23:59:59",
                    "userIds": users,
                },
            )["recordresult"]
        ]
    expected = [
        p["record_id"]
        for d in truth["employee_days"]
        for p in d["punches"]
        if p["user_check_time"] <= fmt(now)
    ]
    assert sorted(ids) == sorted(expected) and len(set(ids)) == len(ids)


def test_truth_moves_with_the_clock(emu_factory):
    emu = emu_factory(clock_start=midnight(datetime(2026, 11, 3).date()), **UNLIMITED)
    query = {"from": "2026-11-03", "to": "2026-11-03"}
    before = emu.control("GET", "truth", params=query).json()
    assert not any(d["punches"] for d in before["employee_days"])
    assert not any(d["settled"] for d in before["employee_days"] if d["scheduled"])
    moved = emu.control("POST", "clock", json={"to": "2026-11-04T12:00:00"}).json()
    assert moved["emitted"] > 0 and moved["now"].startswith("2026-11-04T12:00:00")
    after = emu.control("GET", "truth", params=query).json()
    assert any(d["punches"] for d in after["employee_days"])
    fixed = [d for d in after["employee_days"] if d["scheduled"] and d["group_id"] != 685935030]
    assert all(d["settled"] for d in fixed)
    back = emu.control("POST", "clock", json={"to": "2026-11-04T00:00:00"})
    assert back.status_code == 400
