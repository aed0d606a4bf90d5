"""The cost model behind `plan`: a month's calls by API and pushes by event type per strategy.

Figures are per natural month (30 days, 22 scheduled work days per employee) and come from the
emulator (bench/month.py and the issue-12 measurements), not from guesses:
- `today`: the defaults before issue 12, measured at 50, 200 and 1,000 employees, interpolated;
- `poll`: no punch or statistics subscriptions; frugal polls (listRecord, 50 users a call) on
  the governor's schedule, a daily close (listRecord + listbyusers of yesterday, getleavestatus,
  attendance/list only for the user-days the reconstruction leaves to it) and a month-close
  reserve;
- `push`: the same pulls, plus punch events that trigger a refresh per coalescing window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.quota import governor
from pipelines.quota.editions import Edition

DAYS, WORK_DAYS = 30, 22
# Pushes per scheduled employee-day (reference 11.2, emulator): punches, daily statistics,
# approval status changes; make-up punches (narrowed bpms_instance_change) and admin edits are rare.
PUSHES_PER_EMPLOYEE_DAY = {
    "attendance_check_record": 1.93,
    "attend_user_daily_summary_refresh": 1.00,
    "attendance_approve_status_change": 0.04,
}
# User-days a day that attendance/list must answer (approvals, leaves, ambiguous punches):
# 68 of 6,200 employee-days at 200 employees (bench), about 1.1 %; two rows each.
AUTHORITATIVE_SHARE = 0.011
# Measured before issue 12 (docs/quota.md): employees -> (calls, pushes) a month.
TODAY = ((50, 2_960, 2_930), (200, 7_060, 11_700), (1_000, 27_300, 58_500))
COALESCE_MINUTES = 15
# Measured p95 over the governor's placed p95 with the default density (bench/month.py, 50
# employees, 34 polls: 17.3 against 14.5 min): a month's punches are not last month's, and
# weekend punches wait for the daily close.
STALENESS_MARGIN = 1.2
MAX_POLLS_PER_DAY = 288  # one every 2.5 minutes of work time: fresher is not worth a call
SUBSCRIBE_ALWAYS = (
    "attendance_approve_status_change",
    "attend_bossCheck_change",
    "bpms_instance_change (narrowed to bizCategoryId attendance.supply)",
    "user_leave_org (free)",
)


@dataclass
class StrategyCost:
    """One strategy's month: calls by API and purpose, pushes by event type, staleness."""

    name: str
    calls: dict[str, int] = field(default_factory=dict)
    pushes: dict[str, int] = field(default_factory=dict)
    polls_per_day: int = 0
    p95_minutes: float = math.inf
    reserve: int = 0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_pushes(self) -> int:
        return sum(self.pushes.values())

    def fits(self, edition: Edition) -> bool:
        return self.total_calls <= edition.calls and self.total_pushes <= edition.pushes


def per_poll(employees: int) -> int:
    """The lower bound of one look at everyone's punches: ceil(N/50) listRecord calls."""
    return math.ceil(employees / 50)


def fixed_per_day(employees: int) -> int:
    """Daily close: listRecord + listbyusers of yesterday, getleavestatus, attendance/list."""
    authoritative = math.ceil(AUTHORITATIVE_SHARE * employees * 2 / 50)
    return 2 * per_poll(employees) + math.ceil(employees / 100) + authoritative


def month_close_reserve(employees: int) -> int:
    """A full month's frugal pull once more (5 windows of 7 days) plus 10 % headroom."""
    windows = 5
    pull = 2 * windows * per_poll(employees) + math.ceil(employees / 100) + DAYS
    return math.ceil(1.1 * pull)


def planned_p95(polls: int, density: Sequence[float] = governor.DEFAULT_DENSITY) -> float:
    """The p95 staleness `plan` promises for `polls` a work day placed by `density` (the
    governor's, calibrated: measured over placed was 1.2 with the default density at 50
    employees and 1.16 with the learned one at 1,000)."""
    return STALENESS_MARGIN * governor.staleness_percentile(polls, density)


def today_cost(employees: int) -> StrategyCost:
    """The measured defaults, linearly interpolated (extrapolated past 1,000)."""
    low, high = (TODAY[0], TODAY[1]) if employees <= TODAY[1][0] else (TODAY[1], TODAY[2])
    share = (employees - low[0]) / (high[0] - low[0])
    calls = round(low[1] + share * (high[1] - low[1]))
    pushes = round(low[2] + share * (high[2] - low[2]))
    return StrategyCost(
        "today", {"all (measured)": max(calls, 0)}, {"all (measured)": max(pushes, 0)},
        p95_minutes=COALESCE_MINUTES,
    )  # fmt: skip


def _pushes(employees: int, with_punches: bool) -> dict[str, int]:
    chosen = dict(PUSHES_PER_EMPLOYEE_DAY)
    if not with_punches:
        chosen.pop("attendance_check_record")
        chosen.pop("attend_user_daily_summary_refresh")
    return {name: round(rate * employees * WORK_DAYS) for name, rate in chosen.items()}


def _fixed_calls(employees: int) -> dict[str, int]:
    authoritative = math.ceil(AUTHORITATIVE_SHARE * employees * 2 / 50)
    return {
        "close: /attendance/listRecord": DAYS * per_poll(employees),
        "close: /topapi/attendance/schedule/listbyusers": DAYS * per_poll(employees),
        "close: /topapi/attendance/getleavestatus": DAYS * math.ceil(employees / 100),
        "close: /attendance/list": DAYS * authoritative,
    }


def poll_cost(
    employees: int,
    edition: Edition,
    max_polls: int | None = None,
    density: Sequence[float] = governor.DEFAULT_DENSITY,
) -> StrategyCost:
    """Frugal polling on the governor's schedule: as many polls as the calls allow, at most
    `max_polls` a day, placed by `density`."""
    reserve = month_close_reserve(employees)
    budget = governor.Budget(
        edition.calls, reserve, math.ceil(fixed_per_day(employees) * DAYS / WORK_DAYS),
        per_poll(employees), WORK_DAYS,
    )  # fmt: skip
    polls = min(budget.polls_per_day(), MAX_POLLS_PER_DAY)
    if max_polls is not None:
        polls = min(polls, max_polls)
    calls = {
        **_fixed_calls(employees),
        "poll: /attendance/listRecord": polls * per_poll(employees) * WORK_DAYS,
        "reserve: settlement and month close": reserve,
    }
    return StrategyCost(
        "poll", calls, _pushes(employees, False), polls,
        planned_p95(polls, density), reserve,
    )  # fmt: skip


def push_cost(employees: int, edition: Edition) -> StrategyCost:
    """Punch events on: a refresh per coalescing window with punches, frugal pulls for it."""
    windows = governor.WORK_MINUTES // COALESCE_MINUTES
    runs = min(windows, math.ceil(PUSHES_PER_EMPLOYEE_DAY["attendance_check_record"] * employees))
    reserve = month_close_reserve(employees)
    calls = {
        **_fixed_calls(employees),
        "events: /attendance/listRecord": runs * WORK_DAYS,  # a window's users fit in one call
        "reserve: settlement and month close": reserve,
    }
    return StrategyCost(
        "push", calls, _pushes(employees, True), 0, float(COALESCE_MINUTES), reserve
    )
