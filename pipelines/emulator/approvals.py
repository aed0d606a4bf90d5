"""Approvals (leave, overtime, trip, out, 补卡) and admin edits placed over the schedule."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pipelines.emulator.calendar import GROUPS_BY_ID, is_holiday, local, midnight, shift_for
from pipelines.emulator.ids import rng, stable_int, stable_uuid
from pipelines.emulator.model import Approval, BossEdit, CheckPoint, Employee, PointKey, Slot
from pipelines.emulator.people import HOURS_PER_DAY, LEAVE_TYPES_BY_NAME
from pipelines.emulator.schedule import day_slots, punch_result


@dataclass(frozen=True)
class Kind:
    tag_name: str
    biz_type: int  # getupdatedata approve_list: 1 加班, 2 出差/外出, 3 请假
    approve_type: str | None  # attendance_approve_status_change approveType (None: not sent)
    biz_category_id: str
    process_code: str


# approveType follows the reference literally (TRAVEL：外出, OUT：出差); see docs/emulator.md.
KINDS = {
    "leave": Kind("请假", 3, "LEAVE", "attendance.leave", "PROC-EMU-LEAVE"),
    "overtime": Kind("加班", 1, "OVERTIME", "attendance.batchovertime", "PROC-EMU-OVERTIME"),
    "trip": Kind("出差", 2, "OUT", "alitrip.business", "PROC-EMU-TRIP"),
    "out": Kind("外出", 2, "TRAVEL", "attendance.goout", "PROC-EMU-GOOUT"),
    "supply": Kind("补卡", 0, None, "attendance.supply", "PROC-EMU-SUPPLY"),
}


def shuffle(draw: random.Random, items: list) -> None:
    """`draw.shuffle(items)` with the same result and the same draws, without a method call per
    element: one shuffle of every fixed-shift user per approval made it the org's hot spot."""
    getrandbits = draw.getrandbits
    for i in reversed(range(1, len(items))):
        n = i + 1
        k = n.bit_length()
        j = getrandbits(k)
        while j >= n:
            j = getrandbits(k)
        items[i], items[j] = items[j], items[i]


@dataclass
class Plan:
    """The org-wide decisions about check points, taken once at start-up: the approvals, which
    approval covers which check point, whose punch is gone (away, or replaced by a 补卡), and the
    admin edits. User-days are built from it on demand, each agreeing with the whole-org plan."""

    approvals: list[Approval]
    covers: dict[PointKey, Approval]
    removed: set[PointKey]
    supply: dict[PointKey, Approval]
    boss: dict[PointKey, BossEdit]

    def apply(self, point: CheckPoint) -> None:
        """Set the plan's approvals and edit on a freshly drawn check point."""
        key = (point.userid, point.work_date, point.check_type)
        point.cover = self.covers.get(key)
        point.supply = self.supply.get(key)
        point.boss = self.boss.get(key)
        if key in self.removed:
            point.punch = None


class _Planner:
    """Places approvals on free work days of fixed-shift employees, without overlaps."""

    def __init__(self, seed: int, employees: list[Employee], start: date, days: int):
        self.seed, self.start, self.employees = seed, start, employees
        self.window = [start + timedelta(days=i) for i in range(days)]
        self.by_userid = {e.userid: e for e in employees}
        fixed = {g for g, group in GROUPS_BY_ID.items() if group.type == "FIXED"}
        self.fixed_users = [e.userid for e in employees if e.group_id in fixed]
        # A fixed group's members share one roster, so its scheduled days are listed once.
        roster = {
            g: [d for d in self.window if shift_for(GROUPS_BY_ID[g], 0, d, start)] for g in fixed
        }
        self.days_of = {e.userid: roster[e.group_id] for e in employees if e.group_id in fixed}
        self.day_sets = {g: set(days) for g, days in roster.items()}
        self.busy: set[tuple[str, date]] = set()
        self.approvals: list[Approval] = []
        self.covers: dict[PointKey, Approval] = {}
        self.removed: set[PointKey] = set()

    def slots(self, userid: str, day: date) -> tuple[Slot, ...]:
        return day_slots(self.by_userid[userid], day, self.start)

    def scheduled(self, userid: str, day: date) -> bool:
        return day in self.day_sets[self.by_userid[userid].group_id]

    def workdays(self, userid: str) -> list[date]:
        return [day for day in self.days_of.get(userid, ()) if (userid, day) not in self.busy]

    def pick_run(self, draw: random.Random, length: int) -> tuple[str, list[date]] | None:
        """A user and `length` consecutive free work days (consecutive in the roster)."""
        users = list(self.fixed_users)
        shuffle(draw, users)
        for userid in users:
            days = self.workdays(userid)
            runs = [days[i : i + length] for i in range(len(days) - length + 1)]
            runs = [run for run in runs if (run[-1] - run[0]).days <= length + 2]
            if runs:
                return userid, draw.choice(runs)
        return None

    def add(self, kind: str, userid: str, days: list[date], begin: datetime, end: datetime, **kw):
        number = len(self.approvals)
        approval = Approval(
            proc_inst_id=stable_uuid(self.seed, "proc", number),
            approve_id=stable_int(self.seed, "approve", number, digits=10),
            kind=kind,
            userid=userid,
            begin=begin,
            end=end,
            **kw,
        )
        self.approvals.append(approval)
        for day in days:
            self.busy.add((userid, day))
            for slot in self.slots(userid, day):
                if begin <= slot.plan_time <= end:
                    self.covers[slot.key] = approval
                    if approval.revoked_at is None:
                        self.removed.add(slot.key)  # away: nobody punches a covered point
        return approval


