"""New API: the organisation's own usage figures (GetResourceUseInfo, reference 11.3).

`POST /v1.0/meter/resources/useInfos/query` with `benefitCodeList` and `period` answers one
`{quotaNum, usedNum}` per code, in the order asked (the SDK's result carries no code [C3]).
Benefit codes, the period format, the permission and whether the call is metered are
undocumented [I]: see `Assumptions`.
"""

from __future__ import annotations

import re

from pipelines.emulator.http import ApiError
from pipelines.emulator.routes import Call, route
from pipelines.emulator.stream.config import GatewayConfig

METER_PATH = "/v1.0/meter/resources/useInfos/query"
PERIOD = re.compile(r"^(\d{4})-?(\d{2})$")  # "2026-11" or "202611"


def _period(value: object) -> str:
    match = PERIOD.match(str(value or ""))
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ApiError(0, "period 格式错误，应为 yyyy-MM", code="invalidParameter")
    return f"{match.group(1)}-{match.group(2)}"


def _usage(call: Call, counts: str, month: str) -> dict[str, int]:
    state = call.state
    if counts == "api":
        return {"quotaNum": state.config.monthly_quota, "usedNum": state.meter.metered_in(month)}
    if state.gateway is not None:
        status = state.gateway.push_quota_status(month)
        return {"quotaNum": status["quota"], "usedNum": status["pushes_this_month"]}
    stream = state.config.stream or GatewayConfig()
    return {"quotaNum": stream.push_quota_per_month, "usedNum": 0}


@route("new", METER_PATH, method="POST")
def resource_use_info(call: Call) -> dict:
    assumptions = call.state.config.assumptions
    if not assumptions.meter_api_permitted:
        raise ApiError(
            0,
            "没有调用该接口的权限，接口权限申请参考：https://open.dingtalk.com/document/orgapp/add-api-permission",
            code="Forbidden.AccessDenied.AccessTokenPermissionDenied",
            status=403,
        )
    body = call.request.body_params()
    codes = body.get("benefitCodeList")
    if not isinstance(codes, list) or not codes:
        raise ApiError(0, "benefitCodeList 不能为空", code="MissingParameter")
    month = _period(body.get("period"))
    result = []
    for code in codes:
        counts = assumptions.benefit_codes.get(str(code))
        result.append(_usage(call, counts, month) if counts else {"quotaNum": 0, "usedNum": 0})
    return {"result": result}
