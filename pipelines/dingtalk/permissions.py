"""The permission each endpoint needs, as the developer console (开发者后台 › 权限管理) names it.

One table for `doctor`'s probes and for the errors a refused call raises, so a sync that fails
for a missing permission names the same thing to grant as `doctor`. The permission codes are
the reference's where it gives them (dingtalk-api.md); the families follow the console.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.dingtalk import endpoints as e

CONTACTS = "通讯录 成员信息读权限 (qyapi_get_member)"
DEPARTMENTS = "通讯录 部门信息读权限 (qyapi_get_department_list)"
ROSTER = "智能人事 花名册读权限 (queryonjob)"
ATTENDANCE = "考勤 考勤数据读权限 (qyapi_get_attendance_data)"
SCHEDULES = "考勤 排班读权限 (qyapi_attendance_group_read)"
REPORT = "考勤 统计报表 (qyapi_base; enable 智能统计)"
LEAVE_TYPES = "考勤 假期类型读权限 (qyapi_holiday_readonly)"
LEAVE_HOURS = "考勤 统计报表 (getleavetimebynames)"
APPROVALS = "审批 实例读权限 (Workflow.Instance.Read)"
CALLBACKS = "事件订阅 推送失败列表 (qyapi_base)"

BY_PATH: dict[str, str] = {
    e.DEPARTMENTS.path: DEPARTMENTS,
    e.DEPARTMENT.path: DEPARTMENTS,
    e.DEPARTMENT_USER_IDS.path: CONTACTS,
    e.USER.path: CONTACTS,
    e.DEPARTMENT_USERS.path: CONTACTS,
    e.ON_JOB.path: ROSTER,
    e.UPDATE_DATA.path: ATTENDANCE,
    e.ATTENDANCE_LIST.path: ATTENDANCE,
    e.ATTENDANCE_RECORDS.path: ATTENDANCE,
    e.LEAVE_STATUS.path: ATTENDANCE,
    e.SCHEDULES_BY_USERS.path: SCHEDULES,
    e.LIST_SCHEDULE.path: SCHEDULES,
    e.REPORT_COLUMNS.path: REPORT,
    e.COLUMN_VALUES.path: REPORT,
    e.LEAVE_TIME_BY_NAMES.path: LEAVE_HOURS,
    e.VACATION_TYPES.path: LEAVE_TYPES,
    e.VACATION_QUOTAS.path: LEAVE_TYPES,
    e.PROCESS_INSTANCE.path: APPROVALS,
    e.FAILED_PUSH.path: CALLBACKS,
}


def permission_for(endpoint: str, required_scopes: Iterable[str] = ()) -> str:
    """What to grant for `endpoint`: the scopes DingTalk named, else the table's entry."""
    scopes = [scope for scope in required_scopes if scope]
    if scopes:
        return ", ".join(scopes)
    path = endpoint.split("?", 1)[0]
    return BY_PATH.get(path, f"the permission of {path} (`dingtalk-attendance doctor` names it)")
