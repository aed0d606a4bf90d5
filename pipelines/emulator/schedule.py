"""Schedules (check points) and punches with a realistic spread of results."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.emulator.calendar import GROUPS_BY_ID, ROSTER, ShiftClass, midnight, shift_for
from pipelines.emulator.ids import reseed, stable_hex, stable_int
from pipelines.emulator.model import CheckPoint, Employee, Punch, Slot

OFFICE = ("浙江省杭州市余杭区文一西路969号", 30.285413, 120.017139)
# A day settles (missing check points become NotSigned) at the next midnight, or 4 hours after
# the last check point of an overnight shift, whichever is later.
SETTLE_GRACE = timedelta(hours=4)


@dataclass(frozen=True)
class DayShape:
    """A work day's shift, its two plan times and when the day settles."""

    shift: ShiftClass
    on_time: datetime
    off_time: datetime
    settle_at: datetime


@functools.cache
def _shape(group_id: int, roster_index: int, day: date, start: date) -> DayShape | None:
    shift = shift_for(GROUPS_BY_ID[group_id], roster_index, day, start)
    if shift is None:
        return None
    on_time, off_time = shift.plan_times(day)
    settle_at = max(midnight(day + timedelta(days=1)), off_time + SETTLE_GRACE)
    return DayShape(shift, on_time, off_time, settle_at)


def day_shape(employee: Employee, day: date, start: date) -> DayShape | None:
    """The employee's shift of `day` and its times, None on a rest day (shared by every member
    on the same roster position, so computed once per group, position and day)."""
    group = GROUPS_BY_ID[employee.group_id]
    # A member's roster position only matters in a TURN group (see `shift_for`).
    roster_index = employee.member_index % len(ROSTER) if group.type == "TURN" else 0
    return _shape(group.group_id, roster_index, day, start)


def day_slots(employee: Employee, day: date, start: date) -> tuple[Slot, ...]:
    """The employee's check points of `day` before their ids and punches are drawn (no hashing:
    the plan of approvals reads these for every fixed-shift user at start-up)."""
    shape = day_shape(employee, day, start)
    if shape is None:
        return ()
    shift, group_id = shape.shift, employee.group_id
    return (
        Slot(
            employee.userid,
            day,
            "OnDuty",
            shape.on_time,
            group_id,
            shift.class_id,
            shift.class_setting_id,
            shape.settle_at,
        ),
        Slot(
            employee.userid,
            day,
            "OffDuty",
            shape.off_time,
            group_id,
            shift.class_id,
            shift.class_setting_id,
            shape.settle_at,
        ),
    )


def plan_id(seed: int, userid: str, day: date, check_type: str) -> int:
    """The check point's planId (also read by the timeline for admin-edit events)."""
    return stable_int(seed, "plan", userid, day, check_type, digits=12)


def check_point(seed: int, slot: Slot) -> CheckPoint:
    """The check point of `slot`, with its ids."""
    return CheckPoint(
        userid=slot.userid,
        work_date=slot.work_date,
        check_type=slot.check_type,
        plan_id=plan_id(seed, slot.userid, slot.work_date, slot.check_type),
        plan_time=slot.plan_time,
        group_id=slot.group_id,
        class_id=slot.class_id,
        class_setting_id=slot.class_setting_id,
        settle_at=slot.settle_at,
        row_id=stable_int(seed, "row", slot.userid, slot.work_date, slot.check_type, digits=12),
    )


def classify_late(minutes_late: float, shift: ShiftClass) -> str:
    """OnDuty result by the group's thresholds (minutes after the plan time)."""
    if minutes_late <= shift.permit_late_minutes:
        return "Normal"
    if minutes_late >= shift.absenteeism_late_minutes:
        return "Absenteeism"
    if minutes_late >= shift.serious_late_minutes:
        return "SeriousLate"
    return "Late"


def _on_duty_offset(draw: random.Random, shift: ShiftClass) -> float | None:
    """Minutes after the plan time of the OnDuty punch, or None when the user forgot to punch."""
    roll = draw.random()
    if roll < 0.02:
        return None
    if roll < 0.06:
        return draw.uniform(shift.permit_late_minutes + 1, shift.serious_late_minutes - 1)
    if roll < 0.075:
        return draw.uniform(shift.serious_late_minutes, shift.absenteeism_late_minutes - 1)
    if roll < 0.085:
        return draw.uniform(shift.absenteeism_late_minutes, shift.absenteeism_late_minutes + 60)
    if roll < 0.13 and shift.permit_late_minutes:
        return draw.uniform(0.2, shift.permit_late_minutes)
    return -draw.uniform(1, 35)


