"""Map one inbox event to the actions it asks for. The table in docs/events.md mirrors this."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pipelines.days import SHANGHAI
from pipelines.refresh.actions import (
    Action,
    Ignore,
    RefreshColumns,
    RefreshDay,
    ResolveApproval,
)

# bpms_instance_change fires for every approval in the organisation (expenses, purchases...);
# only these suites touch attendance, and resolving any other instance would waste a metered call.
ATTENDANCE_BIZ_CATEGORIES = frozenset(
    {
        "attendance.supply",  # 补卡 make-up punch
        "attendance.batchovertime",
        "attendance.goout",
        "attendance.relieve",
        "alitrip.business",
        "open.com.dd.at.approveCheck",
    }
)

# Answers "did this user's shift on `work_date` run past midnight?"; None when unknown.
OvernightLookup = Callable[[str, date], bool | None]


def _unknown(_userid: str, _work_date: date) -> bool | None:
    return None


@dataclass(frozen=True)
class MappingRules:
    """Tunables of the mapping (all configurable from the sensor)."""

    # A punch before this hour may close yesterday's overnight shift when the shift is unknown.
    overnight_cutoff_hour: int = 8
    attendance_biz_categories: frozenset[str] = field(default=ATTENDANCE_BIZ_CATEGORIES)
    overnight: OvernightLookup = _unknown


def actions_for_event(
    event_type: str, payload: Mapping[str, Any], rules: MappingRules | None = None
) -> list[Action]:
    """The actions one event asks for; never raises on odd payloads (it returns Ignore)."""
    rules = rules or MappingRules()
    handler = _HANDLERS.get(event_type)
    if handler is None:
        return [Ignore(f"event type {event_type!r} does not change attendance data")]
    try:
        return handler(payload, rules) or [Ignore(f"{event_type} payload lists no rows")]
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
        return [Ignore(f"{event_type} payload unusable: {error}")]


def work_dates_for_punch(userid: str, check_time: datetime, rules: MappingRules) -> list[date]:
    """The punch's calendar day, plus the day before when the punch may close an overnight shift."""
    local = check_time.astimezone(SHANGHAI)
    today = local.date()
    yesterday = today - timedelta(days=1)
    overnight = rules.overnight(userid, yesterday)
    if overnight is None:
        overnight = local.hour < rules.overnight_cutoff_hour
    return [yesterday, today] if overnight else [today]


def _check_record(payload: Mapping[str, Any], rules: MappingRules) -> list[Action]:
    rows = payload.get("dataList", payload.get("DataList"))
    if not isinstance(rows, list) or not rows:
        raise ValueError("no dataList")
    users_by_day: dict[date, set[str]] = {}
    for row in rows:
        userid = str(row["userId"])
        checked = datetime.fromtimestamp(int(row["checkTime"]) / 1000, tz=SHANGHAI)
        for work_date in work_dates_for_punch(userid, checked, rules):
            users_by_day.setdefault(work_date, set()).add(userid)
    return [
        RefreshDay(day, frozenset(users), "checks") for day, users in sorted(users_by_day.items())
    ]


def _user_day(payload: Mapping[str, Any], _rules: MappingRules) -> list[Action]:
    # workDate is "2023-12-12" in one event and "2020-11-10 00:00:00" in the other. Both fire
    # for changed check points (a day settling, an admin edit); the report values they also
    # touch cost a call per user, so the report settlement schedule re-pulls those.
    work_date = date.fromisoformat(str(payload["workDate"])[:10])
    return [RefreshDay(work_date, frozenset({str(payload["userId"])}), "checks")]


def _overtime_duration(payload: Mapping[str, Any], _rules: MappingRules) -> list[Action]:
    actions: list[Action] = []
    for row in payload["dataList"]:
        day = datetime.fromtimestamp(int(row["workDate"]) / 1000, tz=SHANGHAI).date()
        actions.append(RefreshDay(day, frozenset({str(row["userid"])})))
    return actions


def _approve_status(payload: Mapping[str, Any], _rules: MappingRules) -> list[Action]:
    status = str(payload["status"])
    if status == "start":
        return [Ignore("approval started: attendance changes only when it ends")]
    kind = str(payload.get("approveType", ""))
    return [ResolveApproval(str(payload["processInstanceId"]), kind, status)]


def _bpms_instance(payload: Mapping[str, Any], rules: MappingRules) -> list[Action]:
    category = str(payload.get("bizCategoryId", ""))
    if category not in rules.attendance_biz_categories:
        return [Ignore(f"approval suite {category!r} does not touch attendance")]
    kind, result = str(payload["type"]), payload.get("result")
    if kind == "start":
        return [Ignore("approval started: attendance changes only when it ends")]
    if kind == "finish" and result == "refuse":
        return [Ignore("approval refused: attendance unchanged")]
    return [ResolveApproval(str(payload["processInstanceId"]), category, kind)]


def _column_change(_payload: Mapping[str, Any], _rules: MappingRules) -> list[Action]:
    return [RefreshColumns()]


_HANDLERS: dict[str, Callable[[Mapping[str, Any], MappingRules], list[Action]]] = {
    "attendance_check_record": _check_record,
    "attend_user_daily_summary_refresh": _user_day,
    "attend_bossCheck_change": _user_day,
    "attendance_overtime_duration": _overtime_duration,
    "attendance_approve_status_change": _approve_status,
    "bpms_instance_change": _bpms_instance,
    "attendance_report_column_change": _column_change,
}
