"""`formComponentValues` of approval instances, shaped as reference section 10.

Every `value`/`extValue` is a JSON string, as DingTalk sends them.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from pipelines.emulator.calendar import epoch_ms, midnight
from pipelines.emulator.model import Approval

_WEEKDAYS = "一二三四五六日"


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _text(moment: datetime, unit: str, end: bool = False) -> str:
    if unit == "day":
        return moment.strftime("%Y-%m-%d")
    if unit == "halfDay":
        half = "上午" if moment.hour < 13 and not end else "下午"
        return f"{moment:%Y-%m-%d} {half}"
    return moment.strftime("%Y-%m-%d %H:%M")


def _detail_list(approval: Approval) -> list[dict]:
    return [
        {
            "workDate": epoch_ms(midnight(day)),
            "approveInfo": {
                "fromTime": epoch_ms(max(approval.begin, midnight(day))),
                "toTime": epoch_ms(approval.end),
                "durationInDay": days,
                "durationInHour": hours,
            },
        }
        for day, (days, hours) in sorted(approval.per_day.items())
    ]


def _component(cid: str, name: str, value, ext=None, ctype="TextField", alias="") -> dict:
    item = {"id": cid, "name": name, "value": value, "componentType": ctype, "bizAlias": alias}
    if ext is not None:
        item["extValue"] = ext
    return item


def _leave(approval: Approval, corp_id: str) -> list[dict]:
    leave, unit = approval.leave_type(), approval.unit
    t1, t2 = _text(approval.begin, unit), _text(approval.end, unit, end=True)
    duration = approval.duration_hours if unit == "hour" else approval.duration_days
    ext = {
        "durationInHour": approval.duration_hours,
        "durationInDay": approval.duration_days,
        "unit": unit,
        "pushTag": "请假",
        "extension": _dumps({"tag": "请假"}),
        "key": leave.leave_code,
        "leaveParams": [corp_id, leave.leave_code, t1, t2, approval.userid],
        "compressedValue": "",
        "detailList": _detail_list(approval),
    }
    value = [t1, t2, duration, unit, leave.leave_name, "请假类型"]
    return [
        _component(
            "DDHolidayField-J2BWEN12",
            _dumps(["开始时间", "结束时间"]),
            _dumps(value),
            _dumps(ext),
            "DDHolidayField",
        ),
        _component("TextareaField-K2AD4O5B", "请假事由", "个人事务", ctype="TextareaField"),
    ]


def _supply(approval: Approval) -> list[dict]:
    _, work_date, check_type = approval.supplied_point()
    at = approval.supplied_at()
    label = "上班" if check_type == "OnDuty" else "下班"
    tip = f"周{_WEEKDAYS[work_date.weekday()]} ( {work_date:%m.%d} {label}) 补卡"
    ext = {
        "timeStamp": epoch_ms(at),
        "workDate": epoch_ms(midnight(work_date)),
        "planText": f"{label} {at:%H:%M}",
        "userCheckTime": epoch_ms(at),
        "planTip": tip,
    }
    return [
        _component(
            "DDDateField_1K9QMHJ4Y5TS0",
            "补卡时间",
            at.strftime("%Y-%m-%d %H:%M"),
            _dumps(ext),
            "DDDateField",
            "supplyTime",
        ),
        _component("TextField_2J0FJ3K4M", "缺卡原因", "忘记打卡", alias="reason"),
    ]


def _duration(approval: Approval, alias: str = "duration") -> dict:
    ext = {
        "durationInDay": approval.duration_days,
        "durationInHour": approval.duration_hours,
        "unit": approval.unit,
        "detailList": [
            {
                "workDate": epoch_ms(midnight(day)),
                "_from": epoch_ms(approval.begin),
                "_to": epoch_ms(approval.end),
            }
            for day in sorted(approval.per_day)
        ],
    }
    return _component(
        "NumberField_DURATION",
        "时长",
        str(approval.duration_hours),
        _dumps(ext),
        "NumberField",
        alias,
    )


def _out(approval: Approval) -> list[dict]:
    unit = approval.unit
    return [
        _component("TextField_TYPE", "外出类型", "外出", alias="type"),
        _component(
            "DDDateField_START",
            "开始时间",
            _text(approval.begin, unit),
            ctype="DDDateField",
            alias="startTime",
        ),
        _component(
            "DDDateField_FINISH",
            "结束时间",
            _text(approval.end, unit),
            ctype="DDDateField",
            alias="finishTime",
        ),
        _duration(approval),
        _component(
            "InnerContactField_TRAVELER",
            "同行人",
            approval.userid,
            ctype="InnerContactField",
            alias="traveler",
        ),
    ]


def _overtime(approval: Approval) -> list[dict]:
    day: date = next(iter(approval.per_day))
    every_day = [
        {"overtimeDate": epoch_ms(midnight(day)), "overtimeDuration": approval.duration_hours}
    ]
    fields = (  # (id, label, value, componentType, bizAlias)
        ("InnerContactField_PARTNER", "加班人", approval.userid, "InnerContactField", "partner"),
        (
            "DDDateField_START",
            "开始时间",
            _text(approval.begin, "hour"),
            "DDDateField",
            "startTime",
        ),
        (
            "DDDateField_FINISH",
            "结束时间",
            _text(approval.end, "hour"),
            "DDDateField",
            "finishTime",
        ),
        ("TableField_EVERYDAY", "每日时长", _dumps(every_day), "TableField", "everyDayDuration"),
        ("DDSelectField_COMP", "加班补偿", "调休", "DDSelectField", "compensation"),
    )
    children = [
        _component(cid, name, value, ctype=ct, alias=al) for cid, name, value, ct, al in fields
    ]
    duration = _duration(approval)
    children.insert(4, {**duration, "extendValue": duration["extValue"]})
    suite = _component(
        "DDBizSuite-OVERTIME",
        "加班",
        _dumps(children),
        ctype="DDBizSuite",
        alias="attendance.batchovertime",
    )
    return [suite]


def _trip(approval: Approval) -> list[dict]:
    dates = [
        approval.begin.strftime("%Y-%m-%d"),
        approval.end.strftime("%Y-%m-%d"),
        approval.duration_days,
        "day",
    ]
    return [
        _component(
            "DDDateRangeField_TRIP",
            _dumps(["开始时间", "结束时间"]),
            _dumps(dates),
            ctype="DDDateRangeField",
        ),
        _component("TextField_CITY", "出差城市", "上海"),
    ]


def form_values(approval: Approval, corp_id: str) -> list[dict]:
    """The instance's form, by kind (leave, supply, out, overtime, trip)."""
    if approval.kind == "leave":
        return _leave(approval, corp_id)
    if approval.kind == "supply":
        return _supply(approval)
    if approval.kind == "out":
        return _out(approval)
    if approval.kind == "overtime":
        return _overtime(approval)
    return _trip(approval)
