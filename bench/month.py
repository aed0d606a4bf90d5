"""A month of the emulator's timeline in simulated time, on the frugal `poll` profile.

What it runs: the in-process emulator (httpx MockTransport, the real DingTalkClient with its
batching, paging and counting), its clock moved by this script (never the machine's), the
governor's poll times for the planner's polls a day, a daily close after each day's cut-off and
a month close two days after the month. It measures calls by API and purpose, staleness of every
work-hour punch (first poll that returned it minus its punch time) and month-close equality of
every check point with attendance/list (DingTalk's answer).
What it does not run: the Stream listener, the inbox, the Dagster sensor and runs, the warehouse
writes, and the approval/monthly figures (issue 11); see docs/quota.md. `--real` runs all of
those (`bench/month_real.py`) and prints its figures next to the simulation's for the same days.

    .venv/bin/python -m bench.month --employees 200 --edition standard
    .venv/bin/python -m bench.month --employees 50 --edition standard --real --days 3
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from pipelines.days import SHANGHAI
from pipelines.dingtalk import DingTalkClient
from pipelines.emulator.app import mock_transport
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.state import EmulatorState
from pipelines.extract.strategies.pull import pull_leaves, pull_results, pull_schedules
from pipelines.quota import governor, model
from pipelines.quota.editions import edition as edition_named
from pipelines.quota.plan import make_plan

T = TypeVar("T")
START = date(2026, 11, 1)
DAYS = 30
HISTORY_DAYS = 28  # the weeks before the month whose punches the governor learns from
COMPARED = ("time_result", "source_type", "user_check_time", "record_id", "proc_inst_id")


class Month:
    """One simulated month: the emulator, a client, the counters."""

    def __init__(self, employees: int, days: int = DAYS) -> None:
        self.days = days
        config = EmulatorConfig(
            employees=employees, start=START - timedelta(days=HISTORY_DAYS),
            days=HISTORY_DAYS + days + 3, qps_per_api=1e6,
            monthly_quota=10**9, clock_start=datetime.combine(START, time(), tzinfo=SHANGHAI),
        )  # fmt: skip
        self.state = EmulatorState(config)
        self.client = DingTalkClient(
            self.state.client_id, self.state.client_secret, "http://emu", "http://emu/oapi",
            qps_per_api=1e6, transport=mock_transport(self.state),
        )  # fmt: skip
        self.users = self.client.list_on_job_user_ids()
        self.calls: Counter[str] = Counter()
        self.first_seen: dict[int, datetime] = {}

    def learned_density(self) -> tuple[float, ...]:
        """The punch density of the four weeks before the month, as the sensor learns it from
        the warehouse (those punches are already there: not counted)."""
        first = START - timedelta(days=HISTORY_DAYS)
        punches = self.client.list_punch_records(self.users, first, START - timedelta(days=1))
        local = [punch.user_check_time.astimezone(SHANGHAI).time() for punch in punches]
        return governor.density_from_punches(local)

    def at(self, moment: datetime) -> None:
        self.state.clock.move_to(moment)

    def spend(self, purpose: str, work: Callable[[], T]) -> T:
        with self.client.track_calls() as spent:
            found = work()
        for path, count in spent.metered.items():
            self.calls[f"{purpose}: {path}"] += count
        return found

    def poll(self, day: date) -> None:
        now = self.state.now()
        punches = self.spend("poll", lambda: self.client.list_punch_records(self.users, day, day))
        for punch in punches:
            self.first_seen.setdefault(punch.id, now)

    def close(self, day: date) -> None:
        """After the cut-off: yesterday's schedules, punches, leaves; attendance/list where the
        reconstruction cannot be trusted."""
        admin, now = self.state.org.admin_userid, self.state.now()
        schedules = self.spend(
            "close", lambda: pull_schedules(self.client, admin, self.users, day, day)
        )
        leaves = self.spend("close", lambda: pull_leaves(self.client, self.users, day, day))
        pulled = self.spend(
            "close", lambda: pull_results(self.client, self.users, day, day, now, schedules, leaves)
        )
        for punch in pulled.punches:
            self.first_seen.setdefault(punch.id, now)


def simulate(employees: int, edition_name: str, freshness: float, days: int = DAYS) -> dict:
    month = Month(employees, days)
    density = month.learned_density()  # what `plan` and the sensor learn from the warehouse
    planned = make_plan(employees, edition_named(edition_name), freshness, density).chosen
    polls = planned.polls_per_day
    for offset in range(days):
        day = START + timedelta(days=offset)
        work_day = day.weekday() < 5  # the planner's 22 work days; weekends get the close only
        for moment in governor.poll_times(day, polls if work_day else 0, density):
            month.at(moment)
            month.poll(day)
        month.at(datetime.combine(day + timedelta(days=1), time(4, 30), tzinfo=SHANGHAI))
        month.close(day)
    found = report(month, polls)
    found["planned_p95_minutes_learned_density"] = governor.staleness_percentile(polls, density)
    found["planned_p95_minutes"] = round(planned.p95_minutes, 1)
    found["density_learned"] = density != governor.DEFAULT_DENSITY
    return {**found, "employees": employees, "edition": edition_name, "freshness": freshness}


def staleness(month: Month) -> list[float]:
    found = []
    last = START + timedelta(days=month.days - 1)
    for punch in month.client.list_punch_records(month.users, START, last):
        local = punch.user_check_time.astimezone(SHANGHAI)
        if governor.WORK_START <= local.time() < governor.WORK_END and punch.id in month.first_seen:
            found.append((month.first_seen[punch.id] - local).total_seconds() / 60)
    return sorted(found)


def month_close(month: Month) -> tuple[int, int]:
    """(check points equal to attendance/list, check points) after the month has settled."""
    first, last = START, START + timedelta(days=month.days - 1)
    month.at(datetime.combine(last + timedelta(days=3), time(6), tzinfo=SHANGHAI))
    admin, now = month.state.org.admin_userid, month.state.now()

    def pull():
        schedules = pull_schedules(month.client, admin, month.users, first, last)
        leaves = pull_leaves(month.client, month.users, first, last)
        return pull_results(month.client, month.users, first, last, now, schedules, leaves)

    pulled = month.spend("month close", pull)
    official = month.client.list_attendance_results(month.users, first, last)  # not counted
    mine = {(r.user_id, r.plan_id): r for r in pulled.results}
    equal = sum(
        key in mine and all(getattr(mine[key], f) == getattr(row, f) for f in COMPARED)
        for key, row in (((r.user_id, r.plan_id), r) for r in official)
    )
    return equal, len(official)


def report(month: Month, polls: int) -> dict:
    waits = staleness(month)
    equal, points = month_close(month)
    p95 = waits[min(len(waits) - 1, int(0.95 * len(waits)))] if waits else None
    return {
        "polls_per_day": polls,
        "calls_total": sum(month.calls.values()),
        "calls": dict(sorted(month.calls.items())),
        "pushes": 0,
        "punches_in_work_hours": len(waits),
        "staleness_p50_minutes": round(statistics.median(waits), 1) if waits else None,
        "staleness_p95_minutes": round(p95, 1) if p95 is not None else None,
        "check_points_equal": equal,
        "check_points": points,
        "lower_bound_calls_per_poll": model.per_poll(len(month.users)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--employees", type=int, default=200)
    parser.add_argument("--edition", default="standard")
    parser.add_argument("--freshness", type=float, default=15, help="p95 target, minutes")
    parser.add_argument("--days", type=int, default=DAYS, help="simulated days from Nov 1")
    parser.add_argument("--real", action="store_true", help="through the real pipeline too")
    args = parser.parse_args()
    found = simulate(args.employees, args.edition, args.freshness, args.days)
    if args.real:
        from bench import month_real  # imports dagster: only when asked for

        real = month_real.run(args.employees, args.edition, args.freshness, args.days)
        found = {"real": real, "simulated": found, **month_real.extrapolated(real)}
    print(json.dumps(found, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
