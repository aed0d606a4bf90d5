"""The org's event timeline: every Stream event the org produces, at the moment it happens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from pipelines.emulator.approvals import KINDS
from pipelines.emulator.calendar import epoch_ms, fmt_day
from pipelines.emulator.model import Approval, CheckPoint, Employee, Punch, ScheduledEvent


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


def _summary(userid: str, day: date, at: datetime) -> ScheduledEvent:
    data = {"workDate": day.isoformat(), "userId": userid}
    key = f"summary:{userid}:{day.isoformat()}:{epoch_ms(at)}"
    return ScheduledEvent(at, "attend_user_daily_summary_refresh", data, key)


def _late_changes(points: list[CheckPoint]) -> Iterable[ScheduledEvent]:
    """Statistics refreshes for days that change after they settled (late approvals, edits)."""
    for point in points:
        changes = []
        for approval in (point.cover, point.supply):
            if approval is not None:
                changes += [approval.finished_at, approval.revoked_at]
        for at in changes:
            if at is not None and at > point.settle_at and point.check_type == "OnDuty":
                yield _summary(point.userid, point.work_date, at)
        if point.boss is not None:
            data = {
                "workDate": fmt_day(point.work_date),
                "action": "attend_bossCheck_update",
                "planId": point.plan_id,
                "userId": point.userid,
            }
            yield ScheduledEvent(
                point.boss.at, "attend_bossCheck_change", data, f"boss:{point.plan_id}"
            )
            yield _summary(point.userid, point.work_date, point.boss.at)


def build_timeline(
    corp_id: str,
    employees: dict[str, Employee],
    points: list[CheckPoint],
    punches: list[Punch],
    approvals: list[Approval],
) -> list[ScheduledEvent]:
    """All events of the org, sorted by time (ties broken by their stable key)."""
    events = [punch_event(corp_id, punch) for punch in punches if punch.emits_event]
    for approval in approvals:
        events.extend(_approval_events(corp_id, approval, employees[approval.userid].name))
    settled = {(p.userid, p.work_date): p.settle_at for p in points}
    events.extend(_summary(user, day, at) for (user, day), at in settled.items())
    events.extend(_late_changes(points))
    unique = {event.key: event for event in events}
    return sorted(unique.values(), key=lambda event: (event.at, event.key))
