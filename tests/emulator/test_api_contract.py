"""Each emulated endpoint answers the reference's example requests with the documented shape."""

from __future__ import annotations

import json
from datetime import date

from pipelines.emulator.calendar import epoch_ms, midnight

FIRST_WEEK = {"workDateFrom": "2026-11-02 00:00:00", "workDateTo": "2026-11-08 00:00:00"}


def test_tokens_old_and_new_share_one_token_and_reject_bad_credentials(emu):
    old = emu.http.get(
        "/oapi/gettoken",
        params={"appkey": emu.state.client_id, "appsecret": emu.state.client_secret},
    ).json()
    assert old == {"errcode": 0, "access_token": emu.token, "errmsg": "ok", "expires_in": 7200}
    new = emu.http.post(
        "/v1.0/oauth2/accessToken",
        json={"appKey": emu.state.client_id, "appSecret": emu.state.client_secret},
    )
    assert new.json() == {"accessToken": emu.token, "expireIn": 7200}
    bad_old = emu.http.get("/oapi/gettoken", params={"appkey": "x", "appsecret": "y"}).json()
    assert bad_old["errcode"] == 40096
    bad_new = emu.http.post("/v1.0/oauth2/accessToken", json={"appKey": "x", "appSecret": "y"})
    assert bad_new.status_code == 400 and bad_new.json()["code"] == "invalidClientIdOrSecret"


def test_attendance_list_rows_are_camel_case_epoch_ms_and_paged(emu):
    body = {**FIRST_WEEK, "userIdList": ["user0001", "user0002"], "offset": 0, "limit": 50}
    answer = emu.oapi("/attendance/list", body)
    assert answer["errcode"] == 0 and answer["hasMore"] is False
    row = answer["recordresult"][0]
    for key in (
        "checkType",
        "locationResult",
        "baseCheckTime",
        "groupId",
        "timeResult",
        "userId",
        "workDate",
        "sourceType",
        "userCheckTime",
        "planId",
        "id",
    ):
        assert key in row, key
    assert isinstance(row["workDate"], int) and isinstance(row["groupId"], int)
    assert row["workDate"] == epoch_ms(midnight(date(2026, 11, 2)))
    first = emu.oapi("/attendance/list", {**body, "limit": 3})
    second = emu.oapi("/attendance/list", {**body, "offset": 3, "limit": 3})
    assert first["hasMore"] is True
    assert first["recordresult"] + second["recordresult"] == answer["recordresult"][:6]


def test_list_record_filters_on_punch_time_and_accepts_form_bodies(emu):
    form = {
        "checkDateFrom": "2026-11-03 00:00:00",
        "checkDateTo": "2026-11-03 23:59:59",
        "userIds": "user0001,user0002",
    }
    answer = emu.http.post(
        "/oapi/attendance/listRecord", params={"access_token": emu.token}, data=form
    ).json()
    rows = answer["recordresult"]
    assert answer["errcode"] == 0 and rows
    assert all(r["userCheckTime"] >= epoch_ms(midnight(date(2026, 11, 3))) for r in rows)
    assert {"bizId", "userLatitude", "planCheckTime", "isLegal", "classId"} <= set(rows[0])
    later = emu.oapi("/attendance/listRecord", {**form, "checkDateFrom": "2026-11-03 12:00:00"})
    assert len(later["recordresult"]) < len(rows)


def test_getupdatedata_has_mixed_case_keys_and_string_times(emu):
    leave = next(a for a in emu.state.org.approvals if a.kind == "leave" and not a.revoked_at)
    day = sorted(leave.per_day)[0]
    answer = emu.oapi(
        "/topapi/attendance/getupdatedata", {"userid": leave.userid, "work_date": day.isoformat()}
    )
    result = answer["result"]
    assert answer["success"] is True
    assert result["work_date"] == f"{day} 00:00:00" and result["corpId"].startswith("ding")
    (item,) = [a for a in result["approve_list"] if a["procInst_id"] == leave.proc_inst_id]
    assert item["tag_name"] == "请假" and item["biz_type"] == 3
    assert isinstance(item["duration"], str)
    rows = result["attendance_result_list"]
    assert rows and all(" " in r["plan_check_time"] for r in rows)
    assert "class_setting_info" in result and "check_record_list" in result


