"""One definition of every daily figure (每日统计) and, summed, every monthly one (月度汇总).

Every figure is computed from what DingTalk itself decided, never re-judged locally: the check
points of `attendance_results` (their `time_result` and `source_type`) and the approvals of
`attendance_approvals`. DingTalk's own report values (`attendance_report_values`) are only a
cross-check (`REPORT_ALIASES`, the `report_values_agree` asset check), so a stale report value
can no longer hide a fresh check point. The choices where DingTalk's documentation is silent
(docs/warehouse.md "Figures", and the emulator's `view.py` makes the same ones):

- minutes are whole minutes between plan and punch, seconds truncated;
- lateness has three exclusive tiers on OnDuty check points: Late (迟到), SeriousLate (严重迟到)
  and Absenteeism (旷工迟到); a late punch past the absenteeism threshold reads SeriousLate until
  the day settles, Absenteeism after, and each Absenteeism check point is half a day of 旷工;
- a day on which every check point (at least two) is NotSigned is one day of 旷工, not 缺卡;
- 出勤 means at least one check point the employee attended: punched (USER), corrected by an
  administrator (BOSS), or covered by a 补卡, business trip or outing (APPROVE, not leave);
- an APPROVE check point whose approval is not a known leave, trip or outing is a 补卡 (补卡
  approvals are not listed in getupdatedata's approve_list);
- an approval's share of a day is its duration over the work dates it is listed on, at most one
  day (a multi-day leave partly loaded still counts a whole day, not its whole length).
"""

from __future__ import annotations

# Whole minutes between plan and punch (seconds truncated), for lateness and early leave.
_MINUTES = "floor(abs(epoch(r.user_check_time) - epoch(r.plan_check_time)) / 60)"
_ON, _OFF = "r.check_type = 'OnDuty'", "r.check_type = 'OffDuty'"
# A check point the employee attended (see the module docstring).
_ATTENDING = (
    "r.source_type IN ('USER', 'BOSS') OR (r.source_type = 'APPROVE' "
    "AND coalesce(i.category, 'supply') <> 'leave')"
)
_MAKING_UP = "r.source_type = 'APPROVE' AND i.category IS NULL"

# Per user-day aggregates of the check points (FROM attendance_results r LEFT JOIN instances i).
POINT_AGGREGATES: dict[str, str] = {
    "check_points": "count(*)",
    "not_signed": "count(*) FILTER (WHERE r.time_result = 'NotSigned')",
    "on_not_signed": f"count(*) FILTER (WHERE {_ON} AND r.time_result = 'NotSigned')",
    "off_not_signed": f"count(*) FILTER (WHERE {_OFF} AND r.time_result = 'NotSigned')",
    "absenteeism_points": "count(*) FILTER (WHERE r.time_result = 'Absenteeism')",
    "late_count": f"count(*) FILTER (WHERE {_ON} AND r.time_result = 'Late')",
    "late_minutes": f"sum({_MINUTES}) FILTER (WHERE {_ON} AND r.time_result = 'Late')",
    "serious_late_count": f"count(*) FILTER (WHERE {_ON} AND r.time_result = 'SeriousLate')",
    "serious_late_minutes": (
        f"sum({_MINUTES}) FILTER (WHERE {_ON} AND r.time_result = 'SeriousLate')"
    ),
    "absent_late_count": f"count(*) FILTER (WHERE {_ON} AND r.time_result = 'Absenteeism')",
    "early_count": f"count(*) FILTER (WHERE {_OFF} AND r.time_result = 'Early')",
    "early_minutes": f"sum({_MINUTES}) FILTER (WHERE {_OFF} AND r.time_result = 'Early')",
    "making_up_count": f"count(*) FILTER (WHERE {_MAKING_UP})",
    "attending_points": f"count(*) FILTER (WHERE {_ATTENDING})",
    "pulled_at": "min(r.pulled_at)",
    "last_plan_time": "max(r.plan_check_time)",
    # OnDuty check points whose OffDuty is not in yet (DingTalk shows it once punched or settled).
    "open_shifts": f"count(*) FILTER (WHERE {_ON}) - count(*) FILTER (WHERE {_OFF})",
}

# An approval's share of one work date in hours (leave, overtime, outing) or days (trip), from
# FROM attendance_approvals a JOIN instances i, with $hours_per_day for day-unit approvals.
_IN_DAYS = "a.duration_unit IN ('day', 'halfDay')"
_HOURS_PER_DAY = "coalesce(u.hours_in_per_day, $hours_per_day)"
APPROVAL_SHARE_HOURS = (
    f"CASE WHEN {_IN_DAYS} THEN least(a.duration / i.days, 1.0) * {_HOURS_PER_DAY} "
    "ELSE a.duration / i.days END"
)
APPROVAL_SHARE_DAYS = (
    f"CASE WHEN {_IN_DAYS} THEN least(a.duration / i.days, 1.0) "
    "ELSE a.duration / i.days / $hours_per_day END"
)

