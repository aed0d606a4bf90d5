"""Event validation accepts the documented payloads and names the reason for everything else."""

from __future__ import annotations

import re

import pytest

from pipelines.stream.event_types import KNOWN_EVENTS
from pipelines.stream.events import DateWindow, InvalidEvent, _date_field, _epoch_field, parse_event
from tests.stream.event_examples import NOW_MS, spelled_payloads
from tests.stream.event_examples import event_frame as frame

VALID = {
    "attendance_check_record": {"dataList": [{"userId": "u1", "checkTime": NOW_MS}]},
    "attendance_overtime_duration": {"dataList": [{"userid": "u1", "workDate": NOW_MS}]},
    "attendance_approve_status_change": {"processInstanceId": "p", "status": "finish"},
    "bpms_instance_change": {"processInstanceId": "p", "type": "finish"},
    "bpms_task_change": {"processInstanceId": "p", "type": "start"},
    "attend_user_daily_summary_refresh": {"workDate": "2026-11-27", "userId": "u"},
    "attend_bossCheck_change": {"workDate": "2026-11-27 00:00:00", "userId": "u", "planId": 1},
    "attendance_report_column_change": {"columnId": "10001", "type": "ADD"},
    "attend_group_change": {"id": 11112222, "action": "attend_group_delete"},
    "attend_shift_change": {"id": "1", "action": "attend_shift_update"},
    "attendance_schedule_change": {},
    "user_add_org": {"userId": ["u1"], "timeStamp": "1685501863357"},
    "user_modify_org": {"userId": ["u1"]},
    "user_leave_org": {"userId": ["u1"]},
    "user_active_org": {"userId": ["u1"]},
    "org_dept_create": {"deptId": [1]},
    "org_dept_modify": {"deptId": [1]},
    "org_dept_remove": {"deptId": [1]},
}


def test_every_known_type_has_a_valid_example():
    assert set(VALID) == set(KNOWN_EVENTS)


@pytest.mark.parametrize("event_type", sorted(VALID))
def test_documented_payloads_are_accepted(event_type):
    event = parse_event(frame(event_type, VALID[event_type]))
    assert (event.event_id, event.event_type, event.message_id) == ("e1", event_type, "m1")
    assert event.payload == VALID[event_type]
    assert event.corp_id == "dingcorp"
    assert event.headers["eventId"] == "e1" and event.headers["messageId"] == "m1"


def test_the_http_callback_spelling_datalist_is_accepted():
    # Reference 5.1: the old HTTP callback capitalised the list; the mapping reads it too.
    data = {"DataList": [{"userId": "u1", "checkTime": NOW_MS}]}
    assert parse_event(frame("attendance_check_record", data)).payload == data


def test_a_reason_names_the_spelling_the_payload_used():
    data = {"DataList": [{"checkTime": NOW_MS}]}
    with pytest.raises(InvalidEvent, match=re.escape("missing field DataList[0].userId")):
        parse_event(frame("attendance_check_record", data))


def test_org_events_accept_the_failed_list_spelling_userid():
    assert parse_event(frame("user_leave_org", {"userid": ["u1"]})).event_type == "user_leave_org"


@pytest.mark.parametrize("event_type", sorted(KNOWN_EVENTS))
def test_every_spelling_in_the_event_table_is_accepted(event_type):
    payloads = list(spelled_payloads(KNOWN_EVENTS[event_type]))
    assert payloads
    for data in payloads:
        assert parse_event(frame(event_type, data)).payload == data


@pytest.mark.parametrize(
    ("event_type", "data", "headers", "reason"),
    [
        (
            "attend_user_daily_summary_refresh",
            {"workDate": "2026-11-27", "userId": "u"},
            {"eventId": None},
            "missing header eventId",
        ),
        ("x", {}, {"eventType": None}, "missing header eventType"),
        ("attendance_schedule_change", {}, {"messageId": None}, "missing header messageId"),
        ("attendance_schedule_change", {}, {"eventBornTime": None}, "missing header eventBornTime"),
        ("attendance_schedule_change", {}, {"eventBornTime": "5"}, "absurd date in eventBornTime"),
        ("attendance_schedule_change", {}, {"eventBornTime": str(10**20)}, "absurd date"),
        ("no_such_event", {}, {}, "unknown event type 'no_such_event'"),
        ("attendance_schedule_change", [1, 2], {}, "data is a JSON list"),
        ("attendance_check_record", {"dataList": []}, {}, "missing field dataList"),
        ("attendance_check_record", {"dataList": [5]}, {}, "dataList[0] is not an object"),
        (
            "attendance_check_record",
            {"dataList": [{"checkTime": NOW_MS}]},
            {},
            "missing field dataList[0].userId",
        ),
        (
            "attendance_check_record",
            {"dataList": [{"userId": "u", "checkTime": "soon"}]},
            {},
            "dataList[0].checkTime is not epoch milliseconds",
        ),
        (
            "attendance_check_record",
            {"dataList": [{"userId": "u", "checkTime": 1}]},
            {},
            "absurd date in dataList[0].checkTime",
        ),
        (
            "attend_user_daily_summary_refresh",
            {"workDate": "2026-02-30", "userId": "u"},
            {},
            "not a real date",
        ),
        (
            "attend_user_daily_summary_refresh",
            {"workDate": "3026-01-01", "userId": "u"},
            {},
            "absurd date in workDate",
        ),
        (
            "attend_user_daily_summary_refresh",
            {"workDate": "27/11/2026", "userId": "u"},
            {},
            "workDate is not a yyyy-MM-dd date",
        ),
        (
            "attend_user_daily_summary_refresh",
            {"workDate": "2026-11-27", "userId": ""},
            {},
            "userId is not a non-empty string",
        ),
        ("attend_group_change", {"id": True, "action": "x"}, {}, "id is not an id"),
        ("user_add_org", {"userId": "u1"}, {}, "userId is not a non-empty list"),
    ],
)
def test_bad_events_are_refused_with_a_reason(event_type, data, headers, reason):
    with pytest.raises(InvalidEvent, match=re.escape(reason)):
        parse_event(frame(event_type, data, **headers))


@pytest.mark.parametrize(
    "work_date", ["2026-11-05\n", "2026-11-05 99:99:99", "２０２６-11-05", "2026-11-05 1０:00:00"]
)
def test_dates_are_validated_strictly(work_date):
    with pytest.raises(InvalidEvent):
        _date_field(work_date, "workDate", DateWindow())


@pytest.mark.parametrize("value", ["²³", "１２３", "12\n"])
def test_epoch_strings_take_ascii_digits_only(value):
    with pytest.raises(InvalidEvent, match="not epoch milliseconds"):
        _epoch_field(value, "checkTime", DateWindow())
