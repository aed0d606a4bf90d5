"""When to poll today's results and punches (the polling sensor's decisions; no dagster).

Each tick asks three questions, all from state the pipeline already keeps:

- How many polls can today afford? `governor.Budget` from the month's remaining calls (the
  call ledger), minus the reserve for settlement and month close (the profile's
  `reserve_calls`) and the daily close of every remaining work day, which polls never spend.
  Settlement, the daily close and month close are schedules of their own, outside this budget's
  reach: payroll-critical pulls are never skipped.
- Is a poll due? The governor places the day's polls where punches cluster; a poll is due when
  one of those moments passed since the last poll.
- Is the Stream starved? Only on the `push` profile (punch events subscribed): the listener is
  connected, it is work time, and polls see punches newer than the newest pushed event by more
  than STARVATION_GRACE. A starved push profile polls like the `poll` profile until pushes are
  back; a healthy one keeps hourly probe polls, which is how starvation is noticed within an
  hour of work time.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.days import SHANGHAI
from pipelines.quota import governor
from pipelines.quota.profile import Profile

STARVATION_GRACE = timedelta(minutes=15)
# The governor may place the day's last poll at WORK_END itself (placement's grid ends there);
# a sensor tick lands up to its interval (and the daemon's lag) after a moment, so a poll stays
# due this long past WORK_END instead of leaving the evening's punches to the settlement.
LAST_POLL_GRACE = timedelta(minutes=15)
PROBES_PER_DAY = 12  # one an hour in 08:00-20:00 on a healthy push profile


def is_work_day(day: date) -> bool:
    """Polls happen Monday to Friday (weekend punches wait for the daily close)."""
    return day.weekday() < 5


def in_work_hours(moment: datetime) -> bool:
    local = moment.astimezone(SHANGHAI)
    return is_work_day(local.date()) and governor.WORK_START <= local.time() < governor.WORK_END


def in_poll_hours(moment: datetime) -> bool:
    """Work hours with the day's last poll included: WORK_START up to WORK_END plus
    LAST_POLL_GRACE on a work day (a poll is made only at the governor's moments in there)."""
    local = moment.astimezone(SHANGHAI)
    start = datetime.combine(local.date(), governor.WORK_START, tzinfo=SHANGHAI)
    end = datetime.combine(local.date(), governor.WORK_END, tzinfo=SHANGHAI) + LAST_POLL_GRACE
    return is_work_day(local.date()) and start <= local <= end


def work_days_left(today: date) -> int:
    """Work days from `today` to the month's end, today included."""
    last = calendar.monthrange(today.year, today.month)[1]
    return sum(is_work_day(today.replace(day=d)) for d in range(today.day, last + 1))


def poll_cost(employees: int) -> int:
    """Calls one frugal poll costs: listRecord per 50 users. The day's schedules and leaves
    are kept from the settlement's pull (pipelines/extract/strategies/plans.py); re-reading the
    few users an approval touched, and attendance/list for the untrusted user-days, come on top."""
    return math.ceil(employees / 50)


def close_cost(employees: int) -> int:
    """Calls one frugal daily close costs: listRecord and listbyusers per 50 users,
    getleavestatus per 100 (it reads today's plans too, inside the same listbyusers window)."""
    return 2 * math.ceil(employees / 50) + math.ceil(employees / 100)


def budget(profile: Profile, used: int, employees: int, today: date) -> governor.Budget:
    """The month's calls as the governor sees them on `today`."""
    return governor.Budget(
        remaining=max(profile.calls_quota - used, 0),
        reserve=profile.reserve_calls,
        fixed_per_day=close_cost(employees),
        per_poll=poll_cost(employees),
        work_days_left=work_days_left(today),
    )


def polls_today(profile: Profile, affordable: int, starved: bool) -> int:
    """Polls for today: the profile's (what the budget allows at most); on a push profile
    hourly probes, or the poll profile's rate once starved."""
    if profile.strategy == "today":
        return 0
    if profile.strategy == "push" and not starved:
        return min(PROBES_PER_DAY, affordable)
    wanted = profile.polls_per_day or affordable
    return min(wanted, affordable)


def due_poll(
    now: datetime,
    last_poll: datetime | None,
    polls: int,
    density: Sequence[float] = governor.DEFAULT_DENSITY,
) -> datetime | None:
    """The latest of today's poll moments in (last_poll, now], or None."""
    local = now.astimezone(SHANGHAI)
    if not in_poll_hours(local):
        return None
    passed = [t for t in governor.poll_times(local.date(), polls, density) if t <= local]
    if not passed or (last_poll is not None and passed[-1] <= last_poll):
        return None
    return passed[-1]


@dataclass(frozen=True)
class StreamHealth:
    """What the inbox and the warehouse say about the Stream right now."""

    connected: bool
    last_event_at: datetime | None  # born time of the newest pushed event
    newest_polled_punch: datetime | None  # the newest punch polls wrote today


def is_starved(health: StreamHealth, now: datetime) -> bool:
    """Connected, work time, and polls found punches the Stream never pushed."""
    if not health.connected or not in_work_hours(now) or health.newest_polled_punch is None:
        return False
    if health.last_event_at is None:
        return True
    return health.newest_polled_punch - health.last_event_at > STARVATION_GRACE
