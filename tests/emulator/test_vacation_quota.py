"""vacation/quota/list (假期余额): the documented shape, its limits, balances from the approvals."""

from __future__ import annotations

from pipelines.emulator.api_vacation import MAX_SIZE, MAX_USERS, QUOTA_PATH
from pipelines.emulator.people import LEAVE_TYPES_BY_NAME

PERSONAL = LEAVE_TYPES_BY_NAME["事假"]  # counted in hours
ANNUAL = LEAVE_TYPES_BY_NAME["年假"]  # counted in days


def _ask(emu, leave_code: str, users: list[str], offset: int = 0, size: int = MAX_SIZE) -> dict:
    body = {
        "leave_code": leave_code,
        "op_userid": emu.state.org.admin_userid,
        "userids": ",".join(users),
        "offset": offset,
        "size": size,
    }
    return emu.oapi(QUOTA_PATH, body)


def _used_by_approvals(emu, userid: str, leave, unit: str) -> int:
    now = emu.state.now()
    return int(
        round(
            100
            * sum(
                a.duration_hours if unit == "hour" else a.duration_days
                for a in emu.state.org.approvals_by_user.get(userid, [])
                if a.kind == "leave"
                and a.leave_type().leave_code == leave.leave_code
                and a.in_effect(now)
                and a.begin.year == now.year
            )
        )
    )


def test_answers_the_documented_shape_with_the_units_of_the_type(emu):
    users = [e.userid for e in emu.state.org.employees][:MAX_USERS]
    hours = _ask(emu, PERSONAL.leave_code, users)
    assert hours["errcode"] == 0 and hours["result"]["has_more"] is False
    quotas = hours["result"]["leave_quotas"]
    assert [q["userid"] for q in quotas] == users
    first = quotas[0]
    assert set(first) == {
        "userid", "leave_code", "quota_cycle", "quota_id", "start_time", "end_time",
        "quota_num_per_hour", "used_num_per_hour",
    }  # fmt: skip
    assert first["quota_cycle"] == str(emu.state.now().year)
    assert first["start_time"] < first["end_time"]
    days = _ask(emu, ANNUAL.leave_code, users[:1])["result"]["leave_quotas"][0]
    assert "quota_num_per_day" in days and "quota_num_per_hour" not in days
    assert days["quota_num_per_day"] in {500, 1000, 1500}  # 5, 10 or 15 days in 1/100 day


def test_used_follows_the_leave_approvals_in_effect(emu):
    leave = next(
        a for a in emu.state.org.approvals if a.kind == "leave" and a.in_effect(emu.state.now())
    )
    kind = leave.leave_type()
    unit = "hour" if kind.leave_view_unit == "hour" else "day"
    quota = _ask(emu, kind.leave_code, [leave.userid])["result"]["leave_quotas"][0]
    expected = _used_by_approvals(emu, leave.userid, kind, unit)
    assert expected > 0
    assert quota[f"used_num_per_{unit}"] == expected


def test_pages_by_offset_and_size(emu):
    users = [e.userid for e in emu.state.org.employees][:5]
    first = _ask(emu, PERSONAL.leave_code, users, 0, 2)["result"]
    rest = _ask(emu, PERSONAL.leave_code, users, 4, 2)["result"]
    assert first["has_more"] is True and len(first["leave_quotas"]) == 2
    assert rest["has_more"] is False and [q["userid"] for q in rest["leave_quotas"]] == users[4:]


def test_refuses_over_the_limits_and_a_non_admin(emu):
    employees = [e.userid for e in emu.state.org.employees]
    too_many = [*employees, *(f"ghost{i}" for i in range(MAX_USERS))][: MAX_USERS + 1]
    assert _ask(emu, PERSONAL.leave_code, too_many)["errcode"] == 400002
    assert _ask(emu, PERSONAL.leave_code, employees[:1], size=MAX_SIZE + 1)["errcode"] == 400002
    assert _ask(emu, "no-such-code", employees[:1])["errcode"] == 400002
    body = {"leave_code": PERSONAL.leave_code, "op_userid": employees[1], "userids": employees[0]}
    assert emu.oapi(QUOTA_PATH, {**body, "offset": 0, "size": 10})["errcode"] == 60011


def test_is_metered(emu):
    key = f"old:{QUOTA_PATH}"
    before = emu.state.meter.metered[key]
    _ask(emu, PERSONAL.leave_code, [emu.state.org.admin_userid])
    assert emu.state.meter.metered[key] == before + 1
