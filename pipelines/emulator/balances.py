"""Leave balances (假期余额) of the emulated org, derived from its leave approvals.

Each employee holds one quota per leave type for the calendar year of `now` (quota_cycle
"2026"): a grant fixed by the type (annual leave by tenure), minus what the approvals of that
type in effect at `now` and beginning in the year used. Day-unit types (day, halfDay) count in
days, hour types in hours, both in hundredths on the wire (1000 = 10 days), as documented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pipelines.emulator.calendar import epoch_ms, midnight
from pipelines.emulator.ids import stable_uuid
from pipelines.emulator.model import Employee, LeaveType

# The grant per year in the type's unit; annual leave follows tenure (China's 带薪年休假 steps).
GRANTS = {"事假": 80.0, "病假": 10.0, "调休": 16.0, "育儿假": 5.0}
ANNUAL_LEAVE = "年假"


@dataclass(frozen=True)
class Balance:
    """One quota: granted and used in the type's unit (days or hours)."""

    userid: str
    leave: LeaveType
    cycle: int
    granted: float
    used: float

    @property
    def by_hour(self) -> bool:
        return self.leave.leave_view_unit == "hour"


def annual_grant(employee: Employee, year: int) -> float:
    """Paid annual leave by years of service at the start of the year: 5, 10 or 15 days."""
    years = (date(year, 1, 1) - employee.hired_date).days / 365
    return 5.0 if years < 10 else (10.0 if years < 20 else 15.0)


def balance(org, employee: Employee, leave: LeaveType, now: datetime) -> Balance:
    """The quota of `leave` for `employee` in the year of `now`."""
    year = now.year
    granted = (
        annual_grant(employee, year)
        if leave.leave_name == ANNUAL_LEAVE
        else GRANTS.get(leave.leave_name, 0.0)
    )
    used = sum(
        a.duration_hours if leave.leave_view_unit == "hour" else a.duration_days
        for a in org.approvals_by_user.get(employee.userid, [])
        if a.kind == "leave"
        and a.leave_type().leave_code == leave.leave_code
        and a.in_effect(now)
        and a.begin.year == year
    )
    return Balance(employee.userid, leave, year, granted, round(used, 2))


def quota_item(org, item: Balance) -> dict:
    """One `leave_quotas[]` entry: only the field of the type's unit is present."""
    unit = "hour" if item.by_hour else "day"
    start = midnight(date(item.cycle, 1, 1))
    end = midnight(date(item.cycle + 1, 1, 1))
    return {
        "userid": item.userid,
        "leave_code": item.leave.leave_code,
        "quota_cycle": str(item.cycle),
        "quota_id": stable_uuid(
            org.corp_id, "quota", item.userid, item.leave.leave_code, item.cycle
        ),
        "start_time": epoch_ms(start),
        "end_time": epoch_ms(end) - 1,
        f"quota_num_per_{unit}": int(round(item.granted * 100)),
        f"used_num_per_{unit}": int(round(item.used * 100)),
    }
