"""The seed's pitfall: a leave type that is not in the attendance report's columns.

DingTalk's report has no column ids for leave; `getleavetimebynames` answers by leave name, and a
leave type that the admin did not add to the report columns comes back without values (null or
absent). Every such type is one line to fix in the attendance report settings.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.dingtalk.models import LeaveTimeValues
from pipelines.doctor.findings import DoctorReport
from pipelines.doctor.probes import ProbeContext

REPORT_SETTING = "考勤管理 > 考勤统计 > 报表设置 (假期列)"


def missing_leave_names(leave_names: Sequence[str], series: Sequence[LeaveTimeValues]) -> list[str]:
    """Leave names without any value in the `getleavetimebynames` answer, in the given order."""
    answered = {
        item.column.name
        for item in series
        if any(value.value not in (None, "") for value in item.values)
    }
    return [name for name in leave_names if name not in answered]


def check_leave_columns(report: DoctorReport, context: ProbeContext) -> None:
    """One finding per leave type missing from the report columns (none: one `ok`)."""
    series = context.answers.get("leave-hours")
    if series is None:
        report.add("skip", "leave-columns", "leave hours could not be read; fix the checks above.")
        return
    missing = missing_leave_names(context.leave_names, series)
    for name in missing:
        report.add(
            "fail",
            "leave-columns",
            f"leave type {name} is missing from the attendance report columns: add it in "
            f"{REPORT_SETTING}, or its hours stay empty in the warehouse.",
        )
    if not missing:
        count = len(context.leave_names)
        report.add("ok", "leave-columns", f"all {count} leave types are in the report columns.")
