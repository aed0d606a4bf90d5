"""The loaders spend the fewest metered calls: range pulls for many users and days, one call for
a targeted refresh of a few users; they file rows under the right work date and keep 应出勤天数
captured inside DingTalk's window (emulator API in process, no socket)."""

from __future__ import annotations

import gc
import math
import weakref
from datetime import date, timedelta

import pytest

from pipelines.days import DayRange
from pipelines.dingtalk.client import DingTalkClient
from pipelines.emulator.app import mock_transport
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.state import EmulatorState
from pipelines.extract import loaders, rows
from pipelines.extract.report_batches import keep_captured_should_attend
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.store import sort_by_key, to_arrow

RV = "attendance_report_values"


@pytest.fixture(scope="module")
def state():
    return EmulatorState(EmulatorConfig(employees=30, days=14))


@pytest.fixture
def client(state):
    config = state.config
    with DingTalkClient(
        config.client_id,
        config.secret,
        "http://emu",
        "http://emu/oapi",
        transport=mock_transport(state),
    ) as client:
        yield client


@pytest.fixture
def store(tmp_path, state):
    store = ParquetStore(tmp_path)
    store.write("employees", [{"userid": e.userid, "active": True} for e in state.org.employees])
    return store


def test_a_week_for_thirty_users_costs_a_handful_of_calls(client, store, state):
    week = DayRange(state.config.start, state.config.start + timedelta(days=6))
    with client.track_calls() as spent:
        counts = loaders.load_results(client, store, week, None)
    total = sum(counts.values())
    assert total > 100
    # One batch (<= 50 users), one window (<= 7 days): only the pages of 50 rows cost calls.
    assert spent.metered == {"/attendance/list": math.ceil(total / 50)}


def test_targeted_refresh_costs_one_call_and_keeps_other_users(client, store, state):
    day = DayRange(state.config.start, state.config.start)
    loaders.load_results(client, store, day, None)
    before = store.read("attendance_results", day.first).to_pylist()
    others = [row for row in before if row["userid"] not in ("user0002", "user0003")]
    store.replace_users("attendance_results", day.first, ["user0002", "user0003"], [])
    with client.track_calls() as spent:
        loaders.load_results(client, store, day, ["user0002", "user0003"])
    assert spent.metered_total == 1
    after = store.read("attendance_results", day.first).to_pylist()
    assert [r for r in after if r["userid"] not in ("user0002", "user0003")] == others
    # The re-pulled users' rows are the same data, stamped with the later pull.
    assert _without_pull_time(after) == _without_pull_time(before)
    assert max(r["pulled_at"] for r in after) > max(r["pulled_at"] for r in before)


def _without_pull_time(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "pulled_at"} for row in rows]


def test_punches_of_overnight_shifts_land_on_the_shift_day(client, store, state):
    days = DayRange(state.config.start, state.config.start + timedelta(days=6))
    loaders.load_punches(client, store, days, None)
    overnight = [
        (row["userid"], day)
        for day in days.days()
        for row in store.read("attendance_punches", day).to_pylist()
        if row["user_check_time"].date() > day
    ]
    assert overnight, "the emulator's shift group punches after midnight"


def test_punches_written_from_arrow_per_call_equal_the_range_of_models(client, store, state):
    # 14 days plus the next: three listRecord windows, overnight punches across their edges.
    days = DayRange(state.config.start, state.config.start + timedelta(days=13))
    with client.track_calls() as spent:
        loaders.load_punches(client, store, days, None)
    punches = client.list_punch_records(
        [e.userid for e in state.org.employees], days.first, days.last + timedelta(days=1)
    )
    expected = rows.punch_rows(punches)
    assert spent.metered == {"/attendance/listRecord": 3}
    for day in days.days():
        written = store.read("attendance_punches", day)
        assert (
            written.to_pylist() == to_arrow("attendance_punches", expected.get(day, [])).to_pylist()
        )


def test_each_calls_punch_models_are_released_before_the_next_call(
    client, store, state, monkeypatch
):
    calls = client.iter_punch_records
    alive_at_next_call: list[int] = []

    def watched(*args):
        previous: list[weakref.ref] = []
        for found in calls(*args):
            gc.collect()
            alive_at_next_call.append(sum(ref() is not None for ref in previous))
            previous = [weakref.ref(punch) for punch in found]
            yield found

    monkeypatch.setattr(client, "iter_punch_records", watched)
    days = DayRange(state.config.start, state.config.start + timedelta(days=13))
    loaders.load_punches(client, store, days, None)
    # Three calls; the loader keeps Arrow rows of each, never the models of an earlier one.
    assert alive_at_next_call == [0, 0, 0]


