"""The records of the emulated organisation (plain data; the rules live in `view.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Department:
    dept_id: int
    name: str
    parent_id: int | None


@dataclass(frozen=True)
class Employee:
    userid: str
    unionid: str
    name: str
    dept_id: int
    group_id: int
    member_index: int
    job_number: str
    title: str
    hired_date: date
    is_admin: bool = False


@dataclass(frozen=True)
class LeaveType:
    leave_code: str
    leave_name: str
    leave_view_unit: str  # day | halfDay | hour
    biz_type: str = "general_leave"
    in_report: bool = True  # the seed's pitfall: one type is missing from the report columns


@dataclass(frozen=True)
class Punch:
    """One raw punch (打卡记录) as listRecord and getupdatedata's check_record_list show it."""

    record_id: int
    userid: str
    at: datetime
    work_date: date
    check_type: str
    plan_id: int
    group_id: int
    class_id: int
    biz_id: str
    location_result: str
    location_method: str
    device_sn: str | None
    address: str
    latitude: float
    longitude: float
    accuracy: int
    valid_matched: bool
    raw_time_result: str
    emits_event: bool  # at most one attendance_check_record per user per minute
    source_type: str = "USER"  # APPROVE (补卡) or BOSS for records the emulator derives
    approval: Approval | None = field(default=None, compare=False)  # a derived 补卡 record's


@dataclass
class Approval:
    """An approval instance: leave, overtime, trip, out (请假/加班/出差/外出) or supply (补卡)."""

    proc_inst_id: str
    approve_id: int
    kind: str  # leave | overtime | trip | out | supply
    userid: str
    begin: datetime
    end: datetime
    unit: str  # day | halfDay | hour
    created_at: datetime
    finished_at: datetime
    revoked_at: datetime | None = None
    leave: LeaveType | None = None
    # Per covered work date: (days, hours) this approval accounts for on that date.
    per_day: dict[date, tuple[float, float]] = field(default_factory=dict)
    supply_point: tuple[str, date, str] | None = None  # (userid, work_date, check_type)
    supply_time: datetime | None = None

    def in_effect(self, now: datetime) -> bool:
        """Approved by `now` and not revoked yet."""
        if self.finished_at > now:
            return False
        return self.revoked_at is None or now < self.revoked_at

    def leave_type(self) -> LeaveType:
        """The leave type of a leave approval (other kinds have none)."""
        if self.leave is None:
            raise ValueError(f"approval {self.proc_inst_id} ({self.kind}) has no leave type")
        return self.leave

    def supplied_at(self) -> datetime:
        """The punch time a supply (补卡) approval puts on the record."""
        if self.supply_time is None:
            raise ValueError(f"approval {self.proc_inst_id} ({self.kind}) supplies no punch")
        return self.supply_time

    def supplied_point(self) -> tuple[str, date, str]:
        """(userid, work_date, check_type) of the point a supply approval fills."""
        if self.supply_point is None:
            raise ValueError(f"approval {self.proc_inst_id} ({self.kind}) supplies no punch")
        return self.supply_point

    @property
    def duration_days(self) -> float:
        return round(sum(days for days, _ in self.per_day.values()), 2)

    @property
    def duration_hours(self) -> float:
        return round(sum(hours for _, hours in self.per_day.values()), 2)


@dataclass(frozen=True)
class BossEdit:
    """An administrator's correction of one check point's result (source_type BOSS)."""

    at: datetime
    time_result: str = "Normal"


PointKey = tuple[str, date, str]  # (userid, work_date, check_type): one check point


@dataclass(frozen=True)
class Slot:
    """A check point before its ids and its punch are drawn: what the org's plan reads."""

    userid: str
    work_date: date
    check_type: str  # OnDuty | OffDuty
    plan_time: datetime
    group_id: int
    class_id: int
    class_setting_id: int
    settle_at: datetime

    @property
    def key(self) -> PointKey:
        return (self.userid, self.work_date, self.check_type)


@dataclass
class CheckPoint:
    """One scheduled check point (plan) of one user on one work date."""

    userid: str
    work_date: date
    check_type: str  # OnDuty | OffDuty
    plan_id: int
    plan_time: datetime
    group_id: int
    class_id: int
    class_setting_id: int
    settle_at: datetime  # when missing check points get their final result
    row_id: int  # attendance/list `id`
    punch: Punch | None = None
    raw_result: str = "NotSigned"  # what the punch alone is worth, thresholds applied
    cover: Approval | None = None  # leave/trip/out covering this check point
    supply: Approval | None = None  # a 补卡 approval for this check point
    boss: BossEdit | None = None


@dataclass(frozen=True)
class ScheduledEvent:
    """One event of the timeline; `data` is the Stream payload exactly as reference section 5."""

    at: datetime
    event_type: str
    data: dict[str, Any]
    key: str  # deterministic identity of the event, stable across runs of the same seed
