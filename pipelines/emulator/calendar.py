"""Time helpers, attendance groups and shifts, and the holiday calendar of the emulated org."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pipelines.days import SHANGHAI

# One holiday every 14 days (on a weekday), so any 14-day window holds exactly one holiday.
HOLIDAY_PERIOD_DAYS = 14


def local(day: date, at: time) -> datetime:
    """The aware Asia/Shanghai datetime of `at` on `day`."""
    return datetime.combine(day, at, tzinfo=SHANGHAI)


def midnight(day: date) -> datetime:
    """Local midnight starting `day`."""
    return local(day, time(0, 0))


def epoch_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime (the wire format of numeric times)."""
    return int(moment.timestamp() * 1000)


def from_ms(value: int | float | str) -> datetime:
    """An aware Asia/Shanghai datetime from epoch milliseconds."""
    return datetime.fromtimestamp(int(value) / 1000, tz=SHANGHAI)


def fmt(moment: datetime) -> str:
    """`yyyy-MM-dd HH:mm:ss` in Asia/Shanghai (the wire format of string times)."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def fmt_day(day: date) -> str:
    """`yyyy-MM-dd 00:00:00`, how DingTalk writes a work date as a string."""
    return f"{day.isoformat()} 00:00:00"


def parse_local(text: str) -> datetime:
    """Parse `yyyy-MM-dd[ HH:mm[:ss]]` as Asia/Shanghai; raises ValueError on anything else."""
    text = text.strip()
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    raise ValueError(f"not a date or datetime: {text!r}")


@functools.cache  # read per user-day through `is_holiday`
def first_holiday_on_or_after(start: date) -> date:
    """The org's first holiday: the first weekday at least two days after `start`."""
    day = start + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def is_holiday(day: date, start: date) -> bool:
    """True on the org's holidays (every 14 days from the first one, in both directions)."""
    return (day - first_holiday_on_or_after(start)).days % HOLIDAY_PERIOD_DAYS == 0


@dataclass(frozen=True)
class ShiftClass:
    """One shift (班次): check times and the lateness thresholds of its setting."""

    class_id: int
    class_setting_id: int
    name: str
    on_duty: time
    off_duty: time
    permit_late_minutes: int
    serious_late_minutes: int
    absenteeism_late_minutes: int

    @property
    def overnight(self) -> bool:
        """The OffDuty check point falls on the next calendar day (`across` = 1)."""
        return self.off_duty <= self.on_duty

    def plan_times(self, work_date: date) -> tuple[datetime, datetime]:
        """OnDuty and OffDuty plan times of this shift on `work_date`."""
        off_day = work_date + timedelta(days=1) if self.overnight else work_date
        return local(work_date, self.on_duty), local(off_day, self.off_duty)

    @property
    def work_minutes(self) -> int:
        minutes = (self.off_duty.hour - self.on_duty.hour) * 60
        minutes += self.off_duty.minute - self.on_duty.minute
        return minutes % (24 * 60)


@dataclass(frozen=True)
class Group:
    """An attendance group: FIXED (weekdays, holidays off) or TURN (排班制, a roster)."""

    group_id: int
    name: str
    type: str
    classes: tuple[ShiftClass, ...]


def _thresholds(permit: int, serious: int, absent: int) -> dict[str, int]:
    return {
        "permit_late_minutes": permit,
        "serious_late_minutes": serious,
        "absenteeism_late_minutes": absent,
    }


GROUPS: tuple[Group, ...] = (
    Group(
        685935028,
        "研发考勤组(09:00-18:00)",
        "FIXED",
        (ShiftClass(677995086, 599315627, "标准班", time(9), time(18), **_thresholds(5, 30, 120)),),
    ),
    Group(
        685935029,
        "销售考勤组(10:00-19:00)",
        "FIXED",
        (ShiftClass(677995087, 599315628, "晚班", time(10), time(19), **_thresholds(0, 20, 60)),),
    ),
    Group(
        685935030,
        "运维排班组",
        "TURN",
        (
            ShiftClass(677995088, 599315629, "白班", time(8), time(16), **_thresholds(10, 40, 90)),
            ShiftClass(677995089, 599315630, "夜班", time(22), time(6), **_thresholds(10, 40, 90)),
        ),
    ),
)
GROUPS_BY_ID = {group.group_id: group for group in GROUPS}
# The shift group's roster cycle, indexed by (day ordinal + member index): 0 = day, 1 = night.
ROSTER = (0, 0, 1, 1, None, None)


def shift_for(group: Group, member_index: int, day: date, start: date) -> ShiftClass | None:
    """The shift the member works on `day`, or None on a rest day."""
    if group.type == "FIXED":
        if day.weekday() >= 5 or is_holiday(day, start):
            return None
        return group.classes[0]
    slot = ROSTER[(day.toordinal() + member_index) % len(ROSTER)]
    return None if slot is None else group.classes[slot]