def _timing(draw: random.Random, first_day: date) -> tuple[datetime, datetime]:
    created = local(first_day - timedelta(days=2), time(15)) + timedelta(
        minutes=draw.randint(0, 90)
    )
    return created, created + timedelta(minutes=draw.randint(20, 300))


def _leave(plan: _Planner, draw, name: str, length: int, part: str = "all", revoke=False):
    found = plan.pick_run(draw, length)
    if found is None:
        return
    userid, days = found
    first, last = plan.slots(userid, days[0]), plan.slots(userid, days[-1])
    begin, end = first[0].plan_time, last[1].plan_time
    leave = LEAVE_TYPES_BY_NAME[name]
    half = begin + (end - begin) / 2
    if part == "morning":
        end = half
    elif part == "hours":
        end = begin + timedelta(hours=2)
    hours = HOURS_PER_DAY if part == "all" else (2.0 if part == "hours" else HOURS_PER_DAY / 2)
    per_day = {day: (hours / HOURS_PER_DAY, hours) for day in days}
    created, finished = _timing(draw, days[0])
    revoked = local(days[0] - timedelta(days=1), time(20, 30)) if revoke else None
    unit = leave.leave_view_unit
    plan.add(
        "leave",
        userid,
        days,
        begin,
        end,
        unit=unit,
        created_at=created,
        finished_at=finished,
        revoked_at=revoked,
        leave=leave,
        per_day=per_day,
    )


def _after_the_fact_sick_leave(plan: _Planner, draw):
    found = plan.pick_run(draw, 1)
    if found is None:
        return
    userid, (day,) = found
    on, off = (p.plan_time for p in plan.slots(userid, day))
    created = local(day, time(8, 30))
    finished = local(day + timedelta(days=1), time(10, 0))  # approved after the day settled
    plan.add(
        "leave",
        userid,
        [day],
        on,
        off,
        unit="halfDay",
        created_at=created,
        finished_at=finished,
        leave=LEAVE_TYPES_BY_NAME["病假"],
        per_day={day: (1.0, HOURS_PER_DAY)},
    )


def _trip_or_out(plan: _Planner, draw, kind: str):
    found = plan.pick_run(draw, 2 if kind == "trip" else 1)
    if found is None:
        return
    userid, days = found
    begin = plan.slots(userid, days[0])[0].plan_time
    end = plan.slots(userid, days[-1])[1].plan_time
    if kind == "out":
        begin = end - timedelta(hours=3)
        per_day = {days[0]: (3 / HOURS_PER_DAY, 3.0)}
    else:
        per_day = {day: (1.0, HOURS_PER_DAY) for day in days}
    created, finished = _timing(draw, days[0])
    unit = "day" if kind == "trip" else "hour"
    plan.add(
        kind,
        userid,
        days,
        begin,
        end,
        unit=unit,
        created_at=created,
        finished_at=finished,
        per_day=per_day,
    )


def _overtime(plan: _Planner, draw, days_in_window: list[date]):
    userid = draw.choice(plan.fixed_users) if plan.fixed_users else None
    if userid is None:
        return
    rest = [d for d in days_in_window if not plan.scheduled(userid, d)]
    if rest:
        day = draw.choice(rest)
        begin, end = local(day, time(10)), local(day, time(14))
    else:
        day = draw.choice(plan.workdays(userid) or days_in_window)
        begin = local(day, time(19, 30))
        end = begin + timedelta(hours=2)
    hours = (end - begin).total_seconds() / 3600
    created, finished = local(day, time(9)), end + timedelta(hours=draw.randint(1, 20))
    plan.add(
        "overtime",
        userid,
        [],
        begin,
        end,
        unit="hour",
        created_at=created,
        finished_at=finished,
        per_day={day: (hours / HOURS_PER_DAY, hours)},
    )