def test_a_loader_without_the_roster_says_what_to_do(client, tmp_path, state):
    day = DayRange(state.config.start, state.config.start)
    with pytest.raises(loaders.WarehouseStateError, match="materialize `employees` first"):
        loaders.load_results(client, ParquetStore(tmp_path), day, None)


def test_should_attend_captured_in_window_survives_a_late_zero():
    def row(userid, value, captured):
        return {
            "userid": userid,
            "source": "column",
            "column_alias": "should_attendance_days",
            "value": value,
            "value_num": float(value),
            "captured_on": captured,
        }

    previous = [row("u1", "1.0", date(2026, 11, 3)), row("u3", "1.0", date(2026, 11, 3))]
    other = {**row("u1", "0", date(2026, 12, 20)), "column_alias": None, "column_name": "x"}
    fresh = [row("u1", "0", date(2026, 12, 20)), row("u2", "0", date(2026, 12, 20)), other]
    kept = keep_captured_should_attend(to_arrow(RV, previous), to_arrow(RV, fresh))
    expected = to_arrow(RV, [previous[0], fresh[1], other])
    assert sort_by_key(RV, kept).to_pylist() == expected.to_pylist()


def test_a_non_admin_op_userid_gets_a_clear_error(client, store):
    with pytest.raises(loaders.WarehouseStateError, match="OA administrator"):
        loaders.load_report_columns(client, store, "user0005")
    assert store.read("report_columns").num_rows == 0  # nothing half-written


def test_every_employee_gets_a_department_name_including_the_root(client, tmp_path):
    store = ParquetStore(tmp_path / "roster")
    loaders.load_employees(client, store)
    employees = store.read("employees").to_pylist()
    assert employees and all(row["dept_name"] for row in employees)
    assert any(row["dept_id"] == 1 for row in employees)


def test_a_whole_day_refresh_keeps_the_rows_of_people_who_have_left(client, store, state):
    day = DayRange(state.config.start, state.config.start)
    former = {"userid": "former01", "check_type": "OnDuty", "plan_id": 1, "time_result": "Late"}
    store.write("attendance_results", [former], day.first)
    loaders.load_results(client, store, day, None)
    rows = store.read("attendance_results", day.first).to_pylist()
    assert [r for r in rows if r["userid"] == "former01"][0]["time_result"] == "Late"
    assert {r["userid"] for r in rows} > {"former01"}


def test_people_no_longer_listed_stay_in_the_roster_as_inactive(client, tmp_path):
    store = ParquetStore(tmp_path / "roster")
    store.write("employees", [{"userid": "former01", "name": "离职者", "active": True}])
    loaders.load_employees(client, store)
    rows = {row["userid"]: row for row in store.read("employees").to_pylist()}
    assert rows["former01"]["active"] is False and rows["former01"]["name"] == "离职者"
    assert "former01" not in loaders.roster(store)


def test_a_business_trip_on_a_rest_day_is_found_from_the_report_values(tmp_path):
    store = ParquetStore(tmp_path / "trip")
    day = date(2026, 11, 7)  # no check points that day: nothing links the trip in the results
    trip = {"userid": "u1", "source": "column", "column_name": "出差时长"}
    store.write(
        "attendance_report_values",
        [
            {**trip, "column_alias": "business_trip_duration", "value": "8.0", "value_num": 8.0},
            {"userid": "u2", "source": "column", "column_alias": "late_times", "value_num": 1.0},
        ],
        day,
    )
    assert loaders.approval_user_days(store, DayRange(day, day), None) == {("u1", day)}


def test_the_roster_comes_from_the_member_lists_not_one_user_get_each(tmp_path):
    state = EmulatorState(EmulatorConfig(employees=250, days=2))
    store = ParquetStore(tmp_path / "roster")
    config = state.config
    with DingTalkClient(
        config.client_id,
        config.secret,
        "http://emu",
        "http://emu/oapi",
        transport=mock_transport(state),
    ) as client:
        loaders.load_employees(client, store)
        departments = {d.dept_id: d.name for d in client.list_departments()}
        one_by_one = [
            loaders.employee_row(client.get_user(e.userid), departments)
            for e in state.org.employees
        ]
    calls = state.meter.calls
    members: dict[int, int] = {}
    for employee in state.org.employees:
        members[employee.dept_id] = members.get(employee.dept_id, 0) + 1
    pages = sum(max(1, math.ceil(members.get(d, 0) / 100)) for d in departments)
    assert calls["old:/topapi/v2/user/list"] == pages < len(state.org.employees) / 10
    assert calls["old:/topapi/v2/user/get"] == len(one_by_one)  # only the comparison above
    by_user = {row["userid"]: row for row in store.read("employees").to_pylist()}
    assert by_user == {row["userid"]: row for row in one_by_one}