def test_report_columns_and_values_are_strings_and_leave_columns_are_by_name(emu):
    columns = emu.oapi("/topapi/attendance/getattcolumns")["result"]["columns"]
    names = {c["name"] for c in columns}
    assert "应出勤天数" in names and not names & {"年假", "事假"}
    ids = ",".join(str(c["id"]) for c in columns[:3])
    vals = emu.oapi(
        "/topapi/attendance/getcolumnval",
        {
            "userid": "user0002",
            "column_id_list": ids,
            "from_date": "2026-11-02 00:00:00",
            "to_date": "2026-11-08 00:00:00",
        },
    )["result"]["column_vals"]
    assert len(vals) == 3 and len(vals[0]["column_vals"]) == 7
    assert all(isinstance(v["value"], str) for v in vals[0]["column_vals"])
    assert vals[0]["column_vo"]["id"] == columns[0]["id"]


def test_leave_by_name_answers_null_for_the_type_missing_from_the_report(emu):
    answer = emu.oapi(
        "/topapi/attendance/getleavetimebynames",
        {
            "userid": "user0002",
            "leave_names": "年假,育儿假",
            "from_date": "2026-11-02 00:00:00",
            "to_date": "2026-11-03 00:00:00",
        },
    )
    columns = {c["columnvo"]["name"]: c["columnvals"] for c in answer["result"]["columns"]}
    assert [v["value"] for v in columns["年假"]] == ["0.0", "0.0"]
    assert columns["育儿假"] is None
    types = emu.oapi(
        "/topapi/attendance/vacation/type/list",
        {"op_userid": emu.state.org.admin_userid, "vacation_source": "all"},
    )
    assert "育儿假" in {t["leave_name"] for t in types["result"]}
    denied = emu.oapi(
        "/topapi/attendance/vacation/type/list", {"op_userid": "user0002", "vacation_source": "all"}
    )
    assert denied["errcode"] != 0


def test_leave_status_uses_percent_units(emu):
    leave = next(a for a in emu.state.org.approvals if a.kind == "leave" and not a.revoked_at)
    answer = emu.oapi(
        "/topapi/attendance/getleavestatus",
        {
            "userid_list": leave.userid,
            "start_time": epoch_ms(leave.begin),
            "end_time": epoch_ms(leave.end),
            "offset": 0,
            "size": 20,
        },
    )
    (status,) = [
        s for s in answer["result"]["leave_status"] if s["start_time"] == epoch_ms(leave.begin)
    ]
    assert status["duration_unit"] in ("percent_day", "percent_hour")
    assert status["leave_code"] == leave.leave.leave_code and answer["result"]["has_more"] is False


def test_schedules_groups_and_the_fifteen_day_horizon(emu_factory):
    emu = emu_factory(days=40)  # clock at the last day: nothing beyond 15 days ahead
    day = emu.state.org.dates[3].isoformat()
    answer = emu.oapi("/topapi/attendance/listschedule", {"workDate": day, "offset": 0, "size": 5})
    assert answer["result"]["has_more"] is True and len(answer["result"]["schedules"]) == 5
    early = emu_factory(days=40, clock_start=midnight(emu.state.org.dates[0]))
    far = early.state.org.dates[30].isoformat()
    schedules = early.oapi("/topapi/attendance/listschedule", {"workDate": far, "size": 200})
    groups = {s["group_id"] for s in schedules["result"]["schedules"]}
    assert groups == {685935030}, "fixed-shift schedules only exist 15 days ahead"
    by_users = emu.oapi(
        "/topapi/attendance/schedule/listbyusers",
        {
            "op_user_id": "user0001",
            "userids": "user0002,user0009",
            "from_date_time": epoch_ms(midnight(emu.state.org.dates[0])),
            "to_date_time": epoch_ms(midnight(emu.state.org.dates[6])),
        },
    )["result"]
    assert {"Y", "N"} == {r["is_rest"] for r in by_users}
    assert all(r["shift_id"] == 0 for r in by_users if r["is_rest"] == "Y")
    result = emu.oapi("/topapi/attendance/getsimplegroups", {"offset": 0, "size": 10})["result"]
    across = [
        t["across"]
        for g in result["groups"]
        for c in g["selected_class"]
        for s in c["sections"]
        for t in s["times"]
    ]
    assert 1 in across and result["has_more"] is False


