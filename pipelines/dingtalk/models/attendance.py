"""Attendance payloads: `attendance/list`, `attendance/listRecord`, `getupdatedata`, schedules.

Field names follow the wire exactly through aliases, including the quirks the reference lists:
`procInst_id` and `corpId` inside the otherwise snake_case `getupdatedata` result.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from pipelines.dingtalk.models.types import EpochMs, LocalDateTime, WireModel, WorkDate


class CamelModel(WireModel):
    """A payload whose wire names are camelCase (`userId`, `workDate`)."""

    model_config = ConfigDict(alias_generator=to_camel)


class AttendanceResult(CamelModel):
    """One scheduled check point from `attendance/list` (打卡结果)."""

    id: int
    user_id: str
    work_date: WorkDate
    check_type: str
    time_result: str
    location_result: str | None = None
    source_type: str | None = None
    base_check_time: EpochMs | None = None
    user_check_time: EpochMs | None = None
    record_id: int | None = None
    plan_id: int | None = None
    group_id: int | None = None
    proc_inst_id: str | None = None
    approve_id: int | None = None


class PunchRecord(CamelModel):
    """One raw punch from `attendance/listRecord` (打卡详情), valid or not."""

    id: int
    user_id: str
    work_date: WorkDate | None = None
    user_check_time: EpochMs
    check_type: str | None = None
    time_result: str | None = None
    location_result: str | None = None
    source_type: str | None = None
    location_method: str | None = None
    base_check_time: EpochMs | None = None
    plan_check_time: EpochMs | None = None
    gmt_create: EpochMs | None = None
    gmt_modified: EpochMs | None = None
    group_id: int | None = None
    plan_id: int | None = None
    class_id: int | None = None
    approve_id: int | None = None
    proc_inst_id: str | None = None
    biz_id: str | None = None
    corp_id: str | None = None
    device_id: str | None = None
    device_sn: str | None = Field(default=None, alias="deviceSN")
    user_address: str | None = None
    user_latitude: float | None = None
    user_longitude: float | None = None
    user_accuracy: float | None = None
    outside_remark: str | None = None
    invalid_record_type: str | None = None
    invalid_record_msg: str | None = None
    is_legal: str | None = None


class ApproveItem(WireModel):
    """An approval that touches the day (`getupdatedata` `approve_list`)."""

    proc_inst_id: str = Field(alias="procInst_id")
    biz_type: int | None = None
    tag_name: str | None = None
    sub_type: str | None = None
    duration: str | None = None
    duration_unit: str | None = None
    begin_time: LocalDateTime | None = None
    end_time: LocalDateTime | None = None
    gmt_finished: LocalDateTime | None = None


class DailyResult(WireModel):
    """A check point result (`getupdatedata` `attendance_result_list`); times are strings."""

    check_type: str
    time_result: str | None = None
    location_result: str | None = None
    location_method: str | None = None
    source_type: str | None = None
    user_check_time: LocalDateTime | None = None
    plan_check_time: LocalDateTime | None = None
    record_id: int | None = None
    plan_id: int | None = None
    class_id: int | None = None
    group_id: int | None = None
    user_address: str | None = None
    outside_remark: str | None = None
    proc_inst_id: str | None = Field(default=None, alias="procInst_id")


class CheckRecord(WireModel):
    """A raw punch of the day (`getupdatedata` `check_record_list`)."""

    record_id: int
    user_check_time: LocalDateTime
    valid_matched: bool | None = None
    source_type: str | None = None
    invalid_record_type: str | None = None
    invalid_record_msg: str | None = None
    user_accuracy: str | None = None
    user_longitude: str | None = None
    user_latitude: str | None = None
    user_ssid: str | None = None
    user_mac_addr: str | None = None
    base_accuracy: str | None = None
    base_address: str | None = None


class UpdateData(WireModel):
    """Everything DingTalk knows about one user's day (`getupdatedata` `result`)."""

    userid: str
    work_date: WorkDate
    corp_id: str | None = Field(default=None, alias="corpId")
    approve_list: list[ApproveItem] = Field(default_factory=list)
    attendance_result_list: list[DailyResult] = Field(default_factory=list)
    check_record_list: list[CheckRecord] = Field(default_factory=list)
    class_setting_info: dict[str, Any] | None = None


class ScheduleItem(WireModel):
    """A planned check point from `listschedule` (one day, whole company)."""

    userid: str
    check_type: str
    plan_check_time: LocalDateTime | None = None
    plan_id: int | None = None
    class_id: int | None = None
    class_setting_id: int | None = None
    group_id: int | None = None
    approve_id: int | None = None
    changed_check_time: LocalDateTime | None = None


class UserSchedule(WireModel):
    """A planned check point from `schedule/listbyusers`; `shift_id` 0 means a rest day."""

    userid: str
    work_date: WorkDate
    check_type: str | None = None
    plan_check_time: LocalDateTime | None = None
    group_id: int | None = None
    id: int | None = None
    shift_id: int | None = None
    shift_version: int | None = None
    approve_id: int | None = None
    is_rest: str | None = None


class ApprovalSummary(CamelModel):
    """An approval synced to attendance (`/v1.0/attendance/approvals/query`, ListApproveByUsers):
    no duration and no process instance id, so it says which user-days to ask getupdatedata."""

    user_id: str
    biz_type: int | None = None
    tag_name: str | None = None
    sub_type: str | None = None
    duration_unit: str | None = None
    begin_time: LocalDateTime
    end_time: LocalDateTime | None = None
    approve_id: str | None = None
