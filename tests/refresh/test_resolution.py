"""Approval resolution fetches each instance once and finds revoked leave in the warehouse."""

from __future__ import annotations

import json
from datetime import date, datetime

from pipelines.dingtalk.errors import BadRequestError
from pipelines.refresh.actions import ResolveApproval
from pipelines.refresh.resolution import resolve_approvals, warehouse_written_days
from pipelines.stream.models import SHANGHAI
from pipelines.warehouse import ParquetStore

DAYS = [date(2026, 11, 2), date(2026, 11, 3)]


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).timestamp() * 1000)


def leave(userid: str = "u1", days=DAYS) -> dict:
    ext = {"detailList": [{"workDate": _ms(day)} for day in days]}
    return {
        "originatorUserId": userid,
        "formComponentValues": [{"componentType": "DDHolidayField", "extValue": json.dumps(ext)}],
    }


class Instances:
    """Approval details by id, counting fetches like the quota ledger would."""

    def __init__(self, **instances: dict):
        self.instances = instances
        self.fetches: list[str] = []

    def __call__(self, instance_id: str) -> dict:
        self.fetches.append(instance_id)
        if instance_id not in self.instances:
            raise BadRequestError("审批实例不存在", errcode="processInstanceNotExist")
        return self.instances[instance_id]


def nothing_written(_instance_id: str) -> set:
    return set()


def test_each_instance_is_fetched_once_whatever_the_number_of_events():
    fetch = Instances(p1=leave())
    changes = [
        ResolveApproval("p1", "LEAVE", "finish"),
        ResolveApproval("p1", "attendance.leave", "finish"),
        ResolveApproval("p1", "LEAVE", "terminate"),
    ]
    resolution = resolve_approvals(changes, fetch, nothing_written)
    assert fetch.fetches == ["p1"]
    assert [(r.work_date, r.users) for r in resolution.requests] == [
        (DAYS[0], frozenset({"u1"})),
        (DAYS[1], frozenset({"u1"})),
    ]
    assert "p1 finish/terminate" in resolution.requests[0].reason


def test_a_revoked_leave_also_refreshes_the_days_the_warehouse_wrote_it_on(tmp_path):
    store = ParquetStore(tmp_path)
    store.write(
        "attendance_approvals",
        [{"work_date": date(2026, 11, 9), "userid": "u1", "proc_inst_id": "p1"}],
        date(2026, 11, 9),
    )
    fetch = Instances(p1=leave(days=[DAYS[0]]))
    change = [ResolveApproval("p1", "LEAVE", "terminate")]
    resolution = resolve_approvals(change, fetch, warehouse_written_days(store))
    assert [r.work_date for r in resolution.requests] == [DAYS[0], date(2026, 11, 9)]


def test_a_deleted_instance_is_found_through_the_warehouse_only(tmp_path):
    store = ParquetStore(tmp_path)
    store.write(
        "attendance_results",
        [{"work_date": DAYS[1], "userid": "u7", "proc_inst_id": "gone"}],
        DAYS[1],
    )
    resolution = resolve_approvals(
        [ResolveApproval("gone", "LEAVE", "delete")], Instances(), warehouse_written_days(store)
    )
    assert resolution.missing == ["gone"] and resolution.fetched == 0
    [request] = resolution.requests
    assert (request.work_date, request.users) == (DAYS[1], frozenset({"u7"}))


def test_an_instance_with_no_day_anywhere_is_reported_not_guessed():
    resolution = resolve_approvals(
        [ResolveApproval("p9", "LEAVE", "finish")], Instances(p9={}), nothing_written
    )
    assert resolution.requests == [] and resolution.unresolved == ["p9"]


def test_an_unknown_originator_refreshes_the_whole_day():
    instance = leave()
    del instance["originatorUserId"]
    resolution = resolve_approvals(
        [ResolveApproval("p1", "LEAVE", "finish")], Instances(p1=instance), nothing_written
    )
    assert {r.users for r in resolution.requests} == {None}
