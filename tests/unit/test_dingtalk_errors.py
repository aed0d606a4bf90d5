"""One place maps every DingTalk answer to data or to the right typed (retryable or not) error."""

from __future__ import annotations

import httpx
import pytest

from pipelines.dingtalk.errors import (
    BadCredentialsError,
    BadRequestError,
    DingTalkError,
    IpBannedError,
    PermissionDeniedError,
    QuotaExhaustedError,
    ThrottledError,
    TokenInvalidError,
    TransientError,
    parse_response,
)


def old(body, status=200):
    return parse_response(httpx.Response(status, json=body), "oapi", "/attendance/list")


def new(body, status):
    return parse_response(httpx.Response(status, json=body), "api", "/v1.0/x")


def test_success_bodies_come_back():
    assert old({"errcode": 0, "errmsg": "ok", "hasMore": False}) == {
        "errcode": 0,
        "errmsg": "ok",
        "hasMore": False,
    }
    assert new({"result": {}}, 200) == {"result": {}}


@pytest.mark.parametrize(
    ("body", "error", "retryable"),
    [
        ({"errcode": 88, "sub_code": "40014", "sub_msg": "bad token"}, TokenInvalidError, False),
        ({"errcode": 88, "sub_code": "", "errmsg": "auth timeout"}, TransientError, True),
        ({"errcode": 88, "sub_code": "40000", "sub_msg": "blank"}, BadRequestError, False),
        ({"errcode": 40014, "errmsg": "invalid"}, TokenInvalidError, False),
        ({"errcode": 42001, "errmsg": "access_token超时"}, TokenInvalidError, False),
        ({"errcode": 40001, "errmsg": "secret"}, TokenInvalidError, False),
        ({"errcode": 90018, "errmsg": "too fast"}, ThrottledError, True),
        ({"errcode": 90002, "errmsg": "disabled"}, ThrottledError, True),
        ({"errcode": -1, "errmsg": "系统繁忙"}, TransientError, True),
        ({"errcode": 15, "errmsg": "isp.top-remote-connection-timeout"}, TransientError, True),
        ({"errcode": 90020, "errmsg": "本月api调用量已超过限制"}, QuotaExhaustedError, False),
        ({"errcode": 40096, "errmsg": "不合法的appKey或appSecret"}, BadCredentialsError, False),
        ({"errcode": 22, "sub_msg": "不合法ApiName"}, BadRequestError, False),
    ],
)  # fmt: skip
def test_old_api_errcodes_at_http_200(body, error, retryable):
    with pytest.raises(error) as raised:
        old(body)
    assert raised.value.retryable is retryable
    assert raised.value.errcode == body["errcode"]
    assert raised.value.endpoint == "/attendance/list"


def test_old_api_sub_code_and_request_id_are_kept():
    with pytest.raises(TokenInvalidError) as raised:
        old({"errcode": 88, "sub_code": "40014", "request_id": "abc", "sub_msg": "bad"})
    assert (raised.value.sub_code, raised.value.request_id) == ("40014", "abc")
    assert "errcode 88/40014" in str(raised.value)


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, "InvalidAuthentication", TokenInvalidError),
        (401, "Unauthorized", TokenInvalidError),
        (403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", ThrottledError),
        (403, "Forbidden.AccessDenied.QpsLimitForApi", ThrottledError),
        (403, "Forbidden.AccessDenied.ApiCountLimitForOrg", QuotaExhaustedError),
        (400, "invalidClientIdOrSecret", BadCredentialsError),
        (400, "processInstanceNotExist", BadRequestError),
        (500, "systemError", TransientError),
        (504, "GatewayTimeout", TransientError),
    ],
)
def test_new_api_status_and_code(status, code, error):
    with pytest.raises(error) as raised:
        new({"code": code, "message": "m", "requestid": "r1"}, status)
    assert raised.value.status_code == status and raised.value.request_id == "r1"


def test_server_errors_without_json_are_transient():
    response = httpx.Response(502, text="bad gateway", headers={"content-type": "text/plain"})
    with pytest.raises(TransientError):
        parse_response(response, "oapi", "/x")


def test_unexpected_non_json_success_is_an_error_not_data():
    response = httpx.Response(200, text="ok", headers={"content-type": "text/plain"})
    with pytest.raises(DingTalkError, match="non-JSON"):
        parse_response(response, "oapi", "/x")


def test_ip_ban_json_uses_the_wait_minutes():
    body = {"status": 1111, "wait": 2, "source": "x5", "punish": "deny", "uuid": "u"}
    with pytest.raises(IpBannedError) as raised:
        old(body)
    assert raised.value.wait_seconds == 120 and raised.value.retryable


def test_ip_ban_html_defaults_to_five_minutes():
    response = httpx.Response(
        403, text="<html>denied</html>", headers={"content-type": "text/html"}
    )
    with pytest.raises(IpBannedError) as raised:
        parse_response(response, "oapi", "/x")
    assert raised.value.wait_seconds == 300


def test_gateway_html_error_pages_are_transient_not_bans():
    response = httpx.Response(
        504, text="<html>timeout</html>", headers={"content-type": "text/html"}
    )
    with pytest.raises(TransientError):
        parse_response(response, "oapi", "/x")


@pytest.mark.parametrize(
    "body",
    [
        {"errcode": 88, "sub_code": "60011", "sub_msg": "没有调用该接口的权限", "errmsg": "x"},
        {"errcode": 60011, "errmsg": "没有调用该接口的权限"},
    ],
)
def test_a_missing_permission_names_what_to_grant_for_the_endpoint(body):
    with pytest.raises(PermissionDeniedError, match=r"grant .*\(qyapi_get_attendance_data\)"):
        old(body)


def test_a_new_api_permission_denial_names_the_scopes_dingtalk_lists():
    body = {
        "code": "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        "message": "没有调用该接口的权限",
        "accessdenieddetail": {"requiredScopes": ["Contact.User.Read"]},
    }
    with pytest.raises(PermissionDeniedError, match=r"; grant Contact\.User\.Read$"):
        new(body, 403)
    del body["accessdenieddetail"]
    with pytest.raises(PermissionDeniedError, match="the permission of /v1.0/x"):
        new(body, 403)
