"""Every example payload of the DingTalk reference parses into the typed models, quirks included."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from pipelines.days import SHANGHAI
from pipelines.dingtalk.api_attendance import parse_rows
from pipelines.dingtalk.errors import DingTalkError
from pipelines.dingtalk.models import (
    AttendanceResult,
    ColumnValues,
    Department,
    FailedResultsPage,
    LeaveStatus,
    LeaveTimeValues,
    ProcessInstance,
    PunchRecord,
    ReportColumn,
    ScheduleItem,
    UpdateData,
    User,
    UserSchedule,
    VacationType,
)

# Reference 2.1 (getupdatedata `result`), verbatim.
UPDATE_DATA = {
    "approve_list": [
        {"duration_unit": "day", "duration": "2.0", "sub_type": "年假", "tag_name": "请假",
         "procInst_id": "1234abcd", "begin_time": "2019-08-15", "biz_type": 3,
         "end_time": "2019-08-17", "gmt_finished": "2019-08-15"}
    ],
    "attendance_result_list": [
        {"location_method": "MAP", "record_id": 53429818546, "group_id": 710705191,
         "location_result": "Normal", "class_id": 709595172, "time_result": "Late",
         "user_address": "绿城未来park", "user_check_time": "2021-01-14 11:21:59",
         "plan_check_time": "2021-01-14 09:00:00", "check_type": "OnDuty",
         "source_type": "USER", "plan_id": 176929277767,
         "outside_remark": "外勤", "procInst_id": "PRO-xxx"}
    ],
    "corpId": "dinge8xxxx",
    "work_date": "2021-01-14 09:00:00",
    "userid": "user01",
    "check_record_list": [
        {"record_id": 52710882700, "user_check_time": "2021-01-14 11:19:04", "valid_matched": False,
         "user_accuracy": "15.0", "source_type": "USER", "invalid_record_msg": "外勤打卡需要审批",
         "invalid_record_type": "Other", "user_longitude": "120.017267",
         "user_latitude": "30.286036", "user_ssid": "alibaba-inc1",
         "user_mac_addr": "11:11:11:11:11:11", "base_accuracy": "0.0", "base_address": "测试"}
    ],
    "class_setting_info": {"rest_time_vo_list": [{"rest_begin_time": 0, "rest_end_time": 0}]},
}  # fmt: skip

# Reference 2.2 (attendance/list row).
LIST_ROW = {
    "checkType": "OnDuty", "locationResult": "Normal", "baseCheckTime": 1599372300000,
    "groupId": 685935028, "timeResult": "Normal", "userId": "manager4220",
    "recordId": 42833709096, "workDate": 1599321600000, "sourceType": "APPROVE",
    "userCheckTime": 1599372300000, "planId": 145583519353, "id": 100068640553,
    "procInstId": "59f77e82-6625-4a31-b434", "approveId": 2376620852,
}  # fmt: skip

# Reference 2.3 (attendance/listRecord row).
RECORD_ROW = {
    "gmtModified": 1599454972000, "baseCheckTime": 1599442200000, "groupId": 685935028,
    "timeResult": "Normal", "deviceId": "67da0fxxxx", "approveId": 2376620852,
    "userAccuracy": 65, "classId": 677995086, "workDate": 1599408000000,
    "bizId": "E171DCCExxxx", "planId": 144872188720, "id": 43047156750, "checkType": "OnDuty",
    "planCheckTime": 1599442200000, "corpId": "dinge8axxxx5384", "locationResult": "Outside",
    "userLongitude": 120.017139, "isLegal": "N", "procInstId": "59f77e82-xxxx",
    "gmtCreate": 1599441505000, "userId": "manager4220", "outsideRemark": "拜访客户",
    "userAddress": "浙江省杭州市", "userLatitude": 30.285413, "sourceType": "USER",
    "userCheckTime": 1599441505000, "locationMethod": "MAP",
}  # fmt: skip

PROCESS_INSTANCE = {
    "title": "xx提交的请假申请", "finishTime": "2022-08-31T11:52Z", "originatorUserId": "manager1",
    "originatorDeptId": "-1", "originatorDeptName": "测试", "status": "RUNNING",
    "approverUserIds": ["manager1"], "ccUserIds": ["manager1"], "result": "agree",
    "businessId": "111",
    "operationRecords": [{"userId": "manager1", "date": "2022-08-31T11:52Z",
                          "type": "EXECUTE_TASK_NORMAL", "result": "AGREE", "remark": "评论",
                          "showName": "审批人", "activityId": "aabb-ccdd"}],
    "tasks": [{"taskId": 111, "userId": "manager1", "status": "NEW", "result": "REDIRECTED",
               "createTime": "2022-08-31T11:52Z", "finishTime": "2022-08-31T11:52Z",
               "processInstanceId": "111", "activityId": "111", "taskGroupName": "审批人1"}],
    "bizAction": "MODIFY", "bizData": "{\"mykey\": \"myData\"}",
    "attachedProcessInstanceIds": ["instance1"], "mainProcessInstanceId": "111",
    "formComponentValues": [{"id": "DDHolidayField-J2Bxxxx", "name": "组件1", "value": "示例值",
                             "extValue": "示例值", "componentType": "DDSelectField",
                             "bizAlias": "TextField-bizAlias"}],
    "createTime": "2022-08-31T11:52Z",
}  # fmt: skip


def test_update_data_keeps_the_mixed_case_fields():
    parsed = UpdateData.model_validate(UPDATE_DATA)
    assert parsed.corp_id == "dinge8xxxx"
    assert parsed.work_date == date(2021, 1, 14)
    assert parsed.approve_list[0].proc_inst_id == "1234abcd"
    assert parsed.approve_list[0].begin_time == datetime(2019, 8, 15, tzinfo=SHANGHAI)
    result = parsed.attendance_result_list[0]
    assert result.proc_inst_id == "PRO-xxx"
    assert result.user_check_time == datetime(2021, 1, 14, 11, 21, 59, tzinfo=SHANGHAI)
    assert parsed.check_record_list[0].valid_matched is False


def test_attendance_list_row_turns_epoch_ms_into_shanghai_times():
    row = AttendanceResult.model_validate(LIST_ROW)
    assert row.work_date == date(2020, 9, 6)  # 1599321600000 is 2020-09-06 00:00+08:00
    assert row.user_check_time == datetime(2020, 9, 6, 14, 5, tzinfo=SHANGHAI)
    assert row.user_check_time is not None
    assert row.user_check_time.utcoffset() == timedelta(hours=8)
    assert (row.user_id, row.proc_inst_id, row.approve_id) == (
        "manager4220",
        "59f77e82-6625-4a31-b434",
        2376620852,
    )


def test_list_record_row_parses_numbers_and_flags():
    row = PunchRecord.model_validate(RECORD_ROW)
    assert row.work_date == date(2020, 9, 7)
    assert row.is_legal == "N" and row.location_result == "Outside"
    assert row.user_latitude == pytest.approx(30.285413)
    assert row.biz_id == "E171DCCExxxx" and row.corp_id == "dinge8axxxx5384"


def test_report_column_examples_parse():
    columns = [
        {"alias": "should_attendance_days", "expression_id": 129334038, "id": 129339038,
         "name": "应出勤天数", "status": 0, "sub_type": 0, "type": 0},
        {"alias": "making_up_lack_times", "id": 129339039, "name": "补卡次数"},
    ]  # fmt: skip
    parsed = parse_rows(ReportColumn, columns, "getattcolumns")
    assert [column.id for column in parsed] == [129339038, 129339039]


def test_getcolumnval_and_getleavetimebynames_spellings_map_to_the_same_names():
    values = ColumnValues.model_validate(
        {"column_vals": [{"date": "2020-09-07 00:00:00", "value": "1.0"}],
         "column_vo": {"id": 129339038}}
    )  # fmt: skip
    leave = LeaveTimeValues.model_validate(
        {"columnvals": [{"date": "2020-09-01 00:00:00", "value": "0.0"}],
         "columnvo": {"alias": "leave_", "name": "事假", "status": 0, "sub_type": 0, "type": 0}}
    )  # fmt: skip
    assert values.column.id == 129339038 and values.values[0].value == "1.0"
    assert values.values[0].date == datetime(2020, 9, 7, tzinfo=SHANGHAI)
    assert leave.column.name == "事假" and leave.values[0].value == "0.0"


def test_fixed_value_columns_have_no_series():
    only_fixed = ColumnValues.model_validate({"column_vo": {"id": 7, "fixed_value": "8"}})
    assert only_fixed.values == [] and only_fixed.column.fixed_value == "8"


def test_leave_status_example_parses():
    row = LeaveStatus.model_validate(
        {"duration_percent": 650, "duration_unit": "percent_hour", "end_time": 1599465600000,
         "start_time": 1599372000000, "leave_code": "16f856xxxx09aa16", "userid": "user123"}
    )  # fmt: skip
    assert row.start_time == datetime(2020, 9, 6, 14, 0, tzinfo=SHANGHAI)
    assert row.duration_percent == 650


def test_vacation_type_string_booleans_become_booleans():
    row = VacationType.model_validate(
        {"leave_code": "abc", "leave_name": "年假", "leave_view_unit": "day",
         "biz_type": "general_leave", "natural_day_leave": "false", "hours_in_per_day": 1000,
         "source": "inner", "leave_certificate": {"enable": False}}
    )  # fmt: skip
    assert row.natural_day_leave is False and row.hours_in_per_day == 1000


def test_schedule_examples_parse():
    item = ScheduleItem.model_validate(
        {"check_type": "OnDuty", "class_id": 677995086, "class_setting_id": 599315627,
         "group_id": 685935028, "plan_check_time": "2020-11-11 09:30:00",
         "plan_id": 157062792171, "userid": "user01", "approve_id": 1}
    )  # fmt: skip
    by_user = UserSchedule.model_validate(
        {"check_type": "OnDuty", "plan_check_time": "2021-01-14 09:00:00", "group_id": 1,
         "userid": "user01", "work_date": "2021-01-14 00:00:00", "id": 5, "shift_version": 2,
         "shift_id": 0, "is_rest": "Y"}
    )  # fmt: skip
    assert item.plan_check_time == datetime(2020, 11, 11, 9, 30, tzinfo=SHANGHAI)
    assert by_user.work_date == date(2021, 1, 14) and by_user.shift_id == 0


def test_org_examples_parse():
    department = Department.model_validate({"dept_id": 2, "name": "研发", "parent_id": 1})
    user = User.model_validate(
        {"userid": "u1", "unionid": "x", "name": "张三", "active": True, "dept_id_list": [2]}
    )
    assert department.parent_id == 1 and user.dept_id_list == [2]


def test_process_instance_example_parses_iso_minutes():
    instance = ProcessInstance.model_validate(PROCESS_INSTANCE)
    assert instance.finish_time == datetime(2022, 8, 31, 19, 52, tzinfo=SHANGHAI)
    assert instance.form_component_values[0].ext_value == "示例值"
    assert instance.tasks[0].task_id == 111 and not instance.approved
    assert instance.operation_records[0].result == "AGREE"


def test_new_failed_results_example_parses():
    page = FailedResultsPage.model_validate(
        {"failedList": [{"callBackData": "{}", "callBackTag": "attendance_check_record",
                         "corpId": "ding1", "eventTime": 1606126433000}], "hasMore": False}
    )  # fmt: skip
    assert page.failed_list[0].call_back_tag == "attendance_check_record"
    event_time = page.failed_list[0].event_time
    assert event_time is not None and event_time.tzinfo is not None and page.has_more is False


def test_unknown_fields_are_kept_not_dropped():
    row = AttendanceResult.model_validate({**LIST_ROW, "brandNewField": 1})
    assert row.model_extra == {"brandNewField": 1}


def test_a_malformed_row_is_one_clear_error():
    with pytest.raises(DingTalkError, match=r"/attendance/list: unexpected answer shape .* userId"):
        parse_rows(AttendanceResult, [{**LIST_ROW, "userId": None}], "/attendance/list")


def test_null_leave_values_of_a_type_missing_from_the_report_parse_as_empty():
    from pipelines.dingtalk.models.reports import ColumnValues, LeaveTimeValues

    leave = LeaveTimeValues.model_validate({"columnvals": None, "columnvo": {"name": "婚假"}})
    column = ColumnValues.model_validate({"column_vals": None, "column_vo": {"id": 1}})
    assert leave.values == [] and leave.column.name == "婚假"
    assert column.values == []


def test_non_ascii_digits_are_not_taken_for_times():
    from pipelines.dingtalk.models.types import from_epoch_ms, from_local_string

    assert from_epoch_ms("²³") == "²³"
    assert from_local_string("２０２６-11-05") == "２０２６-11-05"
    assert from_local_string("1700000000000").year == 2023


def test_report_values_are_type_checked_without_a_model_per_value():
    from pipelines.dingtalk.models.reports import ColumnValues

    parsed = parse_rows(
        ColumnValues,
        [{"column_vals": [{"date": 1599408000000, "value": "2"}], "column_vo": {"id": 1}}],
        "getcolumnval",
    )
    assert parsed[0].values[0].date == datetime(2020, 9, 7, tzinfo=SHANGHAI)
    for bad in ({"date": "2020-09-07 00:00:00", "value": 1}, {"date": "soon", "value": "1"}):
        with pytest.raises(DingTalkError, match="column_vals"):
            parse_rows(ColumnValues, [{"column_vals": [bad], "column_vo": {"id": 1}}], "x")
