"""The deterministic organisation: the single source of truth of the emulator.

`build_org(OrgSpec(...))` lays out departments, employees, attendance groups, approvals and
admin edits at once, and each user-day's schedule and punches (and each day's events) the first
time they are read; every endpoint, the event timeline and the truth export then read the same
objects through `view.py`'s rules, as of the emulator clock.
"""

from __future__ import annotations

import operator
import random
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.days import SHANGHAI
from pipelines.emulator import view
from pipelines.emulator.approvals import Plan, plan_org
from pipelines.emulator.calendar import GROUPS, is_holiday, midnight
from pipelines.emulator.ids import stable_hex
from pipelines.emulator.model import (
    Approval,
    CheckPoint,
    Employee,
    PointKey,
    Punch,
    ScheduledEvent,
    Slot,
)
from pipelines.emulator.people import DEPARTMENTS, LEAVE_TYPES, build_employees
from pipelines.emulator.schedule import (
    attach_punches,
    check_point,
    day_shape,
    day_slots,
    finalize_punches,
)
from pipelines.emulator.timeline import punch_event, sort_events, sparse_events, summary_event

DEFAULT_START = date(2026, 11, 2)
_AT = operator.attrgetter("at")
_USER_AT = operator.attrgetter("userid", "at")
_ONE_DAY = timedelta(days=1)
# Later than any punch after its OffDuty plan time (at most 95 minutes, a double 40 s later).
_LATEST_PUNCH = timedelta(hours=3)


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


@dataclass(frozen=True)
class UserDay:
    """One user's check points and punches of one work date, built together on demand."""

    points: list[CheckPoint]
    punches: list[Punch]  # in time order


_NO_DAY = UserDay([], [])


