"""Every documented limit and error answer of the emulated API is enforced."""

from __future__ import annotations

import time

import pytest

from pipelines.emulator.dispatch import dispatch
from pipelines.emulator.http import ApiRequest

WEEK = {"workDateFrom": "2026-11-02 00:00:00", "workDateTo": "2026-11-08 00:00:00"}


def test_old_api_token_only_in_query_header_is_ignored(emu):
    response = emu.http.post(
        "/oapi/attendance/list",
        json={**WEEK, "userIdList": ["user0001"]},
        headers={"x-acs-dingtalk-access-token": emu.token},
    ).json()
    assert (response["errcode"], response["sub_code"]) == (88, "40000")
    bad = emu.http.post("/oapi/attendance/list", params={"access_token": "nope"}, json={}).json()
    assert (bad["errcode"], bad["sub_code"]) == (88, "40014")
    in_form = emu.http.post(
        "/oapi/attendance/list", data={**WEEK, "userIdList": "user0001", "access_token": emu.token}
    )
    assert in_form.json()["errcode"] == 0


def test_new_api_token_only_in_header(emu):
    query = emu.http.get(
        "/v1.0/workflow/processInstances",
        params={"processInstanceId": "x", "access_token": emu.token},
    )
    assert query.status_code == 400
    assert query.json()["code"] == "AuthenticationFailed.MissingParameter"
    bad = emu.http.get(
        "/v1.0/workflow/processInstances",
        params={"processInstanceId": "x"},
        headers={"x-acs-dingtalk-access-token": "nope"},
    )
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidAuthentication"


def test_unknown_paths(emu):
    answer = emu.oapi("/topapi/attendance/nothing")
    assert (
        answer["errcode"] == 22 and "dingtalk.oapi.topapi.attendance.nothing" in answer["sub_msg"]
    )
    assert emu.api("GET", "/v1.0/nothing").status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "errcode"),
    [
        (
            "/attendance/list",
            {**WEEK, "workDateTo": "2026-11-09 00:00:00", "userIdList": ["user0001"]},
            400002,
        ),
        ("/attendance/list", {**WEEK, "userIdList": [f"u{i}" for i in range(51)]}, 400002),
        ("/attendance/list", {**WEEK, "userIdList": ["user0001"], "limit": 51}, 400002),
        ("/attendance/list", {"workDateFrom": "2026-11-02 00:00:00", "userIdList": ["a"]}, 40035),
        (
            "/attendance/list",
            {"workDateFrom": "2026/11/02", "workDateTo": "x", "userIdList": ["a"]},
            400002,
        ),
        (
            "/attendance/list",
            {
                "workDateFrom": "2026-01-02 00:00:00",
                "workDateTo": "2026-01-03 00:00:00",
                "userIdList": ["a"],
            },
            400002,
        ),
        (
            "/attendance/listRecord",
            {
                "checkDateFrom": "2026-11-02 00:00:00",
                "checkDateTo": "2026-11-09 00:00:00",
                "userIds": ["a"],
            },
            400002,
        ),
        (
            "/attendance/listRecord",
            {
                "checkDateFrom": "2026-11-02 00:00:00",
                "checkDateTo": "2026-11-03 00:00:00",
                "userIds": [str(i) for i in range(51)],
            },
            400002,
        ),
        (
            "/topapi/attendance/getcolumnval",
            {
                "userid": "user0001",
                "column_id_list": ",".join(["129339038"] * 21),
                "from_date": "2026-11-02 00:00:00",
                "to_date": "2026-11-03 00:00:00",
            },
            400002,
        ),
        (
            "/topapi/attendance/getcolumnval",
            {
                "userid": "user0001",
                "column_id_list": "129339038",
                "from_date": "2026-10-01 00:00:00",
                "to_date": "2026-11-03 00:00:00",
            },
            400002,
        ),
        (
            "/topapi/attendance/getleavetimebynames",
            {
                "userid": "user0001",
                "leave_names": ",".join(["年假"] * 21),
                "from_date": "2026-11-02 00:00:00",
                "to_date": "2026-11-03 00:00:00",
            },
            400002,
        ),
        (
            "/topapi/attendance/getleavestatus",
            {"userid_list": ",".join(["a"] * 101), "start_time": 0, "end_time": 1},
            400002,
        ),
        (
            "/topapi/attendance/getleavestatus",
            {"userid_list": "a", "start_time": 0, "end_time": 1, "size": 21},
            400002,
        ),
        ("/topapi/attendance/listschedule", {"workDate": "2026-11-03", "size": 201}, 400002),
        (
            "/topapi/attendance/schedule/listbyusers",
            {
                "op_user_id": "user0001",
                "userids": "a",
                "from_date_time": 1793548800000,
                "to_date_time": 1794240000000,
            },
            400002,
        ),
        ("/topapi/attendance/getsimplegroups", {"size": 11}, 400002),
        ("/topapi/smartwork/hrm/employee/queryonjob", {"status_list": "3", "size": 51}, 400002),
        ("/topapi/attendance/getupdatedata", {"userid": "ghost", "work_date": "2026-11-03"}, 33012),
        ("/topapi/v2/user/get", {"userid": "ghost"}, 60121),
    ],
)
def test_documented_batch_and_window_limits(emu, path, body, errcode):
    answer = emu.oapi(path, body)
    assert answer["errcode"] == errcode, answer
    assert answer["errmsg"]


def test_qps_limit_per_api_old_and_new(emu_factory):
    emu = emu_factory(qps_per_api=3)
    body = {**WEEK, "userIdList": ["user0001"]}
    codes = [emu.oapi("/attendance/list", body)["errcode"] for _ in range(5)]
    assert codes[:3] == [0, 0, 0] and 90018 in codes[3:]
    assert emu.oapi("/topapi/attendance/getattcolumns")["errcode"] == 0, "limit is per API"
    answers = [emu.api("GET", "/v1.0/event/callbacks/failedResults") for _ in range(5)]
    limited = [a for a in answers if a.status_code == 403]
    assert limited and limited[0].json()["code"] == "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
    assert emu.state.meter.rejected["qps"] >= 2