# Scheduled: the day has check points. Until a day settles DingTalk shows no row for a check
# point nobody punched yet, so 应出勤天数 (the only schedule in the warehouse) stands in.
_SCHEDULED = "(coalesce(p.check_points, 0) > 0 OR coalesce(rv.should_attend, 0) > 0)"
_ABSENT = "(coalesce(p.check_points, 0) >= 2 AND p.not_signed = p.check_points)"


def _num(expression: str, kind: str = "DOUBLE") -> str:
    return f"CAST(coalesce({expression}, 0) AS {kind})"


# The daily figures (每日统计), each one SQL expression over the user-day's aggregates `p`
# (POINT_AGGREGATES), approvals `ap` and the 应出勤天数 report value `rv`. Sums are cast, so
# no HUGEINT reaches Parquet.
DAILY_FIGURES: dict[str, str] = {
    "scheduled": _SCHEDULED,
    "check_points": _num("p.check_points", "BIGINT"),
    "should_attend_days": f"CAST({_SCHEDULED} AS DOUBLE)",
    "attended_days": "CAST(coalesce(p.attending_points, 0) > 0 AS DOUBLE)",
    "late_count": _num("p.late_count", "BIGINT"),
    "late_minutes": _num("p.late_minutes"),
    "serious_late_count": _num("p.serious_late_count", "BIGINT"),
    "serious_late_minutes": _num("p.serious_late_minutes"),
    "absent_late_count": _num("p.absent_late_count", "BIGINT"),
    "early_count": _num("p.early_count", "BIGINT"),
    "early_minutes": _num("p.early_minutes"),
    "on_missing_count": f"CAST(CASE WHEN {_ABSENT} THEN 0 ELSE coalesce(p.on_not_signed, 0) END "
    "AS BIGINT)",
    "off_missing_count": f"CAST(CASE WHEN {_ABSENT} THEN 0 "
    "ELSE coalesce(p.off_not_signed, 0) END AS BIGINT)",
    "missing_count": f"CAST(CASE WHEN {_ABSENT} THEN 0 "
    "ELSE coalesce(p.not_signed, 0) END AS BIGINT)",
    "absent": f"{_ABSENT} OR coalesce(p.absenteeism_points, 0) > 0",
    "absent_days": f"CAST(CASE WHEN {_ABSENT} THEN 1.0 "
    "ELSE 0.5 * coalesce(p.absenteeism_points, 0) END AS DOUBLE)",
    "making_up_count": _num("p.making_up_count", "BIGINT"),
    "leave_hours": _num("ap.leave_hours"),
    "leave_hours_by_type": "coalesce(ap.leave_by_type, MAP {}::MAP(VARCHAR, DOUBLE))",
    "overtime_hours": _num("ap.overtime_hours"),
    "business_trip_days": _num("ap.trip_days"),
    "out_hours": _num("ap.out_hours"),
}

# The figures that come from approvals; all others come from the check points.
APPROVAL_FIGURES = (
    "leave_hours",
    "leave_hours_by_type",
    "overtime_hours",
    "business_trip_days",
    "out_hours",
)
POINT_FIGURES = tuple(name for name in DAILY_FIGURES if name not in APPROVAL_FIGURES)
# Check-point figures that need the approval a check point is linked to (leave or 补卡?): open
# until that approval is in the warehouse.
RESOLVED_BY_APPROVALS = ("attended_days", "making_up_count")

# The monthly figures (月度汇总): every numeric daily figure summed over the month's days.
MONTHLY_SUMS: dict[str, str] = {
    name: f"CAST(sum({name}) AS {'BIGINT' if 'count' in name else 'DOUBLE'})"
    for name in DAILY_FIGURES
    if name not in ("scheduled", "check_points", "absent", "leave_hours_by_type")
}

# DingTalk's report column (alias, by getcolumnval) that each figure must equal once settled.
# 应出勤天数 is compared only where it was captured inside DingTalk's 15-day window.
REPORT_ALIASES: dict[str, tuple[str, ...]] = {
    "should_attend_days": ("should_attendance_days",),
    "attended_days": ("attendance_days",),
    "late_count": ("late_times",),
    "late_minutes": ("late_minute",),
    "serious_late_count": ("serious_late_times",),
    "serious_late_minutes": ("serious_late_minute",),
    "absent_late_count": ("absenteeism_late_times",),
    "early_count": ("leave_early_times",),
    "early_minutes": ("leave_early_minute",),
    "on_missing_count": ("on_work_lack_card_times",),
    "off_missing_count": ("off_work_lack_card_times",),
    "absent_days": ("absenteeism_days",),
    "making_up_count": ("making_up_lack_times",),
    "overtime_hours": ("overtime_duration",),
    "business_trip_days": ("business_trip_duration",),
    "out_hours": ("out_duration",),
}


def select_list(figures: dict[str, str]) -> str:
    """`expression AS name, ...` for a SELECT."""
    return ",\n        ".join(f"{expression} AS {name}" for name, expression in figures.items())
