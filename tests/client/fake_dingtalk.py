"""A small stateful fake of DingTalk for client tests, built from the reference's examples.

It issues and checks tokens, enforces the documented batch/window/page limits, serves
`attendance/list` rows generated from (user, day), answers the other endpoints with the
reference's example payloads, and replays scripted faults per path.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections import defaultdict, deque
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLIENT_ID = "ding-fake-app"
CLIENT_SECRET = "fake-secret-Zq8v2LmN4pX"  # noqa: S105 - a test value the redaction tests hunt for

# Answers a fault script can name; "ok" lets a call through.
FAULTS: dict[str, tuple[int, Any]] = {
    "90018": (200, {"errcode": 90018, "errmsg": "接口调用过于频繁"}),
    "90002": (200, {"errcode": 90002, "errmsg": "所有请求都被暂时禁用了"}),
    "-1": (200, {"errcode": -1, "errmsg": "系统繁忙"}),
    "88": (200, {"errcode": 88, "errmsg": "auth timeout", "sub_code": ""}),
    "15": (200, {"errcode": 15, "errmsg": "isp.top-remote-connection-timeout"}),
    "40014": (200, {"errcode": 88, "sub_code": "40014", "sub_msg": "不合法的access_token"}),
    "90020": (200, {"errcode": 90020, "errmsg": "您的企业本月api调用量已超过限制"}),
    "500": (500, {"code": "systemError", "message": "boom"}),
    "504": (504, "<html>gateway timeout</html>"),
    "ban": (200, {"status": 1111, "wait": 5, "source": "x5", "punish": "deny", "uuid": "x"}),
    "ban-html": (403, "<html><body>访问被拒绝</body></html>"),
    "403-qps": (403, {"code": "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "message": "qps"}),
    "400-token": (400, {"code": "InvalidAuthentication", "message": "不合法的access_token"}),
}


class FakeDingTalk:
    """The fake's state: tokens, fault scripts and a log of every request it saw."""

    def __init__(self, token_ttl: int = 7200, new_token_api: bool = True) -> None:
        self.token_ttl = token_ttl
        self.new_token_api = new_token_api
        self.valid_tokens: set[str] = set()
        self.token_counter = 0
        self.reject_all_tokens = False
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self.requests: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    # -- helpers for tests -------------------------------------------------------------
    def script(self, path: str, *faults: str) -> None:
        """Queue fault answers for the next calls of `path` (one fault per call)."""
        self.faults[path].extend(faults)

    def expire_tokens(self) -> None:
        """Make every issued token invalid, as when DingTalk's 7,200 s run out."""
        with self._lock:
            self.valid_tokens.clear()

    def count(self, path: str) -> int:
        """How many requests reached `path`."""
        return sum(1 for seen, _ in self.requests if seen == path)

    def transport(self) -> httpx.MockTransport:
        """An httpx transport that routes to this fake."""
        return httpx.MockTransport(self.handle)

    # -- routing -----------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/oapi")
        with self._lock:
            self.requests.append((path, time.monotonic()))
            fault = self.faults[path].popleft() if self.faults[path] else "ok"
        if fault != "ok":
            return _answer(*FAULTS[fault])
        if path == "/v1.0/oauth2/accessToken":
            return self._token_new(request)
        if path == "/gettoken":
            return self._token_old(request)
        token = request.url.params.get("access_token") or request.headers.get(
            "x-acs-dingtalk-access-token"
        )
        if self.reject_all_tokens or token not in self.valid_tokens:
            if path.startswith("/v1.0/"):
                return _answer(*FAULTS["400-token"])
            return _answer(*FAULTS["40014"])
        body = json.loads(request.content) if request.content else {}
        handler = ROUTES.get(path)
        if handler is None:
            return _answer(200, {"errcode": 22, "sub_msg": f"不合法ApiName {path}"})
        return _answer(200, handler(self, body, request))

    def _issue(self) -> str:
        with self._lock:
            self.token_counter += 1
            token = f"tok-{self.token_counter:04d}-a8f3c2e1d9b7"
            self.valid_tokens.add(token)
        return token

    def _token_new(self, request: httpx.Request) -> httpx.Response:
        if not self.new_token_api:
            return _answer(404, {"code": "NotFound", "message": "no such API"})
        body = json.loads(request.content)
        if (body.get("appKey"), body.get("appSecret")) != (CLIENT_ID, CLIENT_SECRET):
            return _answer(400, {"code": "invalidClientIdOrSecret", "message": "无效的clientId"})
        return _answer(200, {"accessToken": self._issue(), "expireIn": self.token_ttl})

    def _token_old(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if (params.get("appkey"), params.get("appsecret")) != (CLIENT_ID, CLIENT_SECRET):
            return _answer(200, {"errcode": 40096, "errmsg": "不合法的appKey或appSecret"})
        token = self._issue()
        return _answer(200, {"errcode": 0, "access_token": token, "expires_in": self.token_ttl})


def _answer(status: int, body: Any) -> httpx.Response:
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers={"content-type": "text/html"})
    return httpx.Response(status, json=body)