class Org:
    """The org: employees and the org-wide plan (approvals, 补卡, admin edits) are built at
    start-up; each user-day's check points and punches, and each calendar day's events, are
    built the first time they are read, then kept. Every user-day's streams are seeded by that
    user-day alone, so what is built lazily is what a whole-org build gives.

    Thread-safe: the HTTP server reads it from several threads; builds happen under one lock
    (reads of what is built take no lock).
    """

    departments = DEPARTMENTS
    groups = GROUPS
    leave_types = LEAVE_TYPES

    def __init__(self, spec: OrgSpec, corp_id: str, employees: list[Employee], plan: Plan):
        self.spec, self.corp_id, self.employees, self.plan = spec, corp_id, employees, plan
        self.approvals = plan.approvals
        self.by_userid = {e.userid: e for e in employees}
        approvals = defaultdict(list)
        for approval in self.approvals:
            approvals[approval.userid].append(approval)
        self.approvals_by_user: dict[str, list[Approval]] = dict(approvals)
        self.approvals_by_id = {a.proc_inst_id: a for a in self.approvals}
        self._window = frozenset(self.dates)
        self._days: dict[tuple[str, date], UserDay] = {}
        self._events_by_day: dict[date, list[ScheduledEvent]] = {}
        self._sparse: dict[date, list[ScheduledEvent]] | None = None
        self._lock = threading.RLock()
        self._draw = random.Random(0)  # reseeded per check point; used under the lock only

    @property
    def dates(self) -> list[date]:
        return [self.spec.start + timedelta(days=i) for i in range(self.spec.days)]

    @property
    def admin_userid(self) -> str:
        return self.employees[0].userid

    def is_holiday(self, day: date) -> bool:
        return is_holiday(day, self.spec.start)

    def user_day(self, userid: str, day: date) -> UserDay:
        """The user's check points and punches of work date `day` (built once, then kept)."""
        found = self._days.get((userid, day))
        if found is not None:
            return found
        employee = self.by_userid.get(userid)
        if employee is None or day not in self._window:
            return _NO_DAY
        with self._lock:
            found = self._days.get((userid, day))
            if found is None:
                found = self._build_day(employee, day)
                self._days[(userid, day)] = found
        return found

    @property
    def built_user_days(self) -> int:
        """How many user-days have been built so far (the rest cost nothing yet)."""
        return len(self._days)

    def _build_day(self, employee: Employee, day: date) -> UserDay:
        seed = self.spec.seed
        points = [check_point(seed, slot) for slot in day_slots(employee, day, self.spec.start)]
        raw_punches = attach_punches(seed, points, self._draw)
        for point in points:
            self.plan.apply(point)
        # Event flags (one punch event per user-minute) only look back within the day: a day's
        # last punch is at most 96 minutes after its OffDuty, the next day's first at most 35
        # before its OnDuty, and every roster leaves hours between the two (e.g. a night shift
        # ending 06:00 is followed by another at 22:00 or by rest).
        return UserDay(points, finalize_punches(points, raw_punches))

    def day_points(self, userid: str, day: date) -> list[CheckPoint]:
        """The user's check points of `day` (OnDuty first), empty on rest days."""
        return self.user_day(userid, day).points

    def points_on(self, day: date) -> list[CheckPoint]:
        """Every user's check points of `day`, in employee order."""
        return [point for e in self.employees for point in self.day_points(e.userid, day)]

    def rows(self, userid: str, day: date, now: datetime) -> list[view.Row]:
        """The user's attendance results of `day` as of `now`."""
        rows = (view.effective_row(point, now) for point in self.day_points(userid, day))
        return [row for row in rows if row is not None]

    def punches_between(self, userid: str, begin: datetime, end: datetime, now: datetime):
        """Raw punches with begin <= time <= min(end, now), in time order."""
        until = min(end, now)
        if until < begin:
            return []
        # A work date's punches lie between its calendar day and the next morning; one more
        # day on each side costs little and keeps this right for any shift.
        first = begin.astimezone(SHANGHAI).date() - timedelta(days=2)
        last = until.astimezone(SHANGHAI).date() + timedelta(days=1)
        days = (first + timedelta(days=i) for i in range((last - first).days + 1))
        punches = [p for day in days for p in self.user_day(userid, day).punches]
        return sorted((p for p in punches if begin <= p.at <= until), key=_AT)

    def day_punches(self, userid: str, day: date, now: datetime) -> list[Punch]:
        """Raw punches keyed to work date `day`, made by `now`."""
        points = self.day_points(userid, day)
        if not points:
            return []
        begin, end = (
            points[0].plan_time - timedelta(hours=6),
            points[-1].plan_time + timedelta(hours=6),
        )
        until = min(end, now)
        return [p for p in self.user_day(userid, day).punches if begin <= p.at <= until]

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
        if end <= start:
            return []
        first = start.astimezone(SHANGHAI).date()
        last = (end - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
        days = (first + timedelta(days=i) for i in range((last - first).days + 1))
        return [e for day in days for e in self.events_on(day) if start <= e.at < end]

    def events_on(self, day: date) -> list[ScheduledEvent]:
        """The events of calendar day `day` (Asia/Shanghai), in time order (built once)."""
        found = self._events_by_day.get(day)
        if found is not None:
            return found
        with self._lock:
            found = self._events_by_day.get(day)
            if found is None:
                found = self._build_events(day)
                self._events_by_day[day] = found
        return found

    def _build_events(self, day: date) -> list[ScheduledEvent]:
        # A punch falls on its work date or the next morning; a day settles on the next day
        # (an overnight shift's at most a day later still).
        before, two_before = day - timedelta(days=1), day - timedelta(days=2)
        events = list(self._sparse_by_day().get(day, []))
        if not self._window & {day, before, two_before}:
            return sort_events(events)  # outside the window only approvals can happen
        for employee in self.employees:
            userid = employee.userid
            for work_date in (before, day):
                if work_date == before and not self._punches_past_midnight(employee, before):
                    continue  # its punches are all on `before`: no need to draw them yet
                for punch in self.user_day(userid, work_date).punches:
                    if punch.emits_event and punch.at.date() == day:
                        events.append(punch_event(self.corp_id, punch))
            for work_date in (two_before, before):
                if work_date not in self._window:
                    continue
                shape = day_shape(employee, work_date, self.spec.start)
                if shape is not None and shape.settle_at.date() == day:
                    events.append(summary_event(userid, work_date, shape.settle_at))
        return sort_events(events)

    def _punches_past_midnight(self, employee: Employee, day: date) -> bool:
        """Whether a punch of work date `day` can fall on the next calendar day."""
        if day not in self._window:
            return False
        shape = day_shape(employee, day, self.spec.start)
        return shape is not None and shape.off_time + _LATEST_PUNCH >= midnight(day + _ONE_DAY)

    def _sparse_by_day(self) -> dict[date, list[ScheduledEvent]]:
        with self._lock:
            if self._sparse is None:
                by_day: dict[date, list[ScheduledEvent]] = defaultdict(list)
                for event in sparse_events(
                    self.spec.seed, self.corp_id, self.by_userid, self.plan, self._slot
                ):
                    by_day[event.at.astimezone(SHANGHAI).date()].append(event)
                self._sparse = dict(by_day)
            return self._sparse

    def _slot(self, key: PointKey) -> Slot:
        userid, day, check_type = key
        slots = day_slots(self.by_userid[userid], day, self.spec.start)
        return next(slot for slot in slots if slot.check_type == check_type)

    # Whole-org views, for tests and benchmarks: they build every user-day.

    @property
    def points(self) -> list[CheckPoint]:
        """Every check point, in (user, date, check type) order."""
        return [
            p for e in self.employees for day in self.dates for p in self.day_points(e.userid, day)
        ]

    @property
    def points_by_date(self) -> dict[date, list[CheckPoint]]:
        return {day: points for day in self.dates if (points := self.points_on(day))}

    @property
    def punches(self) -> list[Punch]:
        """Every punch, by user then time."""
        every = (
            p
            for e in self.employees
            for day in self.dates
            for p in self.user_day(e.userid, day).punches
        )
        return sorted(every, key=_USER_AT)

    @property
    def events(self) -> list[ScheduledEvent]:
        """The whole timeline, in time order."""
        sparse = self._sparse_by_day()
        first = min([self.spec.start, *sparse])
        last = max([self.dates[-1] + timedelta(days=2), *sparse])
        return [
            e
            for i in range((last - first).days + 1)
            for e in self.events_on(first + timedelta(days=i))
        ]


def build_org(spec: OrgSpec) -> Org:
    """Build the org of `spec` (deterministic: the same spec gives an equal org)."""
    corp_id = "ding" + stable_hex(spec.seed, "corp", length=16)
    employees = build_employees(spec.seed, spec.employees, spec.start)
    return Org(spec, corp_id, employees, plan_org(spec.seed, employees, spec.start, spec.days))
