"""The days an approval covers are read from its form, whatever shape the suite uses."""

from __future__ import annotations

import json
from datetime import date, datetime

from pipelines.refresh.approval_days import SHANGHAI, covered_days


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).timestamp() * 1000)


def test_leave_detail_list_gives_every_covered_day():
    days = [date(2026, 8, 13), date(2026, 8, 14)]
    ext = {
        "durationInHour": 14.87,
        "extension": json.dumps({"tag": "请假"}),
        "detailList": [{"workDate": _ms(day), "approveInfo": {}} for day in days],
    }
    instance = {
        "originatorUserId": "u1",
        "formComponentValues": [
            {
                "componentType": "DDHolidayField",
                "value": json.dumps(
                    ["2026-08-13 12:08", "2026-08-14 18:08", 14.87, "hour", "事假", "请假类型"]
                ),
                "extValue": json.dumps(ext),
            }
        ],
    }
    covered = covered_days(instance)
    assert covered.users == {"u1"}
    assert covered.days == tuple(days)
    assert covered.source == "form"


def test_make_up_punch_uses_the_shift_work_date_not_the_punch_day():
    ext = {"timeStamp": 1, "workDate": _ms(date(2026, 8, 4)), "planTip": "周二 ( 08.04 下班) 补卡"}
    instance = {
        "originatorUserId": "u2",
        "formComponentValues": [
            {"name": "补卡时间", "value": "2026-08-05 04:00", "extValue": json.dumps(ext)}
        ],
    }
    assert covered_days(instance).days == (date(2026, 8, 4),)


def test_overtime_container_holds_json_inside_json():
    children = [
        {"bizAlias": "everyDayDuration", "value": json.dumps([{"overtimeDate": "2026-09-01"}])}
    ]
    instance = {"originatorUserId": "u3", "formComponentValues": [{"value": json.dumps(children)}]}
    assert covered_days(instance).days == (date(2026, 9, 1),)


def test_unparseable_form_falls_back_to_a_bounded_window():
    instance = {
        "originatorUserId": "u4",
        "createTime": "2026-09-10T01:00Z",
        "finishTime": "2026-09-11T02:00Z",
        "formComponentValues": [{"value": "not json", "extValue": "{broken"}],
    }
    covered = covered_days(instance)
    assert covered.source == "window"
    assert covered.days[0] == date(2026, 9, 9) and covered.days[-1] == date(2026, 9, 12)


def test_window_is_capped():
    instance = {"createTime": "2026-01-01T00:00Z", "finishTime": "2026-06-01T00:00Z"}
    assert len(covered_days(instance).days) == 32