def test_contacts_and_on_job_list(emu):
    children = emu.oapi("/topapi/v2/department/listsub", {"dept_id": 1})["result"]
    assert {c["parent_id"] for c in children} == {1}
    ids = emu.oapi("/topapi/v2/department/listsubid", {"dept_id": 101})["result"]["dept_id_list"]
    assert ids == [10101, 10102]
    members = emu.oapi("/topapi/user/listid", {"dept_id": 10101})["result"]["userid_list"]
    user = emu.oapi("/topapi/v2/user/get", {"userid": members[0]})["result"]
    assert user["userid"] == members[0] and user["dept_id_list"] == [10101]
    root = emu.oapi("/topapi/v2/department/get", {"dept_id": 1})["result"]
    assert root["dept_id"] == 1 and root["name"]
    seen, offset = [], 0
    while True:
        page = emu.oapi(
            "/topapi/smartwork/hrm/employee/queryonjob",
            {"status_list": "2,3,5,-1", "offset": offset, "size": 20},
        )["result"]
        seen += page["data_list"]
        if "next_cursor" not in page:
            break
        offset = page["next_cursor"]
    assert seen == [e.userid for e in emu.state.org.employees]


def _form(emu, approval) -> list[dict]:
    response = emu.api(
        "GET",
        "/v1.0/workflow/processInstances",
        params={"processInstanceId": approval.proc_inst_id},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] == "true" and body["result"]["status"] in ("COMPLETED", "TERMINATED")
    return body["result"]["formComponentValues"]


def test_process_instance_forms_reveal_the_days_covered(emu):
    org = emu.state.org
    leave = next(a for a in org.approvals if a.kind == "leave" and len(a.per_day) > 1)
    (holiday,) = [c for c in _form(emu, leave) if c["componentType"] == "DDHolidayField"]
    detail = json.loads(holiday["extValue"])["detailList"]
    assert [d["workDate"] for d in detail] == [epoch_ms(midnight(d)) for d in sorted(leave.per_day)]
    assert json.loads(holiday["value"])[4] == leave.leave.leave_name
    supply = next(a for a in org.approvals if a.kind == "supply")
    (field,) = [c for c in _form(emu, supply) if c["name"] == "补卡时间"]
    assert json.loads(field["extValue"])["workDate"] == epoch_ms(midnight(supply.supply_point[1]))
    out = next(a for a in org.approvals if a.kind == "out")
    (duration,) = [c for c in _form(emu, out) if c["bizAlias"] == "duration"]
    assert [d["workDate"] for d in json.loads(duration["extValue"])["detailList"]] == [
        epoch_ms(midnight(d)) for d in out.per_day
    ]
    overtime = next(a for a in org.approvals if a.kind == "overtime")
    (suite,) = _form(emu, overtime)
    children = {c["bizAlias"]: c for c in json.loads(suite["value"])}
    rows = json.loads(children["everyDayDuration"]["value"])
    assert rows[0]["overtimeDate"] == epoch_ms(midnight(next(iter(overtime.per_day))))
    assert "detailList" in json.loads(children["duration"]["extendValue"])
    revoked = next(a for a in org.approvals if a.revoked_at)
    status = emu.api(
        "GET", "/v1.0/workflow/processInstances", params={"processInstanceId": revoked.proc_inst_id}
    ).json()["result"]["status"]
    assert status == "TERMINATED"
    missing = emu.api(
        "GET", "/v1.0/workflow/processInstances", params={"processInstanceId": "nope"}
    )
    assert missing.status_code == 400 and missing.json()["code"] == "processInstanceNotExist"


def test_failed_push_endpoints_answer_empty_lists_without_a_gateway(emu):
    old = emu.http.get(
        "/oapi/call_back/get_call_back_failed_result", params={"access_token": emu.token}
    ).json()
    assert old["errcode"] == 0 and old["failed_list"] == [] and old["has_more"] is False
    new = emu.api(
        "GET", "/v1.0/event/callbacks/failedResults", params={"beginTime": 0, "endTime": 1}
    ).json()
    assert new == {"failedList": [], "hasMore": False}


def test_department_user_list_pages_members_with_their_details(emu):
    members = emu.oapi("/topapi/user/listid", {"dept_id": 10101})["result"]["userid_list"]
    listed, cursor = [], 0
    while True:
        result = emu.oapi("/topapi/v2/user/list", {"dept_id": 10101, "cursor": cursor, "size": 2})
        listed += result["result"]["list"]
        if not result["result"]["has_more"]:
            assert "next_cursor" not in result["result"]
            break
        cursor = result["result"]["next_cursor"]
    assert [user["userid"] for user in listed] == members
    assert listed[0] == emu.oapi("/topapi/v2/user/get", {"userid": members[0]})["result"]
    refused = emu.oapi("/topapi/v2/user/list", {"dept_id": 10101, "cursor": 0, "size": 101})
    assert refused["errcode"] != 0
