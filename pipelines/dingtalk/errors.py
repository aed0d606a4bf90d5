"""Typed DingTalk errors and the one place that turns an HTTP answer into data or an error.

DingTalk's old API answers HTTP 200 with a non-zero `errcode` on failure; the new API answers
4xx/5xx with `{"code", "message", "requestid"}`; an egress IP over its budget gets an HTML page or
`{"status": 1111, "wait": 5, "punish": "deny"}` with no errcode at all (reference sections 0, 1c
and 3.1).
"""

from __future__ import annotations

import json
from typing import Any, Literal, cast

import httpx

from pipelines.dingtalk.permissions import permission_for
from pipelines.dingtalk.redaction import redact

Family = Literal["oapi", "api"]

# Old-API errcodes (88 carries the real reason in a string `sub_code`).
TOKEN_INVALID_CODES = {"40014", "42001", "40001"}
THROTTLED_CODES = {90018, 90002, 90005, 90006}
TRANSIENT_CODES = {-1, 15}
QUOTA_EXHAUSTED_CODES = {90020}
BAD_CREDENTIAL_CODES = {40096, 40089}
# 没有调用该接口的权限: top level, or as the sub_code of 88 (the form third-party notes show).
PERMISSION_DENIED_CODES = {60011}
# New-API `code` values.
NEW_TOKEN_INVALID = {"InvalidAuthentication", "accesstoken.expired", "InvalidAccessToken"}
NEW_THROTTLED = {
    "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
    "Forbidden.AccessDenied.QpsLimitForApi",
}
NEW_QUOTA_EXHAUSTED = {"Forbidden.AccessDenied.ApiCountLimitForOrg"}
NEW_BAD_CREDENTIALS = {"invalidClientIdOrSecret"}
# Its body names the missing scopes in `accessdenieddetail.requiredScopes` (developerpedia,
# best-practices/permission-deny).
NEW_PERMISSION_DENIED = {"Forbidden.AccessDenied.AccessTokenPermissionDenied"}
DEFAULT_BAN_MINUTES = 5.0


class DingTalkError(Exception):
    """DingTalk refused a call. `errcode` is the old-API number or the new-API `code` string."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        errcode: int | str | None = None,
        sub_code: str | None = None,
        request_id: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.errcode = errcode
        self.sub_code = sub_code
        self.request_id = request_id
        self.status_code = status_code
        super().__init__(redact(message))


class ThrottledError(DingTalkError):
    """Per-API or global QPS limit hit (90018, 90002, 403 QpsLimit...); retry after a pause."""

    retryable = True


class TransientError(DingTalkError):
    """Busy, timed out or unreachable (-1, 15, 88 without sub_code, 5xx, network); retry."""

    retryable = True


class TokenInvalidError(DingTalkError):
    """The access token was rejected (88/40014, 42001, 40001, 400 InvalidAuthentication)."""


QUOTA_EXHAUSTED_HINT = (
    "DingTalk's monthly metered-call quota of the organisation is spent: every metered call is "
    "refused until the 1st of next month (Asia/Shanghai) or until more quota is bought; "
    "`dingtalk-attendance usage` shows where the calls went"
)


class QuotaExhaustedError(DingTalkError):
    """The organisation's monthly metered-call quota is spent: a hard stop, never retried.

    DingTalk says so three ways (reference 3.1, 11.3): old-API `errcode 90020`, `errcode 88`
    with `sub_code "90020"`, and new-API 403 `Forbidden.AccessDenied.ApiCountLimitForOrg`. All
    three become this one error with one message, so every caller can stop spending calls.
    """

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(f"{QUOTA_EXHAUSTED_HINT} ({message})", **kwargs)


class IpBannedError(DingTalkError):
    """The egress IP is blocked for a while (HTML body or `status 1111`); wait it out."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        wait_seconds: float,
        declared_wait: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.wait_seconds = wait_seconds  # the wait read as minutes (the reference's reading)
        self.declared_wait = declared_wait  # the answer's `wait` number as sent; None for HTML
        super().__init__(message, **kwargs)


class BadRequestError(DingTalkError):
    """The request itself is wrong (bad parameter, unknown path, missing permission)."""


class PermissionDeniedError(BadRequestError):
    """The app lacks the permission the endpoint needs; the message names what to grant."""


class BadCredentialsError(BadRequestError):
    """The client ID or secret is wrong (40096, 400 invalidClientIdOrSecret)."""


class RetriesExhaustedError(DingTalkError):
    """A retryable error persisted through every allowed attempt."""

    def __init__(self, message: str, *, last_error: DingTalkError) -> None:
        self.last_error = last_error
        super().__init__(
            message,
            endpoint=last_error.endpoint,
            errcode=last_error.errcode,
            sub_code=last_error.sub_code,
            request_id=last_error.request_id,
            status_code=last_error.status_code,
        )


def parse_response(response: httpx.Response, family: Family, endpoint: str) -> dict[str, Any]:
    """Return the JSON body of a successful answer, or raise the matching DingTalkError."""
    body = _json_or_none(response)
    ban = _ip_ban(response, body, endpoint)
    if ban is not None:
        raise ban
    if body is None:
        error_class = TransientError if response.status_code >= 500 else DingTalkError
        raise error_class(
            f"{endpoint}: HTTP {response.status_code} with a non-JSON body",
            endpoint=endpoint,
            status_code=response.status_code,
        )
    if family == "oapi":
        return _check_old(response, body, endpoint)
    return _check_new(response, body, endpoint)


