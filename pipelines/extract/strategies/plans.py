"""The day's plans (schedules and leave intervals) kept between polls, so a poll costs listRecord
only: ceil(N/50) calls instead of 2 x ceil(N/50) + ceil(N/100).

A plan changes only when an approval binds or covers a check point, or when a schedule, shift
or group changes; each of those arrives as an event, and the pipeline then forgets the plans
it touches (`PlanCache.forget`: per user after approval resolution, everyone from that day on
for a schedule or group change). Every frugal pull stores the plans it read; only polls reuse
them. The daily close, the settlement and the month close always read DingTalk (their figures
are the authoritative ones), and a close whose range ends yesterday also reads today's plans
when that costs no extra listbyusers window, so the first poll of the day is listRecord only too.

A pull that started before a `forget` must not store what it read: `marker()` is taken before
the pull and `write` skips the users forgotten after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from pipelines.days import SHANGHAI
from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.models import AttendanceResult, LeaveStatus, UserSchedule

# listbyusers answers 7 days a call: a prefetch that stays inside the windows costs nothing.
SCHEDULE_WINDOW_DAYS = 7


class PlanCache(Protocol):
    """Per user-day plans as JSON text (`encode_plan`), and their invalidations."""

    def marker(self) -> int:
        """The newest invalidation's number; take it before reading DingTalk."""
        ...

    def read(self, work_date: date, users: Sequence[str]) -> dict[str, str]:
        """The stored plans of `users` on `work_date` (users without one are left out)."""
        ...

    def write(self, work_date: date, plans: Mapping[str, str], marker: int) -> int:
        """Store plans read after `marker`, except those of users forgotten since; returns how
        many were stored."""
        ...

    def forget(self, since: date, users: Iterable[str] | None) -> None:
        """Drop the plans of `users` (None: everyone) from `since` on."""
        ...

    def close(self) -> None: ...


@dataclass
class Answer:
    """What attendance/list answered a poll for an untrusted user-day, and when: a later poll
    reuses it until the answer can change (`answers.still_valid`)."""

    asked_at: datetime
    punch_ids: list[int]  # the user's punches the pull saw when it asked
    rows: list[AttendanceResult]


@dataclass
class DayPlan:
    """One user's planned check points and the leave intervals overlapping that day."""

    schedules: list[UserSchedule] = field(default_factory=list)
    leaves: list[LeaveStatus] = field(default_factory=list)
    answer: Answer | None = None


def _wire(values: dict[str, Any]) -> dict[str, Any]:
    # Times as epoch ms: the models' validators read them back as Asia/Shanghai datetimes.
    return {
        key: int(value.timestamp() * 1000)
        if isinstance(value, datetime)
        else value.isoformat()
        if isinstance(value, date)
        else value
        for key, value in values.items()
    }


def encode_plan(plan: DayPlan) -> str:
    """The JSON text a `PlanCache` stores."""
    data: dict[str, Any] = {
        "schedules": [_wire(item.model_dump()) for item in plan.schedules],
        "leaves": [_wire(item.model_dump()) for item in plan.leaves],
    }
    if plan.answer is not None:
        data["answer"] = {
            "asked_at": int(plan.answer.asked_at.timestamp() * 1000),
            "punch_ids": plan.answer.punch_ids,
            "rows": [_wire(row.model_dump()) for row in plan.answer.rows],
        }
    return json.dumps(data, separators=(",", ":"))


def decode_plan(text: str) -> DayPlan:
    data = json.loads(text)
    answer = data.get("answer")
    return DayPlan(
        [UserSchedule.model_validate(item) for item in data["schedules"]],
        [LeaveStatus.model_validate(item) for item in data["leaves"]],
        None
        if answer is None
        else Answer(
            datetime.fromtimestamp(answer["asked_at"] / 1000, tz=SHANGHAI),
            [int(x) for x in answer["punch_ids"]],
            [AttendanceResult.model_validate(row) for row in answer["rows"]],
        ),
    )


def midnight(day: date) -> datetime:
    """00:00 of `day` in Asia/Shanghai."""
    return datetime.combine(day, time(), tzinfo=SHANGHAI)


