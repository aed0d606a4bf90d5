"""The row-dense APIs the frugal pull strategies use behave as the reference states them:
listRecord's rows and filters, schedules with approval ids, getleavestatus paging, the meter API
and the three shapes of an exhausted monthly quota (issue 12)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipelines.emulator.calendar import epoch_ms, fmt, midnight

UNLIMITED = {"qps_per_api": 1e9, "monthly_quota": 10**9}


def _records(emu, users: list[str], first, last, **extra) -> list[dict]:
    body = {"userIds": users, "checkDateFrom": fmt(first), "checkDateTo": fmt(last), **extra}
    answer = emu.oapi("/attendance/listRecord", body)
    assert answer["errcode"] == 0, answer
    return answer["recordresult"]


def _week(emu):
    start = midnight(emu.state.org.dates[0])
    return start, start + timedelta(days=7) - timedelta(seconds=1)


@pytest.fixture
def big(emu_factory):
    return emu_factory(employees=60, **UNLIMITED)


def test_matched_punches_carry_the_result_attendance_list_gives_their_check_point(big):
    users = [e.userid for e in big.state.org.employees[:50]]
    first, last = _week(big)
    records = _records(big, users, first, last)
    results: dict[int, str] = {}
    for offset in range(0, 10_000, 50):
        page = big.oapi(
            "/attendance/list",
            {
                "workDateFrom": fmt(first),
                "workDateTo": fmt(last),
                "userIdList": users,
                "offset": offset,
                "limit": 50,
            },
        )
        results |= {row["planId"]: row["timeResult"] for row in page["recordresult"]}
        if not page["hasMore"]:
            break
    matched = [r for r in records if "invalidRecordType" not in r]
    assert matched and all(r["timeResult"] == results[r["planId"]] for r in matched)
    assert not any(r.get("timeResult") == "NotSigned" for r in records)
    covered = {
        p.plan_id
        for u in users
        for d in big.state.org.dates[:7]
        for p in big.state.org.day_points(u, d)
        if p.cover is not None and p.cover.in_effect(big.state.now())
    }
    assert covered and not covered & {r.get("planId") for r in records}


def test_invalid_punches_are_listed_without_plan_or_result(big):
    invalid = next(p for p in big.state.org.punches if not p.valid_matched)
    at = invalid.at
    rows = _records(big, [invalid.userid], at - timedelta(hours=1), at + timedelta(hours=1))
    (row,) = [r for r in rows if r["id"] == invalid.record_id]
    assert row["invalidRecordType"] == "Other" and row["invalidRecordMsg"]
    assert "timeResult" not in row and "planId" not in row and row["isLegal"] == "Y"


def test_list_record_filters_on_punch_time_and_ignores_paging(big):
    users = [e.userid for e in big.state.org.employees[:50]]
    first, last = _week(big)
    rows = _records(big, users, first, last)
    assert _records(big, users, first, last, offset=0, limit=5) == rows
    noon = first + timedelta(hours=12)
    later = _records(big, users, noon, last)
    assert {r["id"] for r in later} == {
        r["id"] for r in rows if r["userCheckTime"] >= epoch_ms(noon)
    }


def test_list_record_limits(big):
    first, last = _week(big)
    users = [e.userid for e in big.state.org.employees]
    body = {"userIds": users[:51], "checkDateFrom": fmt(first), "checkDateTo": fmt(last)}
    assert big.oapi("/attendance/listRecord", body)["errcode"] == 400002
    body = {**body, "userIds": users[:2], "checkDateTo": fmt(first + timedelta(days=7))}
    assert big.oapi("/attendance/listRecord", body)["errcode"] == 400002
    old = big.state.now() - timedelta(days=181)
    body = {**body, "checkDateFrom": fmt(old), "checkDateTo": fmt(old + timedelta(days=1))}
    assert big.oapi("/attendance/listRecord", body)["errcode"] == 400002


def _supply(emu):
    return next(a for a in emu.state.org.approvals if a.kind == "supply")


@pytest.mark.parametrize("shown", [True, False])
def test_a_make_up_punch_is_a_record_with_source_approve_when_assumed(emu_factory, shown):
    emu = emu_factory(**UNLIMITED)
    assert emu.control("POST", "assumptions", json={"supply_punch_in_records": shown}).is_success
    supply = _supply(emu)
    at = supply.supply_time
    rows = _records(emu, [supply.userid], at - timedelta(hours=1), at + timedelta(hours=1))
    approve = [r for r in rows if r["sourceType"] == "APPROVE"]
    if not shown:
        assert not approve
        return
    (row,) = approve
    assert row["procInstId"] == supply.proc_inst_id and row["approveId"] == supply.approve_id
    assert row["timeResult"] == "Normal" and row["userCheckTime"] == epoch_ms(at)
    truth = emu.control("GET", "truth").json()
    day = next(
        d
        for d in truth["employee_days"]
        if d["userid"] == supply.userid and d["work_date"] == next(iter(supply.per_day)).isoformat()
    )
    assert row["id"] in {p["record_id"] for p in day["punches"] if p["source_type"] == "APPROVE"}


def test_admin_edits_show_in_list_record(emu_factory):
    emu = emu_factory(**UNLIMITED)
    emu.control("POST", "assumptions", json={"boss_punch_in_records": True})
    edited = [p for p in emu.state.org.points if p.boss is not None]
    assert edited
    for point in edited:
        window = (point.plan_time - timedelta(hours=3), point.plan_time + timedelta(hours=3))
        rows = [
            r for r in _records(emu, [point.userid], *window) if r.get("planId") == point.plan_id
        ]
        if point.punch is not None:
            assert [r["timeResult"] for r in rows if r["id"] == point.punch.record_id] == [
                point.boss.time_result
            ]
        else:
            assert [(r["sourceType"], r["timeResult"]) for r in rows] == [("BOSS", "Normal")]


def _by_users(emu, users: str, first, days: int = 7) -> dict:
    return emu.oapi(
        "/topapi/attendance/schedule/listbyusers",
        {
            "op_user_id": "user0001",
            "userids": users,
            "from_date_time": epoch_ms(first),
            "to_date_time": epoch_ms(first + timedelta(days=days - 1)),
        },
    )


def test_schedules_carry_approval_ids_only_where_one_is_bound(emu_factory):
    emu = emu_factory(**UNLIMITED)
    now = emu.state.now()
    bound = {
        p.plan_id: (p.cover or p.supply).approve_id
        for p in emu.state.org.points
        if any(a is not None and a.in_effect(now) for a in (p.cover, p.supply))
    }
    seen: dict[int, int | None] = {}
    users = [e.userid for e in emu.state.org.employees]
    for week in (0, 7):
        first = midnight(emu.state.org.dates[week])
        rows = _by_users(emu, ",".join(users), first)["result"]
        seen |= {r["id"]: r.get("approve_id") for r in rows if r["is_rest"] == "N"}
    assert {k: v for k, v in seen.items() if v is not None} == bound
    for day in emu.state.org.dates:
        got, offset = [], 0
        while True:
            result = emu.oapi(
                "/topapi/attendance/listschedule",
                {"workDate": day.isoformat(), "offset": offset, "size": 7},
            )["result"]
            got += result["schedules"]
            offset += 7
            if not result["has_more"]:
                break
        assert (
            len({s["plan_id"] for s in got}) == len(got) == len(emu.state.org.points_by_date[day])
        )
        for item in got:
            assert item.get("approve_id") == bound.get(item["plan_id"])


def test_schedule_limits(emu_factory):
    emu = emu_factory(employees=60, **UNLIMITED)
    first = midnight(emu.state.org.dates[0])
    users = ",".join(e.userid for e in emu.state.org.employees)
    assert _by_users(emu, users, first)["errcode"] == 400002
    assert _by_users(emu, "user0002", first, days=8)["errcode"] == 400002
    assert _by_users(emu, "user0002", emu.state.now() - timedelta(days=181))["errcode"] == 400002
    body = {"workDate": first.date().isoformat(), "size": 201}
    assert emu.oapi("/topapi/attendance/listschedule", body)["errcode"] == 400002
    emu.control("POST", "assumptions", json={"listschedule_max_employees": 60})
    body["size"] = 200
    assert emu.oapi("/topapi/attendance/listschedule", body)["errcode"] == 400002


def test_leave_status_pages_through_every_leave(emu_factory):
    emu = emu_factory(employees=200, **UNLIMITED)
    now = emu.state.now()
    users = [e.userid for e in emu.state.org.employees[:100]]
    window = {
        "userid_list": ",".join(users),
        "start_time": epoch_ms(midnight(emu.state.org.dates[0])),
        "end_time": epoch_ms(midnight(emu.state.org.dates[-1] + timedelta(days=1))),
    }
    got, offset = [], 0
    while True:
        result = emu.oapi(
            "/topapi/attendance/getleavestatus", {**window, "offset": offset, "size": 3}
        )["result"]
        assert len(result["leave_status"]) <= 3
        got += [(s["userid"], s["start_time"], s["leave_code"]) for s in result["leave_status"]]
        offset += 3
        if not result["has_more"]:
            break
    expected = [
        (a.userid, epoch_ms(a.begin), a.leave.leave_code)
        for u in users
        for a in emu.state.org.approvals_by_user.get(u, [])
        if a.kind == "leave" and a.in_effect(now)
    ]
    assert len(expected) > 3 and got == expected
    more = {**window, "userid_list": ",".join(e.userid for e in emu.state.org.employees[:101])}
    assert emu.oapi("/topapi/attendance/getleavestatus", more)["errcode"] == 400002
    assert (
        emu.oapi("/topapi/attendance/getleavestatus", {**window, "size": 21})["errcode"] == 400002
    )
    long = {**window, "end_time": window["start_time"] + 181 * 86_400_000}
    assert emu.oapi("/topapi/attendance/getleavestatus", long)["errcode"] == 400002


METER = "/v1.0/meter/resources/useInfos/query"


def test_meter_api_answers_the_month_usage_per_benefit_code(emu_factory):
    emu = emu_factory(monthly_quota=100)
    for _ in range(3):
        emu.oapi("/topapi/attendance/getattcolumns")
    month = emu.state.month()
    body = {"benefitCodeList": ["OPEN_API_CALL", "WEBHOOK_STREAM_PUSH", "NOPE"], "period": month}
    answer = emu.api("POST", METER, json=body)
    assert answer.status_code == 200
    api, push, unknown = answer.json()["result"]
    assert api == {"quotaNum": 100, "usedNum": 3}
    assert push == {"quotaNum": 3000, "usedNum": 0} and unknown == {"quotaNum": 0, "usedNum": 0}
    assert emu.control("GET", "stats").json()["metered_calls_this_month"] == 3  # not metered
    emu.control("POST", "assumptions", json={"benefit_codes": {"X": "api"}})
    assert emu.api("POST", METER, json={**body, "benefitCodeList": ["X"]}).json() == {
        "result": [{"quotaNum": 100, "usedNum": 3}]
    }
    assert emu.api("POST", METER, json={**body, "period": "2026-13"}).status_code == 400
    emu.control("POST", "assumptions", json={"meter_api_permitted": False})
    denied = emu.api("POST", METER, json=body)
    assert denied.status_code == 403
    assert denied.json()["code"] == "Forbidden.AccessDenied.AccessTokenPermissionDenied"


def test_assumptions_refuse_unknown_names_and_bad_values(emu):
    assert emu.control("POST", "assumptions", json={"nope": 1}).status_code == 400
    bad = emu.control("POST", "assumptions", json={"quota_error_style": "42"})
    assert bad.status_code == 400
    assert emu.control("POST", "assumptions", json={"meter_api_permitted": "no"}).status_code == 400
    assert emu.control("GET", "stats").json()["assumptions"]["quota_error_style"] == "90020"


@pytest.mark.parametrize("style", ["90020", "88"])
def test_an_exhausted_month_answers_each_documented_shape(emu_factory, style):
    emu = emu_factory(monthly_quota=1)
    emu.control("POST", "assumptions", json={"quota_error_style": style})
    assert emu.oapi("/topapi/attendance/getattcolumns")["errcode"] == 0
    refused = emu.oapi("/topapi/attendance/getattcolumns")
    if style == "90020":
        assert refused["errcode"] == 90020 and "sub_code" not in refused
    else:
        assert refused["errcode"] == 88 and refused["sub_code"] == "90020"
    assert "额度:1次" in refused["errmsg"]
    approval = emu.state.org.approvals[0].proc_inst_id
    new = emu.api("GET", "/v1.0/workflow/processInstances", params={"processInstanceId": approval})
    assert (
        new.status_code == 403
        and new.json()["code"] == "Forbidden.AccessDenied.ApiCountLimitForOrg"
    )
    stats = emu.control("GET", "stats").json()
    assert stats["rejected"]["quota"] == 2 and "auth" not in stats["rejected"]
    assert emu.api(
        "POST", METER, json={"benefitCodeList": ["OPEN_API_CALL"], "period": emu.state.month()}
    ).is_success
