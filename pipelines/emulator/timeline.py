"""The org's event timeline: every Stream event the org produces, at the moment it happens."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from pipelines.emulator.approvals import KINDS, Plan
from pipelines.emulator.calendar import epoch_ms, fmt_day
from pipelines.emulator.model import Approval, Employee, PointKey, Punch, ScheduledEvent, Slot
from pipelines.emulator.schedule import plan_id


def punch_event(corp_id: str, punch: Punch) -> ScheduledEvent:
    item = {
        "address": punch.address,
        "corpId": corp_id,
        "checkTime": epoch_ms(punch.at),
        "locationResult": punch.location_result,
        "groupId": str(punch.group_id),  # a string in events, a number in the pull APIs
        "latitude": punch.latitude,
        "bizId": punch.biz_id,
        "locationMethod": punch.location_method,
        "userId": punch.userid,
        "checkByUser": True,
        "longitude": punch.longitude,
    }
    if punch.device_sn:
        item["deviceSN"] = punch.device_sn
    data = {"dataList": [item]}
    return ScheduledEvent(punch.at, "attendance_check_record", data, f"punch:{punch.record_id}")


def _approval_events(corp_id: str, approval: Approval, name: str) -> Iterable[ScheduledEvent]:
    kind = KINDS[approval.kind]
    moments = [("start", approval.created_at), ("finish", approval.finished_at)]
    if approval.revoked_at is not None:
        moments.append(("terminate", approval.revoked_at))
    for status, at in moments:
        if kind.approve_type is not None:
            data = {
                "approveType": kind.approve_type,
                "processInstanceId": approval.proc_inst_id,
                "mainProcessInstanceId": approval.proc_inst_id,
                "corpId": corp_id,
                "processCode": kind.process_code,
                "status": status,
            }
            key = f"approve:{approval.proc_inst_id}:{status}"
            yield ScheduledEvent(at, "attendance_approve_status_change", data, key)
        yield ScheduledEvent(
            at,
            "bpms_instance_change",
            bpms_payload(approval, kind, name, status, at),
            f"bpms:{approval.proc_inst_id}:{status}",
        )


def bpms_payload(approval: Approval, kind, name: str, status: str, at: datetime) -> dict:
    """`bpms_instance_change` data for one status change of an approval."""
    data = {
        "processInstanceId": approval.proc_inst_id,
        "createTime": epoch_ms(approval.created_at),
        "processCode": kind.process_code,
        "bizCategoryId": kind.biz_category_id,
        "businessId": str(approval.approve_id),
        "type": status,
        "title": f"{name}提交的{kind.tag_name}申请",
        "url": f"https://aflow.dingtalk.com/dingtalk/mobile/homepage.htm?procInstId={approval.proc_inst_id}",
        "staffId": approval.userid,
    }
    if status == "finish":
        data["result"] = "agree"
    if status != "start":
        data["finishTime"] = epoch_ms(at)
    return data


def summary_event(userid: str, day: date, at: datetime) -> ScheduledEvent:
    """`attend_user_daily_summary_refresh`: the user-day's statistics changed at `at`."""
    data = {"workDate": day.isoformat(), "userId": userid}
    key = f"summary:{userid}:{day.isoformat()}:{epoch_ms(at)}"
    return ScheduledEvent(at, "attend_user_daily_summary_refresh", data, key)


def sparse_events(
    seed: int,
    corp_id: str,
    employees: dict[str, Employee],
    plan: Plan,
    slot_of: Callable[[PointKey], Slot],
) -> list[ScheduledEvent]:
    """The events not tied to a punch or a day settling: approvals changing status, statistics
    refreshed by late approvals and admin edits. Few (a handful per approval), so built whole."""
    events: list[ScheduledEvent] = []
    for approval in plan.approvals:
        events.extend(_approval_events(corp_id, approval, employees[approval.userid].name))
    events.extend(_late_changes(seed, plan, slot_of))
    return events


def _late_changes(
    seed: int, plan: Plan, slot_of: Callable[[PointKey], Slot]
) -> Iterable[ScheduledEvent]:
    """Statistics refreshes for days that change after they settled (late approvals, edits)."""
    for key in {*plan.covers, *plan.supply, *plan.boss}:  # any order: the timeline sorts
        userid, day, check_type = key
        slot = slot_of(key)
        changes = []
        for approval in (plan.covers.get(key), plan.supply.get(key)):
            if approval is not None:
                changes += [approval.finished_at, approval.revoked_at]
        for at in changes:
            if at is not None and at > slot.settle_at and check_type == "OnDuty":
                yield summary_event(userid, day, at)
        boss = plan.boss.get(key)
        if boss is not None:
            data = {
                "workDate": fmt_day(day),
                "action": "attend_bossCheck_update",
                "planId": plan_id(seed, userid, day, check_type),
                "userId": userid,
            }
            yield ScheduledEvent(boss.at, "attend_bossCheck_change", data, f"boss:{data['planId']}")
            yield summary_event(userid, day, boss.at)


def sort_events(events: Iterable[ScheduledEvent]) -> list[ScheduledEvent]:
    """Events in time order (ties broken by their stable key), each key once."""
    unique = {event.key: event for event in events}
    return sorted(unique.values(), key=lambda event: (event.at, event.key))
