"""New API: approval instance detail; both failed-push list endpoints (read the gateway)."""

from __future__ import annotations

from datetime import UTC, datetime

from pipelines.emulator import params as p
from pipelines.emulator.approvals import KINDS
from pipelines.emulator.forms import form_values
from pipelines.emulator.http import ApiError
from pipelines.emulator.routes import Call, ok, route


def _iso(moment: datetime) -> str:
    # DingTalk writes minute-precision "2022-08-31T11:52Z"; we write UTC, as the Z says.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _status(approval, now: datetime) -> tuple[str, str]:
    if approval.revoked_at is not None and approval.revoked_at <= now:
        return "TERMINATED", "agree"
    if approval.finished_at <= now:
        return "COMPLETED", "agree"
    return "RUNNING", ""


def _records(approval, admin: str, status: str) -> list[dict]:
    """operationRecords: the start, then the approver's decision once there is one."""
    records = [
        {
            "userId": approval.userid,
            "date": _iso(approval.created_at),
            "type": "START_PROCESS_INSTANCE",
            "result": "NONE",
            "showName": "发起审批",
        }
    ]
    if status != "RUNNING":
        records.append(
            {
                "userId": admin,
                "date": _iso(approval.finished_at),
                "type": "EXECUTE_TASK_NORMAL",
                "result": "AGREE",
                "remark": "同意",
                "showName": "审批人",
                "activityId": "approver-1",
            }
        )
    return records


@route("new", "/v1.0/workflow/processInstances", method="GET")
def process_instance(call: Call) -> dict:
    instance_id = call.request.query.get("processInstanceId")
    if not instance_id:
        raise ApiError(
            0, "processInstanceId is mandatory for this action.", code="MissingprocessInstanceId"
        )
    approval = call.org.approvals_by_id.get(instance_id)
    if approval is None or approval.created_at > call.now:
        raise ApiError(0, "审批实例不存在", code="processInstanceNotExist")
    employee = call.org.by_userid[approval.userid]
    admin = call.org.admin_userid
    status, result = _status(approval, call.now)
    records = _records(approval, admin, status)
    body = {
        "title": f"{employee.name}提交的{KINDS[approval.kind].tag_name}申请",
        "createTime": _iso(approval.created_at),
        "originatorUserId": approval.userid,
        "originatorDeptId": str(employee.dept_id),
        "originatorDeptName": next(
            d.name for d in call.org.departments if d.dept_id == employee.dept_id
        ),
        "status": status,
        "approverUserIds": [admin],
        "ccUserIds": [],
        "result": result,
        "businessId": str(approval.approve_id),
        "operationRecords": records,
        "tasks": [],
        "bizAction": "NONE",
        "attachedProcessInstanceIds": [],
        "mainProcessInstanceId": approval.proc_inst_id,
        "formComponentValues": form_values(approval, call.org.corp_id),
    }
    if status != "RUNNING":
        ended = approval.revoked_at if status == "TERMINATED" else approval.finished_at
        assert ended is not None  # TERMINATED means revoked
        body["finishTime"] = _iso(ended)
    return {"result": body, "success": "true"}


@route("old", "/call_back/get_call_back_failed_result", method="GET")
def failed_result_old(call: Call) -> dict:
    gateway = call.state.gateway
    entries, has_more = gateway.drain_failed(200) if gateway is not None else ([], False)
    return ok(has_more=has_more, failed_list=entries)


@route("new", "/v1.0/event/callbacks/failedResults", method="GET")
def failed_result_new(call: Call) -> dict:
    begin = p.to_int(dict(call.request.query), "beginTime", 0)
    end = p.to_int(dict(call.request.query), "endTime", 2**62)
    if end < begin:
        raise ApiError(0, "endTime must not be before beginTime", code="invalidParameter")
    gateway = call.state.gateway
    if gateway is None:
        return {"failedList": [], "hasMore": False}
    entries, has_more = gateway.drain_failed_between(begin, end, 200)
    return {"failedList": entries, "hasMore": has_more}
