"""The console-export layouts: which warehouse column fills which DingTalk header.

One table per sheet (月度汇总, 每日统计, 打卡时间, 原始记录), shared by the HTML page, the
workbook and the CSV so that they always show the same columns under the same names. The
mapping is documented in docs/reports.md.
"""

from __future__ import annotations

from dataclasses import dataclass

# Excel number formats (openpyxl); the page uses the same precision.
INTEGER = "0"
DECIMAL = "0.0#"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm:ss"
TIME = "hh:mm"
TEXT = "@"


@dataclass(frozen=True)
class Column:
    """One exported column: its key in the loaded rows, its header, its number format."""

    key: str
    header: str
    number_format: str = TEXT


IDENTITY = (
    Column("name", "姓名"),
    Column("dept_name", "部门"),
    Column("job_number", "工号"),
    Column("title", "职位"),
    Column("userid", "UserId"),
)

MONTHLY_FIGURES = (
    Column("should_attend_days", "应出勤天数", DECIMAL),
    Column("attended_days", "出勤天数", DECIMAL),
    Column("late_count", "迟到次数", INTEGER),
    Column("late_minutes", "迟到时长(分钟)", DECIMAL),
    Column("early_count", "早退次数", INTEGER),
    Column("early_minutes", "早退时长(分钟)", DECIMAL),
    Column("missing_count", "缺卡次数", INTEGER),
    Column("absent_days", "旷工天数", DECIMAL),
    Column("overtime_hours", "加班时长(小时)", DECIMAL),
    Column("leave_hours", "请假(小时)", DECIMAL),
)
MONTHLY_STATUS = (
    Column("days_settled", "已结算天数", INTEGER),
    Column("days_loaded", "已加载天数", INTEGER),
)

DAILY_FIGURES = (
    Column("attended_days", "出勤天数", DECIMAL),
    Column("late_count", "迟到次数", INTEGER),
    Column("late_minutes", "迟到时长(分钟)", DECIMAL),
    Column("early_count", "早退次数", INTEGER),
    Column("early_minutes", "早退时长(分钟)", DECIMAL),
    Column("missing_count", "缺卡次数", INTEGER),
    Column("absent_days", "旷工天数", DECIMAL),
    Column("leave_hours", "请假(小时)", DECIMAL),
    Column("overtime_hours", "加班时长(小时)", DECIMAL),
    Column("status_label", "考勤结果"),
    Column("settled_label", "已结算"),
)

PUNCH_RECORD = (
    Column("work_date", "考勤日期", DATE),
    Column("check_type_label", "打卡类型"),
    Column("user_check_time", "打卡时间", DATETIME),
    Column("time_result_label", "打卡结果"),
    Column("location_result_label", "地点结果"),
    Column("location_method", "打卡方式"),
    Column("user_address", "打卡地址"),
    Column("device_sn", "打卡设备"),
    Column("source_label", "数据来源"),
    Column("valid_label", "是否有效"),
    Column("invalid_record_msg", "异常打卡原因"),
    Column("proc_inst_id", "关联的审批单"),
)

# DingTalk's labels for the codes the APIs send (the console shows these words).
TIME_RESULT_LABELS = {
    "Normal": "正常",
    "Early": "早退",
    "Late": "迟到",
    "SeriousLate": "严重迟到",
    "Absenteeism": "旷工迟到",
    "NotSigned": "缺卡",
}
LOCATION_RESULT_LABELS = {"Normal": "范围内", "Outside": "范围外", "NotSigned": "未打卡"}
CHECK_TYPE_LABELS = {"OnDuty": "上班", "OffDuty": "下班"}
SOURCE_LABELS = {
    "USER": "用户打卡",
    "ATM": "考勤机",
    "BEACON": "蓝牙",
    "DING_ATM": "钉钉考勤机",
    "BOSS": "管理员修改",
    "APPROVE": "审批",
    "SYSTEM": "系统",
    "AUTO_CHECK": "自动打卡",
}
STATUS_LABELS = {
    "rest": "休息",
    "absent": "旷工",
    "missing": "缺卡",
    "late": "迟到",
    "early": "早退",
    "leave": "请假",
    "normal": "正常",
}


def leave_column(leave_type: str) -> Column:
    """The column of one leave type in 月度汇总 (hours, as the marts hold them)."""
    return Column(f"leave:{leave_type}", f"{leave_type}(小时)", DECIMAL)


def label(labels: dict[str, str], code: str | None) -> str:
    """DingTalk's word for `code`; the code itself when DingTalk added one we do not know."""
    if code is None:
        return ""
    return labels.get(code, code)
