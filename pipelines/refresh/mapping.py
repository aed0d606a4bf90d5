"""Map one inbox event to the actions it asks for. The table in docs/events.md mirrors this.

Which events exist, which fields they must carry (in every accepted spelling) and what each
means is decided once, in `pipelines/stream/event_types.py`; this module has one handler per
`Meaning` and reads the required fields through the event's spec.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pipelines.catalogue import Scopes
from pipelines.days import SHANGHAI
from pipelines.refresh.actions import (
    Action,
    ForgetPlans,
    Ignore,
    RefreshColumns,
    RefreshDay,
    ResolveApproval,
)
from pipelines.stream.event_types import KNOWN_EVENTS, EventSpec, Meaning

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
    spec = KNOWN_EVENTS.get(event_type)
    if spec is None:
        return [Ignore(f"event type {event_type!r} is not one the listener accepts")]
    try:
        actions = HANDLERS[spec.meaning](spec, payload, rules)
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
        return [Ignore(f"{event_type} payload unusable: {error}")]
    return actions or [Ignore(f"{event_type} payload lists no rows")]


def work_dates_for_punch(userid: str, check_time: datetime, rules: MappingRules) -> list[date]:
    """The punch's calendar day, plus the day before when the punch may close an overnight shift."""
    local = check_time.astimezone(SHANGHAI)
    today = local.date()
    yesterday = today - timedelta(days=1)
    overnight = rules.overnight(userid, yesterday)
    if overnight is None:
        overnight = local.hour < rules.overnight_cutoff_hour
    return [yesterday, today] if overnight else [today]


def _punch(spec: EventSpec, payload: Mapping[str, Any], rules: MappingRules) -> list[Action]:
    users_by_day: dict[date, set[str]] = {}
    for row in spec.entries(payload):
        userid = str(spec.value(row, "userId"))
        checked = _from_epoch_ms(spec.value(row, "checkTime"))
        for work_date in work_dates_for_punch(userid, checked, rules):
            users_by_day.setdefault(work_date, set()).add(userid)
    return [
        RefreshDay(day, frozenset(users), Scopes.CHECKS)
        for day, users in sorted(users_by_day.items())
    ]


def _user_day(spec: EventSpec, payload: Mapping[str, Any], _rules: MappingRules) -> list[Action]:
    # workDate is "2023-12-12" in one event and "2020-11-10 00:00:00" in the other. Both fire
    # for changed check points (a day settling, an admin edit); the report values they also
    # touch cost a call per user, so the report settlement schedule re-pulls those.
    work_date = date.fromisoformat(str(spec.value(payload, "workDate"))[:10])
    return [RefreshDay(work_date, frozenset({str(spec.value(payload, "userId"))}), Scopes.CHECKS)]


def _overtime(spec: EventSpec, payload: Mapping[str, Any], _rules: MappingRules) -> list[Action]:
    actions: list[Action] = []
    for row in spec.entries(payload):
        day = _from_epoch_ms(spec.value(row, "workDate")).date()
        actions.append(RefreshDay(day, frozenset({str(spec.value(row, "userid"))})))
    return actions


def _attendance_approval(
    spec: EventSpec, payload: Mapping[str, Any], _rules: MappingRules
) -> list[Action]:
    status = str(spec.value(payload, "status"))
    if status == "start":
        return [Ignore("approval started: attendance changes only when it ends")]
    kind = str(payload.get("approveType", ""))
    return [ResolveApproval(str(spec.value(payload, "processInstanceId")), kind, status)]


def _approval_instance(
    spec: EventSpec, payload: Mapping[str, Any], rules: MappingRules
) -> list[Action]:
    category = str(payload.get("bizCategoryId", ""))
    if category not in rules.attendance_biz_categories:
        return [Ignore(f"approval suite {category!r} does not touch attendance")]
    kind, result = str(spec.value(payload, "type")), payload.get("result")
    if kind == "start":
        return [Ignore("approval started: attendance changes only when it ends")]
    if kind == "finish" and result == "refuse":
        return [Ignore("approval refused: attendance unchanged")]
    return [ResolveApproval(str(spec.value(payload, "processInstanceId")), category, kind)]


def _report_columns(
    _spec: EventSpec, _payload: Mapping[str, Any], _rules: MappingRules
) -> list[Action]:
    return [RefreshColumns()]


def _plans(_spec: EventSpec, _payload: Mapping[str, Any], _rules: MappingRules) -> list[Action]:
    return [ForgetPlans()]


def _nothing(spec: EventSpec, _payload: Mapping[str, Any], _rules: MappingRules) -> list[Action]:
    return [Ignore(f"event type {spec.event_type!r} does not change attendance data")]


def _from_epoch_ms(value: object) -> datetime:
    # A number or a digit string (the failed-push list is not validated like Stream frames).
    if not isinstance(value, int | float | str):
        raise TypeError(f"not epoch milliseconds: {type(value).__name__}")
    return datetime.fromtimestamp(int(value) / 1000, tz=SHANGHAI)


Handler = Callable[[EventSpec, Mapping[str, Any], MappingRules], list[Action]]

# One handler per meaning; tests/refresh/test_mapping.py checks that every meaning an accepted
# event can have is handled and that no handler is left without an event.
HANDLERS: Mapping[Meaning, Handler] = {
    Meaning.PUNCH: _punch,
    Meaning.USER_DAY: _user_day,
    Meaning.OVERTIME: _overtime,
    Meaning.ATTENDANCE_APPROVAL: _attendance_approval,
    Meaning.APPROVAL_INSTANCE: _approval_instance,
    Meaning.REPORT_COLUMNS: _report_columns,
    Meaning.PLANS: _plans,
    Meaning.NOTHING: _nothing,
}
