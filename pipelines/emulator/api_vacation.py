"""Leave balances: `topapi/attendance/vacation/quota/list` (查询假期余额).

Source: https://open.dingtalk.com/document/development/query-holiday-balance, permission
`qyapi_holiday_readonly`. Body `leave_code`, `op_userid` (an OA administrator, as for
vacation/type/list), `userids` (comma-separated, at most 50 [C: the SDK page's 最大列表长度]),
`offset`, `size`. The open page says size is at most 50, the older SDK page 200: the emulator
holds the stricter 50 [I]. Answer `result.has_more` and `result.leave_quotas[]`.
"""

from __future__ import annotations

from pipelines.emulator import params as p
from pipelines.emulator.balances import balance, quota_item
from pipelines.emulator.http import ApiError
from pipelines.emulator.routes import Call, ok, route

QUOTA_PATH = "/topapi/attendance/vacation/quota/list"
MAX_USERS = 50
MAX_SIZE = 50  # [I] 50 on open.dingtalk.com, 200 on the older SDK page: the stricter one


@route("old", QUOTA_PATH)
def vacation_quota_list(call: Call) -> dict:
    params = call.params
    op_userid = str(p.need(params, "op_userid"))
    admin = call.org.by_userid.get(op_userid)
    if admin is None or not admin.is_admin:
        raise ApiError(60011, "op_userid 没有OA审批管理权限")
    code = str(p.need(params, "leave_code"))
    leave = next((lt for lt in call.org.leave_types if lt.leave_code == code), None)
    if leave is None:
        raise p.invalid("参数 leave_code 不存在")
    users = p.str_list(p.need(params, "userids"), "userids")
    p.check_batch(users, MAX_USERS, "userids")
    offset, size = p.to_int(params, "offset"), p.to_int(params, "size")
    p.check(offset >= 0, "参数 offset 不能小于0")
    p.check(1 <= size <= MAX_SIZE, f"参数 size 必须在1到{MAX_SIZE}之间")
    found = [
        balance(call.org, call.org.by_userid[user], leave, call.now)
        for user in users
        if user in call.org.by_userid
    ]
    page = [quota_item(call.org, item) for item in found[offset : offset + size]]
    return ok(result={"has_more": offset + size < len(found), "leave_quotas": page}, success=True)
