"""Typed DingTalk payloads (pydantic), exact wire names as aliases, times in Asia/Shanghai."""

from pipelines.dingtalk.models.attendance import (
    ApproveItem,
    AttendanceResult,
    CheckRecord,
    DailyResult,
    PunchRecord,
    ScheduleItem,
    UpdateData,
    UserSchedule,
)
from pipelines.dingtalk.models.org import (
    ApprovalTask,
    Department,
    FormComponentValue,
    OperationRecord,
    ProcessInstance,
    User,
)
from pipelines.dingtalk.models.reports import (
    ColumnRef,
    ColumnValues,
    DatedValue,
    FailedResult,
    FailedResultsPage,
    LeaveColumn,
    LeaveStatus,
    LeaveTimeValues,
    ReportColumn,
    VacationType,
)

__all__ = [
    "ApprovalTask",
    "ApproveItem",
    "AttendanceResult",
    "CheckRecord",
    "ColumnRef",
    "ColumnValues",
    "DailyResult",
    "DatedValue",
    "Department",
    "FailedResult",
    "FailedResultsPage",
    "FormComponentValue",
    "LeaveColumn",
    "LeaveStatus",
    "LeaveTimeValues",
    "OperationRecord",
    "ProcessInstance",
    "PunchRecord",
    "ReportColumn",
    "ScheduleItem",
    "UpdateData",
    "User",
    "UserSchedule",
    "VacationType",
]
