"""Access tokens: old `GET /gettoken` and new `POST /v1.0/oauth2/accessToken` (not metered)."""

from __future__ import annotations

from pipelines.emulator.http import ApiError
from pipelines.emulator.routes import Call, route


@route("old", "/gettoken", metered=False, auth=False)
def gettoken(call: Call) -> dict:
    appkey, appsecret = call.request.query.get("appkey"), call.request.query.get("appsecret")
    if not appkey:
        raise ApiError(40035, "缺少参数 corpid or appkey")
    if appkey != call.state.client_id or appsecret != call.state.client_secret:
        raise ApiError(40096, "不合法的appKey或appSecret")
    token, ttl = call.state.tokens.issue()
    return {"errcode": 0, "access_token": token, "errmsg": "ok", "expires_in": ttl}


@route("new", "/v1.0/oauth2/accessToken", method="POST", metered=False, auth=False)
def access_token(call: Call) -> dict:
    body = call.request.body_params()
    if body.get("appKey") != call.state.client_id or body.get("appSecret") != (
        call.state.client_secret
    ):
        raise ApiError(40096, "无效的clientId或者clientSecret", code="invalidClientIdOrSecret")
    token, ttl = call.state.tokens.issue()
    return {"accessToken": token, "expireIn": ttl}