def _json_or_none(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return cast(dict[str, Any], body) if isinstance(body, dict) else None  # JSON keys are text


def _ip_ban(
    response: httpx.Response, body: dict[str, Any] | None, endpoint: str
) -> IpBannedError | None:
    content_type = response.headers.get("content-type", "")
    # A gateway's own HTML error page (5xx) is a transient failure, not a ban.
    looks_html = (
        body is None
        and response.status_code < 500
        and ("html" in content_type or response.content.lstrip()[:1] == b"<")
    )
    denied = body is not None and (body.get("status") == 1111 or body.get("punish") == "deny")
    if not (looks_html or denied):
        return None
    minutes, declared = DEFAULT_BAN_MINUTES, None
    wait = body.get("wait") if body is not None else None
    if denied and isinstance(wait, int | float) and not isinstance(wait, bool) and wait >= 0:
        minutes = declared = float(wait)
    return IpBannedError(
        f"{endpoint}: egress IP blocked by DingTalk (wait {minutes:g})",
        wait_seconds=minutes * 60,
        declared_wait=declared,
        endpoint=endpoint,
        status_code=response.status_code,
    )


def _check_old(response: httpx.Response, body: dict[str, Any], endpoint: str) -> dict[str, Any]:
    errcode = body.get("errcode", 0)
    if errcode in (0, "0") and response.status_code < 400:
        return body
    if errcode in (0, "0"):
        raise _for_http_status(response, body, endpoint)
    errcode = int(errcode)
    sub_code = body.get("sub_code") or None
    sub_code = str(sub_code) if sub_code is not None else None
    detail = body.get("sub_msg") or body.get("errmsg") or ""
    message = f"{endpoint}: errcode {errcode}" + (f"/{sub_code}" if sub_code else "")
    message += f" {detail}".rstrip()
    error_class = _old_error_class(errcode, sub_code)
    if error_class is PermissionDeniedError:
        message += f"; grant {permission_for(endpoint)}"
    raise error_class(
        message,
        endpoint=endpoint,
        errcode=errcode,
        sub_code=sub_code,
        request_id=body.get("request_id"),
        status_code=response.status_code,
    )


def _old_error_class(errcode: int, sub_code: str | None) -> type[DingTalkError]:
    if errcode == 88:
        if sub_code is not None and _int_or_none(sub_code) in QUOTA_EXHAUSTED_CODES:
            return QuotaExhaustedError
        if sub_code is not None and _int_or_none(sub_code) in PERMISSION_DENIED_CODES:
            return PermissionDeniedError
        if sub_code is None:  # auth service timeout, documented as retryable
            return TransientError
        return TokenInvalidError if sub_code in TOKEN_INVALID_CODES else BadRequestError
    if str(errcode) in TOKEN_INVALID_CODES:
        return TokenInvalidError
    if errcode in THROTTLED_CODES:
        return ThrottledError
    if errcode in TRANSIENT_CODES:
        return TransientError
    if errcode in QUOTA_EXHAUSTED_CODES:
        return QuotaExhaustedError
    if errcode in BAD_CREDENTIAL_CODES:
        return BadCredentialsError
    if errcode in PERMISSION_DENIED_CODES:
        return PermissionDeniedError
    return BadRequestError


def _int_or_none(text: str) -> int | None:
    """`text` as an int, or None when it is not a number (sub_codes are strings)."""
    try:
        return int(text)
    except ValueError:
        return None


def _check_new(response: httpx.Response, body: dict[str, Any], endpoint: str) -> dict[str, Any]:
    if response.status_code < 400:
        return body
    raise _for_http_status(response, body, endpoint)


def _for_http_status(
    response: httpx.Response, body: dict[str, Any], endpoint: str
) -> DingTalkError:
    code = str(body.get("code") or "")
    status = response.status_code
    message = f"{endpoint}: HTTP {status} {code} {body.get('message') or ''}".rstrip()
    if code in NEW_QUOTA_EXHAUSTED:
        error_class: type[DingTalkError] = QuotaExhaustedError
    elif code in NEW_THROTTLED or status == 429:
        error_class = ThrottledError
    elif code in NEW_TOKEN_INVALID or status == 401:
        error_class = TokenInvalidError
    elif code in NEW_BAD_CREDENTIALS:
        error_class = BadCredentialsError
    elif code in NEW_PERMISSION_DENIED:
        error_class = PermissionDeniedError
        message += f"; grant {permission_for(endpoint, _required_scopes(body))}"
    elif status >= 500:
        error_class = TransientError
    else:
        error_class = BadRequestError
    return error_class(
        message,
        endpoint=endpoint,
        errcode=code or None,
        request_id=body.get("requestid") or body.get("request_id"),
        status_code=status,
    )


def _required_scopes(body: dict[str, Any]) -> list[str]:
    detail = body.get("accessdenieddetail")
    scopes = (
        cast(dict[str, Any], detail).get("requiredScopes") if isinstance(detail, dict) else None
    )
    return [str(scope) for scope in cast(list[Any], scopes)] if isinstance(scopes, list) else []
