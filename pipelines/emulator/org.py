"""The deterministic organisation: the single source of truth of the emulator.

`build_org(OrgSpec(...))` lays out departments, employees, attendance groups, schedules,
punches, approvals and admin edits once; every endpoint, the event timeline and the truth export
then read the same objects through `view.py`'s rules, as of the emulator clock.
"""

from __future__ import annotations

import bisect
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pipelines.emulator import view
from pipelines.emulator.approvals import plan_approvals, plan_boss_edits
from pipelines.emulator.calendar import GROUPS, is_holiday
from pipelines.emulator.ids import stable_hex
from pipelines.emulator.model import Approval, CheckPoint, Employee, Punch, ScheduledEvent
from pipelines.emulator.people import DEPARTMENTS, LEAVE_TYPES, build_employees
from pipelines.emulator.schedule import attach_punches, build_check_points, finalize_punches
from pipelines.emulator.timeline import build_timeline

DEFAULT_START = date(2026, 11, 2)
_AT = operator.attrgetter("at")


@dataclass(frozen=True)
class OrgSpec:
    """What determines an org: the same spec always gives the same org."""

    seed: int = 7
    employees: int = 30
    start: date = DEFAULT_START
    days: int = 14

    def __post_init__(self) -> None:
        if self.employees < 1 or self.days < 1:
            raise ValueError("an org needs at least one employee and one day")


@dataclass
class Org:
    """The built org with its lookup indexes; read-only once built."""

    spec: OrgSpec
    corp_id: str
    employees: list[Employee]
    points: list[CheckPoint]
    punches: list[Punch]
    approvals: list[Approval]
    events: list[ScheduledEvent]
    departments = DEPARTMENTS
    groups = GROUPS
    leave_types = LEAVE_TYPES
    by_userid: dict[str, Employee] = field(default_factory=dict)
    points_by_day: dict[tuple[str, date], list[CheckPoint]] = field(default_factory=dict)
    points_by_date: dict[date, list[CheckPoint]] = field(default_factory=dict)
    punches_by_user: dict[str, list[Punch]] = field(default_factory=dict)
    approvals_by_user: dict[str, list[Approval]] = field(default_factory=dict)
    approvals_by_id: dict[str, Approval] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_userid = {e.userid: e for e in self.employees}
        days, dates = defaultdict(list), defaultdict(list)
        for point in self.points:
            days[(point.userid, point.work_date)].append(point)
            dates[point.work_date].append(point)
        self.points_by_day, self.points_by_date = dict(days), dict(dates)
        punches = defaultdict(list)
        for punch in self.punches:
            punches[punch.userid].append(punch)
        self.punches_by_user = {user: sorted(p, key=_AT) for user, p in punches.items()}
        approvals = defaultdict(list)
        for approval in self.approvals:
            approvals[approval.userid].append(approval)
        self.approvals_by_user = dict(approvals)
        self.approvals_by_id = {a.proc_inst_id: a for a in self.approvals}
        self._event_times = [event.at for event in self.events]

    @property
    def dates(self) -> list[date]:
        return [self.spec.start + timedelta(days=i) for i in range(self.spec.days)]

    @property
    def admin_userid(self) -> str:
        return self.employees[0].userid

    def is_holiday(self, day: date) -> bool:
        return is_holiday(day, self.spec.start)

    def day_points(self, userid: str, day: date) -> list[CheckPoint]:
        """The user's check points of `day` (OnDuty first), empty on rest days."""
        return self.points_by_day.get((userid, day), [])

    def rows(self, userid: str, day: date, now: datetime) -> list[view.Row]:
        """The user's attendance results of `day` as of `now`."""
        rows = (view.effective_row(point, now) for point in self.day_points(userid, day))
        return [row for row in rows if row is not None]

    def punches_between(self, userid: str, begin: datetime, end: datetime, now: datetime):
        """Raw punches with begin <= time <= min(end, now)."""
        punches = self.punches_by_user.get(userid, [])
        times = [punch.at for punch in punches]
        low = bisect.bisect_left(times, begin)
        high = bisect.bisect_right(times, min(end, now))
        return punches[low:high]

    def day_punches(self, userid: str, day: date, now: datetime) -> list[Punch]:
        """Raw punches keyed to work date `day`, made by `now`."""
        points = self.day_points(userid, day)
        if not points:
            return []
        begin, end = (
            points[0].plan_time - timedelta(hours=6),
            points[-1].plan_time + timedelta(hours=6),
        )
        return [p for p in self.punches_between(userid, begin, end, now) if p.work_date == day]

    def approvals_on(self, userid: str, day: date, now: datetime) -> list[Approval]:
        """Approvals in effect at `now` that account for time on `day` (补卡 excluded)."""
        return [
            a
            for a in self.approvals_by_user.get(userid, [])
            if a.kind != "supply" and day in a.per_day and a.in_effect(now)
        ]

    def report(self, userid: str, day: date, now: datetime) -> dict[str, float | None]:
        """Report column values of one user-day by alias, as of `now`."""
        approvals = self.approvals_on(userid, day, now)
        rows = self.rows(userid, day, now)
        return view.report_values(day, bool(self.day_points(userid, day)), rows, approvals, now)

    def leave(self, userid: str, day: date, now: datetime) -> dict[str, float]:
        """Leave taken on `day` by type name (types missing from the report excluded)."""
        approvals = self.approvals_on(userid, day, now)
        return {
            lt.leave_name: view.leave_value(approvals, lt.leave_name, lt.leave_view_unit, day)
            for lt in self.leave_types
            if lt.in_report
        }

    def events_between(self, start: datetime, end: datetime) -> list[ScheduledEvent]:
        """Events with start <= at < end, in time order."""
        low = bisect.bisect_left(self._event_times, start)
        high = bisect.bisect_left(self._event_times, end)
        return self.events[low:high]


def build_org(spec: OrgSpec) -> Org:
    """Build the org of `spec` (deterministic: the same spec gives an equal org)."""
    corp_id = "ding" + stable_hex(spec.seed, "corp", length=16)
    employees = build_employees(spec.seed, spec.employees, spec.start)
    points = build_check_points(spec.seed, employees, spec.start, spec.days)
    raw_punches = attach_punches(spec.seed, points)
    approvals = plan_approvals(spec.seed, employees, points, spec.start, spec.days)
    plan_boss_edits(spec.seed, points)
    punches = finalize_punches(points, raw_punches)
    by_id = {e.userid: e for e in employees}
    events = build_timeline(corp_id, by_id, points, punches, approvals)
    return Org(spec, corp_id, employees, points, punches, approvals, events)
