"""Attendance results and punches: attendance/list, attendance/listRecord, getupdatedata."""

from __future__ import annotations

from pipelines.emulator import params as p
from pipelines.emulator import view
from pipelines.emulator.approvals import KINDS
from pipelines.emulator.calendar import epoch_ms, fmt, fmt_day, midnight
from pipelines.emulator.http import ApiError
from pipelines.emulator.model import Punch
from pipelines.emulator.records import day_records, records_between
from pipelines.emulator.routes import Call, ok, route
from pipelines.emulator.view import Row

MAX_USERS = 50
MAX_DAYS = 7
MAX_LIMIT = 50


def list_row(row: Row) -> dict:
    """One attendance/list `recordresult` row (camelCase, epoch ms)."""
    point = row.point
    item = {
        "checkType": point.check_type,
        "locationResult": row.location_result,
        "baseCheckTime": epoch_ms(point.plan_time),
        "groupId": point.group_id,
        "timeResult": row.time_result,
        "userId": point.userid,
        "workDate": epoch_ms(midnight(point.work_date)),
        "sourceType": row.source_type,
        "userCheckTime": epoch_ms(row.user_check_time),
        "planId": point.plan_id,
        "id": point.row_id,
    }
    if row.record_id is not None:
        item["recordId"] = row.record_id
    if row.approval is not None:
        item["procInstId"] = row.approval.proc_inst_id
        item["approveId"] = row.approval.approve_id
    return item


@route("old", "/attendance/list")
def attendance_list(call: Call) -> dict:
    params = call.params
    first, last = p.to_time(params, "workDateFrom"), p.to_time(params, "workDateTo")
    days = p.check_span(first.date(), last.date(), MAX_DAYS, "workDateFrom/workDateTo")
    p.check_not_older(first, call.now, 183, "workDateFrom")
    users = p.str_list(p.need(params, "userIdList"), "userIdList")
    p.check_batch(users, MAX_USERS, "userIdList")
    offset, limit = p.to_int(params, "offset", 0), p.to_int(params, "limit", MAX_LIMIT)
    p.check(offset >= 0, "参数 offset 不能小于0")
    p.check(1 <= limit <= MAX_LIMIT, f"参数 limit 必须在1到{MAX_LIMIT}之间")
    rows = [row for user in users for day in days for row in call.org.rows(user, day, call.now)]
    page = rows[offset : offset + limit]
    return ok(hasMore=offset + limit < len(rows), recordresult=[list_row(r) for r in page])


def _point_of(call: Call, punch: Punch):
    return next(
        x for x in call.org.day_points(punch.userid, punch.work_date) if x.plan_id == punch.plan_id
    )


def _matched(call: Call, punch: Punch, item: dict) -> None:
    """What a matched punch adds: its check point and the result that point has as of now."""
    point = _point_of(call, punch)
    row = view.effective_row(point, call.now)
    item["baseCheckTime"] = item["planCheckTime"] = epoch_ms(point.plan_time)
    item["planId"], item["classId"] = punch.plan_id, punch.class_id
    item["timeResult"] = row.time_result if row is not None else punch.raw_time_result
    if punch.approval is not None:
        item["procInstId"] = punch.approval.proc_inst_id
        item["approveId"] = punch.approval.approve_id


def record_row(call: Call, punch: Punch) -> dict:
    """One attendance/listRecord row (camelCase, numbers as in the documented example).

    An unmatched punch (a second punch of the same check point) carries no plan and no result,
    and says why it is invalid.
    """
    item = {
        "gmtModified": epoch_ms(punch.at),
        "gmtCreate": epoch_ms(punch.at),
        "userCheckTime": epoch_ms(punch.at),
        "workDate": epoch_ms(midnight(punch.work_date)),
        "groupId": punch.group_id,
        "id": punch.record_id,
        "locationResult": punch.location_result,
        "checkType": punch.check_type,
        "sourceType": punch.source_type,
        "locationMethod": punch.location_method,
        "corpId": call.org.corp_id,
        "userId": punch.userid,
        "userAddress": punch.address,
        "userLatitude": punch.latitude,
        "userLongitude": punch.longitude,
        "userAccuracy": punch.accuracy,
        "isLegal": "Y",
    }
    if punch.biz_id:
        item["bizId"] = punch.biz_id
    if punch.valid_matched:
        _matched(call, punch, item)
    else:
        item["invalidRecordType"] = "Other"
        item["invalidRecordMsg"] = "重复打卡，已有有效打卡记录"
    if punch.device_sn:
        item["deviceSN"] = item["deviceId"] = punch.device_sn
    if punch.location_result == "Outside":
        item["outsideRemark"] = "拜访客户"
    return item


