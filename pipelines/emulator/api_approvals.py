"""New API: approvals synced to attendance for several users (ListApproveByUsers, reference 11.1).

`POST /v1.0/attendance/approvals/query` with `userIds` ("u1,u2"), `bizTypes`, `fromDateTime` and
`toDateTime` (epoch ms) answers the leave, overtime, trip and out approvals in effect that
overlap the window: begin, end, biz type, unit, tag and sub type, but no duration and no
process instance id [C3 SDK `attendance_1_0`]. Its limits are undocumented: `Assumptions`.
"""

from __future__ import annotations

from pipelines.emulator import params as p
from pipelines.emulator.approvals import KINDS
from pipelines.emulator.calendar import fmt
from pipelines.emulator.routes import Call, route

APPROVALS_PATH = "/v1.0/attendance/approvals/query"


def _item(approval) -> dict:
    kind = KINDS[approval.kind]
    sub_type = approval.leave.leave_name if approval.kind == "leave" else kind.tag_name
    return {
        "approveId": str(approval.approve_id),
        "beginTime": fmt(approval.begin),
        "bizType": kind.biz_type,
        "calculateModel": 0,
        "durationUnit": approval.unit,
        "endTime": fmt(approval.end),
        "subType": sub_type,
        "tagName": kind.tag_name,
        "userId": approval.userid,
    }


@route("new", APPROVALS_PATH, method="POST")
def list_approve_by_users(call: Call) -> dict:
    body = call.request.body_params()
    assumptions = call.state.config.assumptions
    users = p.str_list(p.need(body, "userIds"), "userIds")
    p.check_batch(users, assumptions.approvals_query_max_users, "userIds")
    begin, end = p.to_ms_time(body, "fromDateTime"), p.to_ms_time(body, "toDateTime")
    p.check(end >= begin, "fromDateTime/toDateTime: 结束时间不能早于开始时间")
    span = assumptions.approvals_query_max_days
    p.check((end - begin).days <= span, f"fromDateTime/toDateTime: 时间跨度不能超过{span}天")
    wanted = {int(b) for b in body.get("bizTypes") or []}
    found = [
        _item(a)
        for user in users
        for a in call.org.approvals_by_user.get(user, [])
        if a.kind != "supply"
        and a.in_effect(call.now)
        and a.begin <= end
        and a.end >= begin
        and (not wanted or KINDS[a.kind].biz_type in wanted)
    ]
    return {"result": found}
