"""The frugal results pull equals attendance/list, for a fraction of the metered calls."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta

import pytest

from pipelines.days import SHANGHAI
from pipelines.dingtalk import DingTalkClient
from pipelines.dingtalk.models import LeaveStatus, PunchRecord, UserSchedule
from pipelines.emulator.app import mock_transport
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.state import EmulatorState
from pipelines.extract.strategies.pull import pull_leaves, pull_results, pull_schedules
from pipelines.extract.strategies.reconstruct import reconstruct

DAY = date(2026, 11, 2)
# wip-emulator: 补卡 records in listRecord, their approve_id on schedules, duplicates marked.
EMULATOR_HAS_RECORDS = importlib.util.find_spec("pipelines.emulator.records") is not None
COMPARED = ("time_result", "source_type", "user_check_time", "record_id", "proc_inst_id")


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def plan(plan_id: int, hour: int, check_type: str = "OnDuty", **extra) -> UserSchedule:
    return UserSchedule(
        userid="u1", work_date=DAY, check_type=check_type, plan_check_time=at(hour),
        id=plan_id, shift_id=7, is_rest="N", **extra,
    )  # fmt: skip


def punch(plan_id: int, hour: int, minute: int, result: str = "Normal", **extra) -> PunchRecord:
    return PunchRecord(
        id=1000 + plan_id * 10 + minute, user_id="u1", user_check_time=at(hour, minute),
        plan_id=plan_id, time_result=result, source_type="USER", **extra,
    )  # fmt: skip


def test_a_matched_punch_gives_its_result_and_a_missing_one_waits_for_the_cut_off():
    points = [plan(1, 9), plan(2, 18, "OffDuty")]
    before = reconstruct(points, [punch(1, 9, 5, "Late")], [], at(19))
    assert [(r.plan_id, r.time_result) for r in before.results] == [(1, "Late")]
    after = reconstruct(points, [punch(1, 9, 5, "Late")], [], at(0, 1, DAY + timedelta(days=1)))
    assert [(r.plan_id, r.time_result, r.source_type) for r in after.results] == [
        (1, "Late", "USER"),
        (2, "NotSigned", "SYSTEM"),
    ]
    assert after.results[0].record_id == 1015 and not after.untrusted


def test_approvals_leaves_and_ambiguous_matches_are_left_to_attendance_list():
    leave = LeaveStatus(userid="u1", start_time=at(13), end_time=at(19))
    late_night = at(0, 1, DAY + timedelta(days=1))
    for points, punches, leaves in (
        ([plan(1, 9, approve_id=55)], [], []),
        ([plan(2, 18, "OffDuty")], [], [leave]),
        ([plan(1, 9)], [punch(1, 9, 1), punch(1, 9, 2)], []),
    ):
        built = reconstruct(points, punches, leaves, late_night)
        assert built.results == [] and built.untrusted == {("u1", DAY)}


def test_rest_days_have_no_rows():
    rest = UserSchedule(userid="u1", work_date=DAY, id=9, shift_id=0, is_rest="Y")
    assert reconstruct([rest], [], [], at(23)).results == []


def emulator_client(state: EmulatorState) -> DingTalkClient:
    return DingTalkClient(
        state.client_id, state.client_secret, "http://emu", "http://emu/oapi",
        qps_per_api=1e6, transport=mock_transport(state),
    )  # fmt: skip


def known_gaps(state: EmulatorState) -> set[tuple[str, int]]:
    """Points the reconstruction is documented not to see: admin corrections (BOSS, announced
    by attend_bossCheck_change) and, on an emulator without 补卡 records, make-up punches."""
    gaps = set()
    for points in state.org.points_by_date.values():
        for point in points:
            if point.boss is not None or (point.supply is not None and not EMULATOR_HAS_RECORDS):
                gaps.add((point.userid, point.plan_id))
    return gaps


@pytest.mark.parametrize(("employees", "days", "most_calls"), [(60, 12, 20), (200, 31, 75)])
def test_frugal_pull_equals_attendance_list_for_fewer_calls(employees, days, most_calls):
    state = EmulatorState(
        EmulatorConfig(employees=employees, start=DAY, days=days + 2, qps_per_api=1e6)
    )
    first, last = DAY, DAY + timedelta(days=days - 1)
    with emulator_client(state) as client:
        users = client.list_on_job_user_ids()
        with client.track_calls() as frugal:
            schedules = pull_schedules(client, state.org.admin_userid, users, first, last)
            leaves = pull_leaves(client, users, first, last)
            pulled = pull_results(client, users, first, last, state.now(), schedules, leaves)
        with client.track_calls() as plain:
            official = client.list_attendance_results(users, first, last)
    mine = {(r.user_id, r.plan_id): r for r in pulled.results}
    theirs = {(r.user_id, r.plan_id): r for r in official}
    assert mine.keys() == theirs.keys()
    differing = {
        k for k in theirs if any(getattr(mine[k], f) != getattr(theirs[k], f) for f in COMPARED)
    }
    assert differing <= known_gaps(state)
    spent = sum(frugal.metered.values())
    assert spent <= most_calls < sum(plain.metered.values())