def _off_duty_offset(draw: random.Random) -> float | None:
    roll = draw.random()
    if roll < 0.03:
        return None
    if roll < 0.08:
        return -draw.uniform(5, 90)
    return draw.uniform(0, 95)


# Each check point's shift class, looked up once instead of scanning its group's classes.
_SHIFTS = {(g.group_id, c.class_id): c for g in GROUPS_BY_ID.values() for c in g.classes}


@functools.cache
def _device_sn(seed: int, group_id: int) -> str:
    """The group's attendance machine: one per group, so one hash per group, not per punch."""
    return f"DDATM{stable_int(seed, 'atm', group_id, digits=8)}"


def punch_result(
    seed: int, userid: str, day: date, check_type: str, shift: ShiftClass, draw: random.Random
) -> tuple[float | None, str | None]:
    """Reseed `draw` to the check point's punch stream and draw the punch's minutes after the
    plan time and its raw result (both None when the user forgot to punch); the rest of the
    stream (place, method, a second punch) is left in `draw`."""
    reseed(draw, seed, "punch", userid, day, check_type)
    if check_type == "OnDuty":
        offset = _on_duty_offset(draw, shift)
        result = None if offset is None else classify_late(max(offset, 0), shift)
    else:
        offset = _off_duty_offset(draw)
        result = None if offset is None else ("Early" if offset < 0 else "Normal")
    return offset, result


def attach_punches(seed: int, points: list[CheckPoint], draw: random.Random) -> list[Punch]:
    """Draw the punch of every check point (some forgotten, some doubled) and classify it.

    `draw` is reseeded per check point (each point's stream is its own), so any generator will
    do; the caller owns it. Event flags are set later by `finalize_punches`, once approvals
    removed some punches.
    """
    punches: list[Punch] = []
    for point in points:
        shift = _SHIFTS[(point.group_id, point.class_id)]
        offset, result = punch_result(
            seed, point.userid, point.work_date, point.check_type, shift, draw
        )
        if offset is None or result is None:  # result is None exactly when offset is
            continue
        at = (point.plan_time + timedelta(minutes=offset)).replace(microsecond=0)
        point.punch = _punch(seed, point, at, draw, result, valid=True)
        point.raw_result = result
        punches.append(point.punch)
        if draw.random() < 0.04:  # a nervous second punch some seconds later, same minute
            again = at + timedelta(seconds=draw.randint(3, 40))
            punches.append(_punch(seed, point, again, draw, result, valid=False))
    return punches


def finalize_punches(points: list[CheckPoint], punches: list[Punch]) -> list[Punch]:
    """Drop punches whose check point lost its punch (leave, 补卡 target); flag event punches."""
    kept = {(p.userid, p.work_date, p.check_type) for p in points if p.punch is not None}
    alive = [p for p in punches if (p.userid, p.work_date, p.check_type) in kept]
    alive.sort(key=lambda punch: (punch.userid, punch.at))
    last_event_at: dict[str, datetime] = {}
    return [_with_event_flag(punch, last_event_at) for punch in alive]


def _with_event_flag(punch: Punch, last_event_at: dict[str, datetime]) -> Punch:
    previous = last_event_at.get(punch.userid)
    if previous is not None and punch.at - previous < timedelta(minutes=1):
        return punch
    last_event_at[punch.userid] = punch.at
    return Punch(**{**punch.__dict__, "emits_event": True})


def _punch(seed, point: CheckPoint, at: datetime, draw, result: str, valid: bool) -> Punch:
    outside = draw.random() < 0.05
    method = "ATM" if draw.random() < 0.2 else "MAP"
    address, lat, lon = OFFICE
    if outside:
        address, lat, lon = "浙江省杭州市西湖区文三路90号", 30.278, 120.131
    return Punch(
        record_id=stable_int(seed, "record", point.userid, at.isoformat(), digits=11),
        userid=point.userid,
        at=at,
        work_date=point.work_date,
        check_type=point.check_type,
        plan_id=point.plan_id,
        group_id=point.group_id,
        class_id=point.class_id,
        biz_id=stable_hex(seed, "biz", point.userid, at.isoformat(), length=16).upper(),
        location_result="Outside" if outside else "Normal",
        location_method=method,
        device_sn=_device_sn(seed, point.group_id) if method == "ATM" else None,
        address=address,
        latitude=round(lat + draw.uniform(-2e-4, 2e-4), 6),
        longitude=round(lon + draw.uniform(-2e-4, 2e-4), 6),
        accuracy=draw.randint(5, 65),
        valid_matched=valid,
        raw_time_result=result,
        emits_event=False,
    )