def plan_org(seed: int, employees: list[Employee], start: date, days: int) -> Plan:
    """The approvals, 补卡 and admin edits of the window (deterministic for the seed)."""
    plan = _Planner(seed, employees, start, days)
    draw = rng(seed, "approvals")
    _leave(plan, draw, "年假", 3)
    _leave(plan, draw, "病假", 1, part="morning")
    _leave(plan, draw, "事假", 1, part="hours")
    _leave(plan, draw, "调休", 1, revoke=True)
    _leave(plan, draw, "育儿假", 1)
    _after_the_fact_sick_leave(plan, draw)
    _trip_or_out(plan, draw, "trip")
    _trip_or_out(plan, draw, "out")
    _overtime(plan, draw, plan.window)
    for _ in range(len(employees) * days // 80):
        pick = draw.randrange(4)
        if pick == 0:
            _leave(plan, draw, draw.choice(("年假", "事假", "调休")), draw.randint(1, 2))
        elif pick == 1:
            _leave(plan, draw, "事假", 1, part="hours")
        elif pick == 2:
            _trip_or_out(plan, draw, "out")
        else:
            _overtime(plan, draw, plan.window)
    supply = _supply_on_holiday(plan, seed)
    approvals = plan.approvals + ([supply] if supply else [])
    supplied = {supply.supplied_point(): supply} if supply else {}
    removed = plan.removed | set(supplied)
    boss = _boss_edits(plan, seed, supplied)
    return Plan(approvals, plan.covers, removed, supplied, boss)


def _supply_on_holiday(plan: _Planner, seed: int) -> Approval | None:
    """A forgotten punch, fixed by a 补卡 approved on a holiday (no punch event for it)."""
    holidays = [day for day in plan.window if is_holiday(day, plan.start)]
    for holiday in holidays:
        # Prefer the OffDuty of an overnight shift: its work date differs from its calendar day;
        # then the latest. Ties go to the first in (user, date, check type) order.
        best: Slot | None = None
        best_rank: tuple[bool, float] | None = None
        cutoff = midnight(holiday)
        for employee in plan.employees:
            for day in plan.window:
                if day >= holiday:  # a work date's check points are on or after its midnight
                    break
                for slot in day_slots(employee, day, plan.start):
                    if slot.plan_time >= cutoff or slot.key in plan.covers:
                        continue
                    rank = (slot.plan_time.date() == slot.work_date, -slot.plan_time.timestamp())
                    if best_rank is None or rank < best_rank:
                        best, best_rank = slot, rank
        if best is None:
            continue
        created = local(holiday, time(9, 12))
        number = len(plan.approvals)
        return Approval(
            proc_inst_id=stable_uuid(seed, "proc", number),
            approve_id=stable_int(seed, "approve", number, digits=10),
            kind="supply",
            userid=best.userid,
            begin=best.plan_time,
            end=best.plan_time,
            unit="hour",
            created_at=created,
            finished_at=created + timedelta(minutes=53),
            per_day={best.work_date: (0.0, 0.0)},
            supply_point=best.key,
            supply_time=best.plan_time,
        )
    return None


def _boss_edits(
    plan: _Planner, seed: int, supplied: dict[PointKey, Approval], limit: int = 2
) -> dict[PointKey, BossEdit]:
    """Admin corrections: a few Late or forgotten check points set to Normal the next morning.

    Choosing them draws the first punch roll of every fixed-shift check point: the one org-wide
    pass over punches left at start-up (the rest are drawn per user-day on demand).
    """
    candidates: list[PointKey] = []
    rolls = random.Random()  # reseeded per check point
    for userid in plan.fixed_users:
        # A fixed group has one shift (`shift_for`); candidates are in the org's point order.
        shift = GROUPS_BY_ID[plan.by_userid[userid].group_id].classes[0]
        for day in plan.days_of[userid]:
            for check_type in ("OnDuty", "OffDuty"):
                key = (userid, day, check_type)
                if key in plan.covers or key in supplied:
                    continue
                result = punch_result(seed, userid, day, check_type, shift, rolls)[1]
                if result is None or result == "Late":  # no punch, or a Late one
                    candidates.append(key)
    draw = rng(seed, "boss")
    chosen = draw.sample(candidates, min(limit, len(candidates)))
    edits = {}
    for key in chosen:
        (slot,) = (s for s in plan.slots(key[0], key[1]) if s.check_type == key[2])
        edits[key] = BossEdit(at=slot.settle_at + timedelta(hours=10, minutes=draw.randint(0, 59)))
    return edits
