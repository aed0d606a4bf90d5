"""Report columns, column values, leave by name, leave status and vacation types."""

from __future__ import annotations

from pipelines.days import days_between
from pipelines.emulator import params as p
from pipelines.emulator.calendar import epoch_ms, fmt_day
from pipelines.emulator.http import ApiError
from pipelines.emulator.routes import Call, ok, route
from pipelines.emulator.view import REPORT_COLUMNS, wire_value

COLUMNS_BY_ID = {column_id: alias for column_id, alias, _ in REPORT_COLUMNS}
MAX_COLUMNS = 20
MAX_NAMES = 20
MAX_SPAN_DAYS = 31


@route("old", "/topapi/attendance/getattcolumns")
def get_att_columns(call: Call) -> dict:
    columns = [
        {
            "alias": alias,
            "expression_id": column_id - 5000000,
            "id": column_id,
            "name": name,
            "status": 0,
            "sub_type": 0,
            "type": 0,
        }
        for column_id, alias, name in REPORT_COLUMNS
    ]
    return ok(result={"columns": columns})


def _known_user(call: Call, userid: str) -> None:
    if userid not in call.org.by_userid:
        raise ApiError(33012, "无效的USERID")


def _window(call: Call, max_back_days: int | None = None):
    first, last = p.to_time(call.params, "from_date"), p.to_time(call.params, "to_date")
    p.check(last >= first, "from_date/to_date: 结束时间不能早于开始时间")
    p.check(
        (last.date() - first.date()).days <= MAX_SPAN_DAYS,
        "from_date/to_date: 时间跨度不能超过31天",
    )
    if max_back_days is not None:
        p.check_not_older(first, call.now, max_back_days, "from_date")
    return days_between(first.date(), last.date())


@route("old", "/topapi/attendance/getcolumnval")
def get_column_val(call: Call) -> dict:
    userid = str(p.need(call.params, "userid"))
    ids = p.str_list(p.need(call.params, "column_id_list"), "column_id_list")
    p.check_batch(ids, MAX_COLUMNS, "column_id_list")
    days = _window(call)
    _known_user(call, userid)
    try:
        wanted = [int(column_id) for column_id in ids]
    except ValueError:
        raise p.invalid("参数 column_id_list 必须是数字ID") from None
    unknown = [column_id for column_id in wanted if column_id not in COLUMNS_BY_ID]
    p.check(not unknown, f"参数 column_id_list 包含不存在的列: {unknown}")
    reports = {day: call.org.report(userid, day, call.now) for day in days}
    vals = [
        {
            "column_vals": [
                {"date": fmt_day(day), "value": wire_value(reports[day][COLUMNS_BY_ID[cid]])}
                for day in days
            ],
            "column_vo": {"id": cid},
        }
        for cid in wanted
    ]
    return ok(result={"column_vals": vals})


@route("old", "/topapi/attendance/getleavetimebynames")
def get_leave_time_by_names(call: Call) -> dict:
    userid = str(p.need(call.params, "userid"))
    names = p.str_list(p.need(call.params, "leave_names"), "leave_names")
    p.check_batch(names, MAX_NAMES, "leave_names")
    days = _window(call, max_back_days=225)
    _known_user(call, userid)
    per_day = {day: call.org.leave(userid, day, call.now) for day in days}
    columns = []
    for name in names:
        # A leave type without a report column (the seed's pitfall) answers null values.
        known = name in per_day[days[0]]
        values = (
            [{"date": fmt_day(d), "value": f"{per_day[d][name]:.1f}"} for d in days]
            if known
            else None
        )
        columns.append(
            {
                "columnvals": values,
                "columnvo": {
                    "alias": "leave_",
                    "name": name,
                    "status": 0,
                    "sub_type": 0,
                    "type": 0,
                },
            }
        )
    return ok(result={"columns": columns})


@route("old", "/topapi/attendance/getleavestatus")
def get_leave_status(call: Call) -> dict:
    users = p.str_list(p.need(call.params, "userid_list"), "userid_list")
    p.check_batch(users, 100, "userid_list")
    begin, end = p.to_ms_time(call.params, "start_time"), p.to_ms_time(call.params, "end_time")
    p.check(end >= begin, "start_time/end_time: 结束时间不能早于开始时间")
    p.check((end - begin).days <= 180, "start_time/end_time: 时间跨度不能超过180天")
    offset, size = p.to_int(call.params, "offset", 0), p.to_int(call.params, "size", 20)
    p.check(offset >= 0 and 1 <= size <= 20, "参数 size 必须在1到20之间, offset 不能小于0")
    found = [
        a
        for user in users
        for a in call.org.approvals_by_user.get(user, [])
        if a.kind == "leave" and a.in_effect(call.now) and a.begin <= end and a.end >= begin
    ]
    page = found[offset : offset + size]
    items = [
        {
            "duration_percent": int(
                round((a.duration_hours if a.unit == "hour" else a.duration_days) * 100)
            ),
            "duration_unit": "percent_hour" if a.unit == "hour" else "percent_day",
            "end_time": epoch_ms(a.end),
            "start_time": epoch_ms(a.begin),
            "leave_code": a.leave_type().leave_code,
            "userid": a.userid,
        }
        for a in page
    ]
    return ok(result={"has_more": offset + size < len(found), "leave_status": items}, success=True)


@route("old", "/topapi/attendance/vacation/type/list")
def vacation_type_list(call: Call) -> dict:
    op_userid = str(p.need(call.params, "op_userid"))
    employee = call.org.by_userid.get(op_userid)
    if employee is None or not employee.is_admin:
        raise ApiError(60011, "op_userid 没有OA审批管理权限")
    source = str(call.params.get("vacation_source", "all"))
    types = call.org.leave_types if source == "all" else ()  # none was created through the API
    result = [
        {
            "leave_code": lt.leave_code,
            "leave_name": lt.leave_name,
            "leave_view_unit": lt.leave_view_unit,
            "biz_type": lt.biz_type,
            "natural_day_leave": "false",
            "hours_in_per_day": 800,
            "validity_type": "unlimited",
            "validity_value": "",
            "source": "inner",
            "leave_certificate": {
                "unit": "day",
                "duration": 0.0,
                "enable": False,
                "prompt_information": "",
            },
            "submit_time_rule": {
                "time_value": 0,
                "time_unit": "day",
                "time_type": "before",
                "enable_time_limit": False,
            },
        }
        for lt in types
    ]
    return ok(result=result, success=True)