def _limit_error(message: str) -> dict:
    return {"errcode": 400002, "errmsg": message}


def _day(text: str) -> date:
    return datetime.strptime(text[:10], "%Y-%m-%d").date()


def _ms(day: date, hour: int = 0) -> int:
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
    return int(moment.timestamp() * 1000)


def attendance_rows(user_ids: list[str], first: date, last: date) -> list[dict]:
    """The rows the fake serves: an OnDuty and an OffDuty result per user per day."""
    rows = []
    for user in user_ids:
        user_number = zlib.crc32(user.encode()) % 1_000_000  # stable across batches
        day = first
        while day <= last:
            for check_type, hour in (("OnDuty", 9), ("OffDuty", 18)):
                row_id = int(day.strftime("%Y%m%d")) * 10**7 + user_number * 2 + (hour == 18)
                rows.append(
                    {
                        "checkType": check_type,
                        "locationResult": "Normal",
                        "baseCheckTime": _ms(day, hour),
                        "groupId": 685935028,
                        "timeResult": "Normal",
                        "userId": user,
                        "recordId": row_id,
                        "workDate": _ms(day),
                        "sourceType": "USER",
                        "userCheckTime": _ms(day, hour),
                        "planId": row_id + 1,
                        "id": row_id,
                    }
                )
            day += timedelta(days=1)
    return rows


def _attendance_list(fake: FakeDingTalk, body: dict, request: httpx.Request) -> dict:
    users = body["userIdList"]
    first, last = _day(body["workDateFrom"]), _day(body["workDateTo"])
    if len(users) > 50 or body["limit"] > 50 or (last - first).days > 6:
        return _limit_error("userIdList <= 50, limit <= 50, span <= 7 days")
    rows = attendance_rows(users, first, last)
    page = rows[body["offset"] : body["offset"] + body["limit"]]
    has_more = body["offset"] + body["limit"] < len(rows)
    return {"errcode": 0, "errmsg": "ok", "hasMore": has_more, "recordresult": page}


def _on_job(fake: FakeDingTalk, body: dict, request: httpx.Request) -> dict:
    everyone = [f"user{number:03d}" for number in range(120)]
    offset, size = body["offset"], body["size"]
    result: dict[str, Any] = {"data_list": everyone[offset : offset + size]}
    if offset + size < len(everyone):
        result["next_cursor"] = offset + size
    return {"errcode": 0, "errmsg": "ok", "result": result, "success": True}


def _leave_status(fake: FakeDingTalk, body: dict, request: httpx.Request) -> dict:
    if len(body["userid_list"].split(",")) > 100 or body["size"] > 20:
        return _limit_error("userid_list <= 100, size <= 20")
    rows = [
        {
            "duration_percent": 650,
            "duration_unit": "percent_hour",
            "end_time": 1599465600000 + number,
            "start_time": 1599372000000,
            "leave_code": "16f856xxxx09aa16",
            "userid": user,
        }
        for number, user in enumerate(body["userid_list"].split(","))
    ]
    page = rows[body["offset"] : body["offset"] + body["size"]]
    more = body["offset"] + body["size"] < len(rows)
    return {"errcode": 0, "result": {"has_more": more, "leave_status": page}, "success": True}


def _column_values(fake: FakeDingTalk, body: dict, request: httpx.Request) -> dict:
    columns = body["column_id_list"].split(",")
    first, last = _day(body["from_date"]), _day(body["to_date"])
    if len(columns) > 20 or (last - first).days > 31:
        return _limit_error("column_id_list <= 20, span <= 31 days")
    series = []
    for column in columns:
        values, day = [], first
        while day <= last:
            values.append({"date": f"{day} 00:00:00", "value": "1.0"})
            day += timedelta(days=1)
        series.append({"column_vals": values, "column_vo": {"id": int(column)}})
    return {"errcode": 0, "result": {"column_vals": series}, "request_id": "45n2azecqj21"}


def _process_instance(fake: FakeDingTalk, body: dict, request: httpx.Request) -> dict:
    return {
        "result": {
            "title": "xx提交的请假申请",
            "status": "COMPLETED",
            "result": "agree",
            "createTime": "2022-08-31T11:52Z",
            "formComponentValues": [{"id": "DDHolidayField-J2Bxxxx", "value": "[]"}],
        },
        "success": "true",
    }


ROUTES = {
    "/attendance/list": _attendance_list,
    "/topapi/smartwork/hrm/employee/queryonjob": _on_job,
    "/topapi/attendance/getleavestatus": _leave_status,
    "/topapi/attendance/getcolumnval": _column_values,
    "/v1.0/workflow/processInstances": _process_instance,
    "/call_back/get_call_back_failed_result": lambda fake, body, request: {
        "errcode": 0,
        "errmsg": "ok",
        "has_more": False,
        "failed_list": [],
    },
}
