"""The frugal results pull: listRecord + listbyusers + getleavestatus, attendance/list only where
the reconstruction cannot be trusted (see `reconstruct`).

Per 50 users and 7 days that is one listRecord call, one listbyusers call and a share of one
getleavestatus call (100 users, pages of 20 leaves), against `attendance/list`'s one call per 50
check points (about 14 a week for 50 users on two points a day).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pipelines.catalogue import Table
from pipelines.days import SHANGHAI, DayRange
from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.models import AttendanceResult, LeaveStatus, PunchRecord, UserSchedule
from pipelines.extract import rows
from pipelines.extract.loaders import roster, write_days
from pipelines.extract.strategies.answers import kept_answers
from pipelines.extract.strategies.plans import Plans, midnight, plans_for
from pipelines.extract.strategies.reconstruct import UserDay, reconstruct
from pipelines.warehouse.store import ParquetStore


@dataclass
class FrugalPull:
    """Results and punches of a range, and the user-days attendance/list answered."""

    results: list[AttendanceResult] = field(default_factory=list)
    punches: list[PunchRecord] = field(default_factory=list)
    authoritative: set[UserDay] = field(default_factory=set)


def pull_schedules(
    client: DingTalkClient, op_user_id: str, users: Sequence[str], first: date, last: date
) -> list[UserSchedule]:
    """Planned check points: one listbyusers call per 50 users and 7 days."""
    return client.list_schedules_by_users(op_user_id, users, first, last)


def pull_leaves(
    client: DingTalkClient, users: Sequence[str], first: date, last: date
) -> list[LeaveStatus]:
    """Leave intervals overlapping the days: getleavestatus, 100 users a call, pages of 20."""
    return client.get_leave_status(users, midnight(first), midnight(last + timedelta(days=1)))


def pull_results(
    client: DingTalkClient,
    users: Sequence[str],
    first: date,
    last: date,
    now: datetime,
    schedules: Sequence[UserSchedule],
    leaves: Sequence[LeaveStatus],
    ask: Callable[[set[UserDay], Sequence[PunchRecord]], list[AttendanceResult]] | None = None,
) -> FrugalPull:
    """Rows of `users` over [first, last] as of `now`, given their schedules and leaves.

    listRecord is asked for the day after `last` too: an overnight shift's early punch belongs
    to the previous work date. Schedules and leaves are passed in so that an intraday poll
    reuses the ones read once for the day (or the week); `ask` answers the untrusted
    user-days (default: attendance/list, one day at a time).
    """
    punches = client.list_punch_records(users, first, last + timedelta(days=1))
    in_range = [s for s in schedules if first <= s.work_date <= last]
    built = reconstruct(in_range, punches, leaves, now)
    official = ask(built.untrusted, punches) if ask else authoritative_rows(client, built.untrusted)
    kept = [r for r in built.results if (r.user_id, r.work_date) not in built.untrusted]
    return FrugalPull(kept + official, punches, built.untrusted)


def authoritative_rows(client: DingTalkClient, user_days: set[UserDay]) -> list[AttendanceResult]:
    """attendance/list for exactly these user-days, one day at a time (a day's few users cost
    about one call; a week of them would page through every other day's rows too)."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for userid, day in user_days:
        by_day[day].append(userid)
    found: list[AttendanceResult] = []
    for day, users in sorted(by_day.items()):
        found.extend(client.list_attendance_results(sorted(users), day, day))
    return found


def load_results_and_punches(
    client: DingTalkClient,
    store: ParquetStore,
    days: DayRange,
    op_user_id: str,
    users: Sequence[str] | None = None,
    now: datetime | None = None,
    plans: Plans | None = None,
) -> FrugalPull:
    """Write `attendance_results` and `attendance_punches` for the range from one frugal pull;
    `plans` says where schedules and leaves come from (default: DingTalk, nothing kept)."""
    wanted = list(users) if users else roster(store)
    moment = now or datetime.now(tz=SHANGHAI)
    span = (days.first, days.last)
    today = moment.astimezone(SHANGHAI).date()
    source = plans or Plans()
    found = plans_for(client, op_user_id, wanted, span, today, source)
    ask = None
    if source.cache is not None and source.reuse:  # a poll: kept answers where still valid

        def official(user_days: set[UserDay]) -> list[AttendanceResult]:
            return authoritative_rows(client, user_days)

        ask = kept_answers(source.cache, found, official, moment)
    pulled = pull_results(
        client, wanted, days.first, days.last, moment, found.schedules, found.leaves, ask
    )
    write_days(
        store, Table.ATTENDANCE_RESULTS, rows.result_rows(pulled.results, moment), days, users
    )
    write_days(store, Table.ATTENDANCE_PUNCHES, rows.punch_rows(pulled.punches), days, users)
    return pulled