@route("old", "/attendance/listRecord")
def attendance_list_record(call: Call) -> dict:
    """Every raw record in the window by punch time; no paging (offset/limit are ignored)."""
    params = call.params
    first, last = p.to_time(params, "checkDateFrom"), p.to_time(params, "checkDateTo")
    p.check(last >= first, "checkDateFrom/checkDateTo: 结束时间不能早于开始时间")
    p.check((last - first).days < MAX_DAYS, "checkDateFrom/checkDateTo: 时间跨度不能超过7天")
    p.check_not_older(first, call.now, 180, "checkDateFrom")
    users = p.str_list(p.need(params, "userIds"), "userIds")
    p.check_batch(users, MAX_USERS, "userIds")
    assumptions = call.state.config.assumptions
    records = [
        record
        for user in users
        for record in records_between(call.org, user, first, last, call.now, assumptions)
    ]
    return ok(recordresult=[record_row(call, record) for record in records])


def _approve_item(approval, day) -> dict:
    unit = approval.unit
    if approval.kind == "leave":
        sub_type = approval.leave.leave_name
    else:
        sub_type = {"trip": "出差", "out": "外出", "overtime": "加班"}[approval.kind]
    kind = KINDS[approval.kind]
    text = "%Y-%m-%d %H:%M" if unit == "hour" else "%Y-%m-%d"
    duration = approval.duration_hours if unit == "hour" else approval.duration_days
    return {
        "duration_unit": unit,
        "duration": f"{duration:.1f}",
        "sub_type": sub_type,
        "tag_name": kind.tag_name,
        "procInst_id": approval.proc_inst_id,
        "begin_time": approval.begin.strftime(text),
        "biz_type": kind.biz_type,
        "end_time": approval.end.strftime(text),
        "gmt_finished": approval.finished_at.strftime("%Y-%m-%d"),
    }


def _result_item(row: Row) -> dict:
    point = row.point
    item = {
        "record_id": row.record_id if row.record_id is not None else point.row_id,
        "group_id": point.group_id,
        "location_result": row.location_result,
        "class_id": point.class_id,
        "time_result": row.time_result,
        "user_check_time": fmt(row.user_check_time),
        "plan_check_time": fmt(point.plan_time),
        "check_type": point.check_type,
        "source_type": row.source_type,
        "plan_id": point.plan_id,
    }
    if row.source_type == "USER" and point.punch is not None:
        item["location_method"] = point.punch.location_method
        item["user_address"] = point.punch.address
    if row.approval is not None:
        item["procInst_id"] = row.approval.proc_inst_id
    return item


def _check_item(punch: Punch) -> dict:
    return {
        "record_id": punch.record_id,
        "user_check_time": fmt(punch.at),
        "valid_matched": punch.valid_matched,
        "user_accuracy": f"{punch.accuracy:.1f}",
        "source_type": punch.source_type,
        "user_longitude": str(punch.longitude),
        "user_latitude": str(punch.latitude),
        "base_accuracy": "0.0",
        "base_address": "总部",
        "location_method": punch.location_method,
    }


@route("old", "/topapi/attendance/getupdatedata")
def get_update_data(call: Call) -> dict:
    userid = str(p.need(call.params, "userid"))
    day = p.to_time(call.params, "work_date").date()
    if userid not in call.org.by_userid:
        raise ApiError(33012, "无效的USERID")
    result = {
        "approve_list": [
            _approve_item(a, day) for a in call.org.approvals_on(userid, day, call.now)
        ],
        "attendance_result_list": [_result_item(r) for r in call.org.rows(userid, day, call.now)],
        "corpId": call.org.corp_id,
        "work_date": fmt_day(day),
        "userid": userid,
        "check_record_list": [
            _check_item(x)
            for x in day_records(call.org, userid, day, call.now, call.state.config.assumptions)
        ],
        "class_setting_info": {"rest_time_vo_list": [{"rest_begin_time": 0, "rest_end_time": 0}]},
    }
    return ok(result=result, success=True)