def test_the_call_log_names_the_qps_window_and_caller_of_each_admitted_call(emu_factory):
    emu = emu_factory(qps_per_api=3, record_calls=True)
    body = {**WEEK, "userIdList": ["user0001"]}
    codes = [emu.oapi("/attendance/list", body)["errcode"] for _ in range(5)]
    admitted = [entry for entry in emu.state.call_log if entry[2] == "old:/attendance/list"]
    assert len(admitted) == codes.count(0) and {client for _, client, _ in admitted} == {"mock"}
    windows = [window for window, _, _ in admitted]
    assert max(windows.count(window) for window in windows) <= 3  # the limit, per window
    assert emu_factory().state.call_log is None  # off by default


def test_monthly_quota_counts_only_metered_calls(emu_factory):
    emu = emu_factory(monthly_quota=2)
    for _ in range(3):
        assert emu.oapi("/topapi/v2/department/listsub", {"dept_id": 1})["errcode"] == 0
    assert emu.oapi("/topapi/attendance/getattcolumns")["errcode"] == 0
    assert emu.oapi("/topapi/attendance/getattcolumns")["errcode"] == 0
    over = emu.oapi("/topapi/attendance/getattcolumns")
    assert over["errcode"] == 90020 and "额度:2次" in over["errmsg"]
    new = emu.api("GET", "/v1.0/event/callbacks/failedResults")
    assert (
        new.status_code == 403
        and new.json()["code"] == "Forbidden.AccessDenied.ApiCountLimitForOrg"
    )
    stats = emu.control("GET", "stats").json()
    assert stats["metered_calls_total"] == 2 and stats["rejected"]["quota"] == 2
    assert stats["api_calls"]["old:/topapi/v2/department/listsub"] == 3
    assert "old:/topapi/v2/department/listsub" not in stats["metered_calls"]
    assert "old:/gettoken" not in stats["metered_calls"]


def test_token_expiry_fault_after_k_calls_then_a_new_token(emu_factory):
    emu = emu_factory()
    emu.control("POST", "faults", json={"token_expire_after_calls": 2})
    codes = [emu.oapi("/topapi/attendance/getattcolumns").get("sub_code") for _ in range(3)]
    assert codes == [None, None, "40014"]
    fresh = emu.http.get(
        "/oapi/gettoken",
        params={"appkey": emu.state.client_id, "appsecret": emu.state.client_secret},
    ).json()
    assert fresh["access_token"] != emu.token
    emu.token = fresh["access_token"]
    assert emu.oapi("/topapi/attendance/getattcolumns")["errcode"] == 0


def test_server_error_throttle_ban_and_latency_faults(emu):
    emu.control("POST", "faults", json={"error_5xx_rate": 1.0})
    failed = emu.http.post(
        "/oapi/topapi/attendance/getattcolumns", params={"access_token": emu.token}
    )
    assert failed.status_code == 503
    emu.control("POST", "faults", json={"error_5xx_rate": 0, "throttle_rate": 1.0})
    assert emu.oapi("/topapi/attendance/getattcolumns")["errcode"] == 90018
    emu.control("POST", "faults", json={"throttle_rate": 0, "ip_ban_seconds": 30})
    banned = emu.oapi("/topapi/attendance/getattcolumns")
    assert banned["status"] == 1111 and banned["punish"] == "deny" and "errcode" not in banned
    emu.control("POST", "faults", json={"ip_ban_seconds": 0, "latency_ms": 250})
    request = ApiRequest("GET", "/oapi/gettoken", {}, {})
    assert dispatch(emu.state, request).delay_seconds == 0.25
    assert emu.control("POST", "faults", json={"nonsense": 1}).status_code == 400
    assert emu.control("POST", "faults", json={"throttle_rate": 2}).status_code == 400


def test_ip_limit_bans_after_too_many_calls(emu_factory):
    emu = emu_factory(ip_limit_calls=5, ip_ban_after_limit_seconds=60)
    answers = [emu.oapi("/topapi/v2/department/listsub", {"dept_id": 1}) for _ in range(7)]
    assert [a.get("status") for a in answers[5:]] == [1111, 1111]


def test_control_endpoints_refuse_remote_clients(emu):
    remote = ApiRequest("GET", "/_emulator/stats", {}, {}, client_host="10.0.0.8")
    assert dispatch(emu.state, remote).status == 403
    local = ApiRequest("GET", "/_emulator/stats", {}, {}, client_host="127.0.0.1")
    assert dispatch(emu.state, local).status == 200


def test_tokens_expire_after_their_lifetime(emu_factory):
    emu = emu_factory(token_ttl_seconds=0.2)
    assert emu.oapi("/topapi/attendance/getattcolumns")["errcode"] == 0
    time.sleep(0.3)
    expired = emu.oapi("/topapi/attendance/getattcolumns")
    assert (expired["errcode"], expired["sub_code"]) == (88, "40014")
    new = emu.api("GET", "/v1.0/event/callbacks/failedResults")
    assert new.status_code == 400 and new.json()["code"] == "InvalidAuthentication"


def test_malformed_body_gets_a_one_line_error(emu):
    answer = emu.http.post(
        "/oapi/attendance/list",
        params={"access_token": emu.token},
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 200 and answer.json()["errcode"] == 40035
    control = emu.control(
        "POST", "clock", content=b"{", headers={"content-type": "application/json"}
    )
    assert control.status_code == 400 and "error" in control.json()
