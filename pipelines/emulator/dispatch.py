"""One request in, one answer out: IP guard, faults, auth, QPS, quota, metering, handler."""

from __future__ import annotations

import logging

from pipelines.emulator import (  # noqa: F401  (importing registers the routes)
    api_approvals,
    api_attendance,
    api_auth,
    api_meter,
    api_org,
    api_report,
    api_schedule,
    api_vacation,
    api_workflow,
)
from pipelines.emulator.http import ApiAnswer, ApiError, ApiRequest, request_id
from pipelines.emulator.routes import ROUTES, Call, Route
from pipelines.emulator.state import EmulatorState

logger = logging.getLogger(__name__)
OLD_PREFIX = "/oapi"
QUOTA_ERRCODE = 90020
PERMISSION_SUB_CODE = "60011"
NO_PERMISSION = "没有调用该接口的权限"


def _split(path: str) -> tuple[str, str]:
    if path == OLD_PREFIX or path.startswith(OLD_PREFIX + "/"):
        return "old", path[len(OLD_PREFIX) :] or "/"
    return "new", path


def _error(family: str, error: ApiError) -> ApiAnswer:
    if family == "old":
        body = {"errcode": error.errcode, "errmsg": error.errmsg, **error.extra}
        return ApiAnswer(200, {**body, "request_id": request_id()})
    return ApiAnswer(
        error.status, {"code": error.code, "message": error.errmsg, "requestid": request_id()}
    )


def _unknown(family: str, path: str) -> ApiError:
    if family == "old":
        name = "dingtalk.oapi" + path.replace("/", ".")
        return ApiError(
            22, "不合法ApiName", sub_code="22", sub_msg=f"不合法ApiName，ApiName = {name}"
        )
    return ApiError(
        0,
        "Specified api is not found, please check your url and method.",
        code="InvalidAction.NotFound",
        status=404,
    )


def _authorise(state: EmulatorState, family: str, request: ApiRequest) -> None:
    expire_after = state.faults.token_expire_after_calls
    if family == "old":
        token = request.query.get("access_token") or request.body_params().get("access_token")
        if not token:
            raise ApiError(
                88, "access_token is blank", sub_code="40000", sub_msg="access_token is blank"
            )
        if not state.tokens.check(str(token), expire_after):
            raise ApiError(
                88, "不合法的access_token", sub_code="40014", sub_msg="不合法的access_token"
            )
        return
    token = request.headers.get("x-acs-dingtalk-access-token")
    if not token:
        raise ApiError(0, "access_token is blank", code="AuthenticationFailed.MissingParameter")
    if not state.tokens.check(token, expire_after):
        raise ApiError(0, "不合法的access_token", code="InvalidAuthentication")


def _permission_denied(state: EmulatorState, family: str) -> ApiError:
    """DingTalk's answer to a call the app has no permission for (the `denied_paths` fault)."""
    state.meter.reject("permission")
    if family == "old":
        return ApiError(
            88,
            f"ding talk error[subcode={PERMISSION_SUB_CODE},submsg={NO_PERMISSION}]",
            sub_code=PERMISSION_SUB_CODE,
            sub_msg=NO_PERMISSION,
        )
    message = f"{NO_PERMISSION},接口权限申请参考:https://open.dingtalk.com/document/orgapp-server/add-api-permission"
    return ApiError(
        0, message, code="Forbidden.AccessDenied.AccessTokenPermissionDenied", status=403
    )


def _throttle(state: EmulatorState, family: str, route: Route, client: str) -> None:
    window = state.qps.counted_in(f"{state.client_id}:{route.path}", state.config.qps_per_api)
    if window is None or (
        state.faults.throttle_rate and state.fault_rng.random() < state.faults.throttle_rate
    ):
        state.meter.reject("qps")
        raise ApiError(
            90018,
            f"您的服务器调用钉钉开放平台当前接口的请求过于频繁, apiPath({route.path}), "
            f"超过了{state.config.qps_per_api:g}次/秒",
            code="Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
            status=403,
        )
    if state.call_log is not None:
        state.call_log.append((window, client, f"{family}:{route.path}"))


def _meter(state: EmulatorState, family: str, route: Route) -> None:
    """Count the call; failed calls (auth, QPS) never reach here, so they are not metered."""
    month, quota = state.month(), state.config.monthly_quota
    metered = route.metered
    if route.path == api_meter.METER_PATH:
        metered = state.config.assumptions.meter_api_metered
    if state.meter.admit(f"{family}:{route.path}", metered, month, quota):
        return
    message = (
        f"您的企业本月api调用量已超过限制,调用量:{state.meter.metered_in(month) + 1}次,"
        f"额度:{quota}次,请登录开发者后台-资源管理-查看用量明细"
    )
    if family == "old" and state.config.assumptions.quota_error_style == "88":
        raise ApiError(88, message, sub_code=str(QUOTA_ERRCODE), sub_msg=message)
    raise ApiError(
        QUOTA_ERRCODE, message, code="Forbidden.AccessDenied.ApiCountLimitForOrg", status=403
    )


def dispatch_api(state: EmulatorState, request: ApiRequest) -> ApiAnswer:
    """Answer one API request exactly as DingTalk would (see docs/emulator.md)."""
    family, path = _split(request.path)
    if not state.ip_guard.allow(request.client_host):
        state.meter.reject("ip_ban")
        return ApiAnswer(200, state.ip_guard.ban_answer())
    route = ROUTES.get((family, path))
    try:
        if route is None or (route.method and route.method != request.method):
            raise _unknown(family, path)
        if state.faults.error_5xx_rate and state.fault_rng.random() < state.faults.error_5xx_rate:
            state.meter.reject("fault_5xx")
            return _server_error(family)
        if route.auth:
            _authorise(state, family, request)
        if path in state.faults.denied_paths:
            raise _permission_denied(state, family)
        _throttle(state, family, route, request.client_host)
        _meter(state, family, route)
        params = {**request.query, **request.body_params()} if family == "old" else {}
        body = route.handler(Call(state, request, params, state.now()))
        return ApiAnswer(200, body)
    except ApiError as error:
        quota = error.extra.get("sub_code") in (str(QUOTA_ERRCODE), PERMISSION_SUB_CODE)
        if (error.errcode == 88 and not quota) or error.code == "InvalidAuthentication":
            state.meter.reject("auth")
        return _error(family, error)
    except Exception:  # a bug in a handler: answer like DingTalk's systemError, keep serving
        logger.exception("emulator handler failed for %s %s", request.method, path)
        return _server_error(family, status=500)


def _server_error(family: str, status: int = 503) -> ApiAnswer:
    if family == "old":
        return ApiAnswer(status, {"errcode": -1, "errmsg": "系统繁忙", "request_id": request_id()})
    return ApiAnswer(
        status, {"code": "ServiceUnavailable", "message": "系统繁忙", "requestid": request_id()}
    )


def dispatch(state: EmulatorState, request: ApiRequest) -> ApiAnswer:
    """Route a request to the control endpoints or the API, adding the latency fault."""
    from pipelines.emulator.control import dispatch_control

    if request.path.startswith("/_emulator"):
        return dispatch_control(state, request)
    answer = dispatch_api(state, request)
    answer.delay_seconds = state.faults.latency_ms / 1000
    return answer