def split_by_day(
    users: Sequence[str],
    days: Iterable[date],
    schedules: Sequence[UserSchedule],
    leaves: Sequence[LeaveStatus],
) -> dict[date, dict[str, DayPlan]]:
    """Every user's plan on every day (empty for a user with nothing planned: that is known
    too); a leave belongs to every day it overlaps."""
    by_day = {day: {user: DayPlan() for user in users} for day in days}
    for point in schedules:
        plan = by_day.get(point.work_date, {}).get(point.userid)
        if plan is not None:
            plan.schedules.append(point)
    for leave in leaves:
        for day, plans in by_day.items():
            overlaps = leave.start_time < midnight(day + timedelta(days=1))
            if overlaps and leave.end_time >= midnight(day) and leave.userid in plans:
                plans[leave.userid].leaves.append(leave)
    return by_day


def schedule_windows(first: date, last: date) -> int:
    return -(-((last - first).days + 1) // SCHEDULE_WINDOW_DAYS)


def plan_days(first: date, last: date, today: date) -> date:
    """The last day whose plans a pull of [first, last] reads: today too when the range ends
    yesterday and the extra day fits in the same listbyusers windows (the settlement)."""
    if last + timedelta(days=1) == today and schedule_windows(first, today) == schedule_windows(
        first, last
    ):
        return today
    return last


def _pull(
    client: DingTalkClient, op_user_id: str, users: Sequence[str], first: date, last: date
) -> tuple[list[UserSchedule], list[LeaveStatus]]:
    """listbyusers (50 users x 7 days a call) and getleavestatus (100 users a call)."""
    schedules = client.list_schedules_by_users(op_user_id, users, first, last)
    end = midnight(last + timedelta(days=1))
    return schedules, client.get_leave_status(users, midnight(first), end)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


@dataclass
class Plans:
    """Where a frugal pull gets its plans: `cache` (None: always DingTalk, nothing kept) and
    whether this pull may reuse what is kept (polls only)."""

    cache: PlanCache | None = None
    reuse: bool = False


@dataclass
class PlanSet:
    """The plans a pull works with, and each user-day's (kept or just read) when cached."""

    schedules: list[UserSchedule]
    leaves: list[LeaveStatus]
    by_user_day: dict[tuple[str, date], DayPlan] = field(default_factory=dict)


def plans_for(
    client: DingTalkClient,
    op_user_id: str,
    users: Sequence[str],
    days: tuple[date, date],
    today: date,
    source: Plans,
) -> PlanSet:
    """Schedules and leaves of `users` over `days`: kept plans where `source` allows it, the
    rest from DingTalk (then kept)."""
    first, last = days
    cache = source.cache
    if cache is None:
        return PlanSet(*_pull(client, op_user_id, users, first, last))
    found = PlanSet([], [])
    if source.reuse:
        stored = {day: cache.read(day, users) for day in _days(first, last)}
        for user in users:
            if all(user in day_plans for day_plans in stored.values()):
                for day, day_plans in stored.items():
                    found.by_user_day[(user, day)] = decode_plan(day_plans[user])
    missing = [user for user in users if (user, first) not in found.by_user_day]
    if missing:
        marker = cache.marker()
        through = plan_days(first, last, today)
        schedules, leaves = _pull(client, op_user_id, missing, first, through)
        for day, plans in split_by_day(missing, _days(first, through), schedules, leaves).items():
            cache.write(day, {user: encode_plan(plan) for user, plan in plans.items()}, marker)
            if day <= last:
                found.by_user_day.update({(user, day): plan for user, plan in plans.items()})
    for plan in found.by_user_day.values():
        found.schedules.extend(plan.schedules)
        found.leaves.extend(plan.leaves)
    found.leaves = _unique(found.leaves)
    return found


def kept_leaves(
    cache: PlanCache, users: Sequence[str], first: date, last: date
) -> tuple[list[LeaveStatus], list[str]]:
    """The leaves kept for `users` over [first, last], and the users without a kept plan on
    every day (their leaves must come from DingTalk). For a run whose frugal results pull
    just read and kept these plans: its approvals need not ask getleavestatus again."""
    stored = {day: cache.read(day, users) for day in _days(first, last)}
    leaves: list[LeaveStatus] = []
    missing: list[str] = []
    for user in users:
        if not all(user in day_plans for day_plans in stored.values()):
            missing.append(user)
            continue
        for day_plans in stored.values():
            leaves.extend(decode_plan(day_plans[user]).leaves)
    return _unique(leaves), missing


def _unique(leaves: Iterable[LeaveStatus]) -> list[LeaveStatus]:
    # A leave over several days is kept in each day's plan.
    found = {(x.userid, x.start_time, x.end_time, x.leave_code): x for x in leaves}
    return list(found.values())
