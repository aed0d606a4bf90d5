"""What the org looks like as of the emulator clock: the rules every endpoint and the truth share.

A check point's row (attendance/list, getupdatedata) as of `now`:
1. covered by a leave/trip/out in effect, once the plan time passed -> APPROVE, Normal;
2. corrected by an administrator (at or before now) -> BOSS, Normal;
3. fixed by a 补卡 in effect -> APPROVE, Normal, at the claimed time;
4. punched (at or before now) -> USER, with the punch's result; a late punch past the
   absenteeism threshold reads SeriousLate until the day settles, Absenteeism after;
5. not punched and the day settled -> NotSigned;
6. otherwise no row yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.emulator.model import Approval, CheckPoint

# Report columns (getattcolumns): id, alias, name. Leave columns have no id (by name only).
REPORT_COLUMNS: tuple[tuple[int, str, str], ...] = (
    (129339038, "should_attendance_days", "应出勤天数"),
    (129339040, "attendance_days", "出勤天数"),
    (129339041, "late_times", "迟到次数"),
    (129339042, "late_minute", "迟到时长"),
    (129339043, "serious_late_times", "严重迟到次数"),
    (129339044, "leave_early_times", "早退次数"),
    (129339045, "leave_early_minute", "早退时长"),
    (129339046, "on_work_lack_card_times", "上班缺卡次数"),
    (129339047, "off_work_lack_card_times", "下班缺卡次数"),
    (129339048, "absenteeism_days", "旷工天数"),
    (129339039, "making_up_lack_times", "补卡次数"),
    (129339049, "overtime_duration", "加班时长"),
    (129339050, "business_trip_duration", "出差时长"),
    (129339051, "out_duration", "外出时长"),
    (129339052, "serious_late_minute", "严重迟到时长"),
    (129339053, "absenteeism_late_times", "旷工迟到次数"),
)
# 应出勤天数 only has a value this many days ahead of the clock; beyond, DingTalk answers "0".
SHOULD_ATTEND_HORIZON_DAYS = 15


@dataclass(frozen=True)
class Row:
    """The result of one check point as of a moment."""

    point: CheckPoint
    time_result: str
    location_result: str
    source_type: str
    user_check_time: datetime
    record_id: int | None
    approval: Approval | None


def effective_row(point: CheckPoint, now: datetime) -> Row | None:
    """The row of `point` as of `now` (None: nothing to show yet)."""
    punch = point.punch
    record_id = punch.record_id if punch is not None else None
    cover, supply, boss = point.cover, point.supply, point.boss
    if cover is not None and cover.in_effect(now) and point.plan_time <= now:
        return Row(point, "Normal", "Normal", "APPROVE", point.plan_time, None, cover)
    if boss is not None and boss.at <= now:
        at = punch.at if punch is not None else point.plan_time
        return Row(point, boss.time_result, "Normal", "BOSS", at, record_id, None)
    if supply is not None and supply.in_effect(now):
        return Row(point, "Normal", "Normal", "APPROVE", supply.supplied_at(), None, supply)
    settled = now >= point.settle_at
    if punch is not None and punch.at <= now:
        result = point.raw_result
        if result == "Absenteeism" and not settled:
            result = "SeriousLate"
        return Row(point, result, punch.location_result, "USER", punch.at, record_id, None)
    if settled:
        return Row(point, "NotSigned", "NotSigned", "SYSTEM", point.plan_time, None, None)
    return None


def _minutes(row: Row) -> int:
    return int(abs((row.user_check_time - row.point.plan_time).total_seconds()) // 60)


def _count(rows: list[Row], *results: str) -> float:
    return float(sum(r.time_result in results for r in rows))


def _punctuality(rows: list[Row]) -> dict[str, float]:
    """Late, early, missing and absent figures of one user-day's rows.

    The three lateness tiers are exclusive (Late, SeriousLate, Absenteeism on OnDuty points) and
    minutes are whole minutes, seconds truncated: docs/warehouse.md "Figures" states the same.
    """
    on = [r for r in rows if r.point.check_type == "OnDuty"]
    off = [r for r in rows if r.point.check_type == "OffDuty"]
    late = [r for r in on if r.time_result == "Late"]
    serious = [r for r in on if r.time_result == "SeriousLate"]
    early = [r for r in off if r.time_result == "Early"]
    # Missing every check point is a day of absence (旷工), not two missing punches (缺卡).
    absent = len(rows) >= 2 and _count(rows, "NotSigned") == len(rows)
    return {
        "late_times": float(len(late)),
        "late_minute": float(sum(_minutes(r) for r in late)),
        "serious_late_times": float(len(serious)),
        "serious_late_minute": float(sum(_minutes(r) for r in serious)),
        "absenteeism_late_times": _count(on, "Absenteeism"),
        "leave_early_times": float(len(early)),
        "leave_early_minute": float(sum(_minutes(r) for r in early)),
        "on_work_lack_card_times": 0.0 if absent else _count(on, "NotSigned"),
        "off_work_lack_card_times": 0.0 if absent else _count(off, "NotSigned"),
        "absenteeism_days": 1.0 if absent else 0.5 * _count(rows, "Absenteeism"),
    }


def report_values(
    day: date, scheduled: bool, rows: list[Row], approvals: list[Approval], now: datetime
) -> dict[str, float | None]:
    """Report column values of one user-day by alias (None: DingTalk's "0" beyond 15 days)."""
    attended = any(
        r.source_type in ("USER", "BOSS")
        or (r.approval is not None and r.approval.kind in ("supply", "trip", "out"))
        for r in rows
    )
    horizon = (now.date() + timedelta(days=SHOULD_ATTEND_HORIZON_DAYS)) >= day

    def spent(kind: str, index: int) -> float:
        return sum(a.per_day[day][index] for a in approvals if a.kind == kind and day in a.per_day)

    return {
        "should_attendance_days": (1.0 if scheduled else 0.0) if horizon else None,
        "attendance_days": 1.0 if attended else 0.0,
        **_punctuality(rows),
        "making_up_lack_times": float(
            sum(r.approval is not None and r.approval.kind == "supply" for r in rows)
        ),
        "overtime_duration": spent("overtime", 1),
        "business_trip_duration": spent("trip", 0),
        "out_duration": spent("out", 1),
    }


def wire_value(value: float | None) -> str:
    """Report values travel as strings ("1.0"); beyond the horizon DingTalk answers "0"."""
    return "0" if value is None else f"{value:.1f}"


def leave_value(approvals: list[Approval], leave_name: str, unit: str, day: date) -> float:
    """Leave of one type on one day: days for day/halfDay types, hours for hour types."""
    index = 1 if unit == "hour" else 0
    return round(
        sum(
            a.per_day[day][index]
            for a in approvals
            if a.kind == "leave"
            and a.leave is not None
            and a.leave.leave_name == leave_name
            and day in a.per_day
        ),
        2,
    )
