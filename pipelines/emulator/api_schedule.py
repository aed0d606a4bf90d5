"""Schedules and attendance groups: listschedule, schedule/listbyusers, getsimplegroups."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pipelines.emulator import params as p
from pipelines.emulator.calendar import GROUPS, GROUPS_BY_ID, fmt, fmt_day
from pipelines.emulator.ids import stable_int
from pipelines.emulator.model import CheckPoint
from pipelines.emulator.routes import Call, ok, route

# Fixed-shift (固定班制) schedules are only queryable this many days ahead of the clock.
FIXED_HORIZON_DAYS = 15


def _visible(point: CheckPoint, now: datetime) -> bool:
    if GROUPS_BY_ID[point.group_id].type != "FIXED":
        return True
    return point.work_date <= now.date() + timedelta(days=FIXED_HORIZON_DAYS)


def _approve_id(point: CheckPoint, now: datetime) -> int | None:
    """The approval bound to the check point as of `now`: a leave/trip/out, or a 补卡."""
    for approval in (point.cover, point.supply):
        if approval is not None and approval.in_effect(now):
            return approval.approve_id
    return None


@route("old", "/topapi/attendance/listschedule")
def list_schedule(call: Call) -> dict:
    day = p.to_time(call.params, "workDate").date()
    offset, size = p.to_int(call.params, "offset", 0), p.to_int(call.params, "size", 200)
    p.check(offset >= 0 and 1 <= size <= 200, "参数 size 必须在1到200之间, offset 不能小于0")
    limit = call.state.config.assumptions.listschedule_max_employees
    p.check(not limit or len(call.org.employees) < limit, f"企业人数超过{limit}人，不支持该接口")
    points = [x for x in call.org.points_on(day) if _visible(x, call.now)]
    page = points[offset : offset + size]
    schedules = []
    for point in page:
        item = {
            "check_type": point.check_type,
            "class_id": point.class_id,
            "class_setting_id": point.class_setting_id,
            "group_id": point.group_id,
            "plan_check_time": fmt(point.plan_time),
            "plan_id": point.plan_id,
            "userid": point.userid,
        }
        approve_id = _approve_id(point, call.now)
        if approve_id is not None:
            item["approve_id"] = approve_id
        schedules.append(item)
    return ok(result={"has_more": offset + size < len(points), "schedules": schedules})


def _rest_item(call: Call, userid: str, day: date) -> dict:
    return {
        "check_type": "OnDuty",
        "plan_check_time": fmt_day(day),
        "group_id": call.org.by_userid[userid].group_id,
        "userid": userid,
        "work_date": fmt_day(day),
        "id": stable_int(call.org.spec.seed, "rest", userid, day, digits=12),
        "shift_version": 1,
        "shift_id": 0,
        "is_rest": "Y",
    }


@route("old", "/topapi/attendance/schedule/listbyusers")
def list_by_users(call: Call) -> dict:
    p.need(call.params, "op_user_id")
    users = p.str_list(p.need(call.params, "userids"), "userids")
    p.check_batch(users, 50, "userids")
    begin = p.to_ms_time(call.params, "from_date_time")
    end = p.to_ms_time(call.params, "to_date_time")
    days = p.check_span(begin.date(), end.date(), 7, "from_date_time/to_date_time")
    p.check_not_older(begin, call.now, 180, "from_date_time")
    result = []
    for userid in (u for u in users if u in call.org.by_userid):
        for day in days:
            points = [x for x in call.org.day_points(userid, day) if _visible(x, call.now)]
            if not points and day <= call.now.date() + timedelta(days=FIXED_HORIZON_DAYS):
                result.append(_rest_item(call, userid, day))
            for point in points:
                item = {
                    "check_type": point.check_type,
                    "plan_check_time": fmt(point.plan_time),
                    "group_id": point.group_id,
                    "userid": userid,
                    "work_date": fmt_day(day),
                    "id": point.plan_id,
                    "shift_version": 1,
                    "shift_id": point.class_id,
                    "is_rest": "N",
                }
                approve_id = _approve_id(point, call.now)
                if approve_id is not None:
                    item["approve_id"] = approve_id
                result.append(item)
    return ok(result=result, success=True)


def _selected_class(shift) -> dict:
    """One class of a group: check times (`across` 1 = next day) and lateness thresholds."""
    times = [
        {"check_time": f"1970-01-01 {shift.on_duty:%H:%M}:00", "check_type": "OnDuty", "across": 0},
        {
            "check_time": f"1970-01-01 {shift.off_duty:%H:%M}:00",
            "check_type": "OffDuty",
            "across": 1 if shift.overnight else 0,
        },
    ]
    return {
        "class_id": shift.class_id,
        "class_name": shift.name,
        "sections": [{"times": times}],
        "setting": {
            "class_setting_id": shift.class_setting_id,
            "permit_late_minutes": shift.permit_late_minutes,
            "serious_late_minutes": shift.serious_late_minutes,
            "absenteeism_late_minutes": shift.absenteeism_late_minutes,
            "work_time_minutes": shift.work_minutes,
            "is_off_duty_free_check": "N",
        },
    }


def _group(call: Call, group) -> dict:
    members = [e for e in call.org.employees if e.group_id == group.group_id]
    return {
        "group_id": group.group_id,
        "group_name": group.name,
        "is_default": group is GROUPS[0],
        "type": group.type,
        "member_count": len(members),
        "default_class_id": group.classes[0].class_id,
        "work_day_list": ["1", "1", "1", "1", "1", "0", "0"] if group.type == "FIXED" else [],
        "classes_list": [shift.name for shift in group.classes],
        "manager_list": [call.org.admin_userid],
        "dept_name_list": sorted(
            {d.name for d in call.org.departments if any(e.dept_id == d.dept_id for e in members)}
        ),
        "selected_class": [_selected_class(shift) for shift in group.classes],
    }


@route("old", "/topapi/attendance/getsimplegroups")
def get_simple_groups(call: Call) -> dict:
    offset, size = p.to_int(call.params, "offset", 0), p.to_int(call.params, "size", 10)
    p.check(offset >= 0 and 1 <= size <= 10, "参数 size 必须在1到10之间, offset 不能小于0")
    page = GROUPS[offset : offset + size]
    groups = [_group(call, group) for group in page]
    return ok(result={"has_more": offset + size < len(GROUPS), "groups": groups})
