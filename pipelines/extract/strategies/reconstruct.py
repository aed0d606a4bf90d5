"""Check-point results rebuilt from raw punches and schedules, with no attendance rule of our own.

`attendance/list` returns 50 rows a call; `listRecord` returns every punch of 50 users over 7
days in one call, and a matched punch carries its check point's `timeResult`, `planId`,
`sourceType` and `procInstId`; `schedule/listbyusers` lists every planned check point of 50
users over 7 days, with `approve_id` where an approval is bound (reference 11.1). Together they
give `attendance/list`'s rows at a fraction of the calls. The one rule computed here is the one
DingTalk leaves to the reader: a point that is scheduled, has no punch and no approval, and is
past the cut-off is NotSigned. Every other value is copied from DingTalk.

What cannot be trusted (and is therefore left to `attendance/list`, see docs/quota.md):
- a point with an approval bound (schedule `approve_id`) or inside a leave interval
  (`getleavestatus`): DingTalk shows it as covered by the approval (sourceType APPROVE with the
  approval's `procInstId`), which neither the punch nor the schedule carries;
- a point with several valid punches and none marked invalid: which one DingTalk matched is
  its rule;
- an administrator's correction (sourceType BOSS): invisible in listRecord, announced by the
  `attend_bossCheck_change` push, which then re-pulls that user-day through attendance/list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from pipelines.days import SHANGHAI
from pipelines.dingtalk.models import AttendanceResult, LeaveStatus, PunchRecord, UserSchedule

UserDay = tuple[str, date]
# DingTalk settles a day (missing points become NotSigned) some time after its last check point;
# the emulator models "next midnight, or 4 hours after the last point if later" [I].
DEFAULT_SETTLE_GRACE = timedelta(hours=4)


@dataclass
class Reconstruction:
    """Rows rebuilt from punches and schedules, and the user-days left to attendance/list."""

    results: list[AttendanceResult] = field(default_factory=list)
    untrusted: set[UserDay] = field(default_factory=set)


def cutoff_for(points: list[UserSchedule], grace: timedelta = DEFAULT_SETTLE_GRACE) -> datetime:
    """When a user-day's missing points become NotSigned: the next midnight, or `grace` after
    the day's last planned point when that is later (overnight shifts)."""
    day = points[0].work_date
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI)
    last = max((p.plan_check_time for p in points if p.plan_check_time), default=midnight)
    return max(midnight, last + grace)


def reconstruct(
    schedules: Iterable[UserSchedule],
    punches: Iterable[PunchRecord],
    leaves: Iterable[LeaveStatus],
    now: datetime,
    cutoff: Callable[[list[UserSchedule]], datetime] = cutoff_for,
) -> Reconstruction:
    """Check-point rows as of `now` for every scheduled (not rest) point in `schedules`."""
    matched = _matched_punches(punches)
    leave_by_user = _leaves_by_user(leaves)
    done = Reconstruction()
    for (userid, day), points in _working_points(schedules).items():
        settled = now >= cutoff(points)
        for point in points:
            if point.approve_id or _in_leave(point, leave_by_user.get(userid, [])):
                done.untrusted.add((userid, day))
                continue
            if point.id in matched and matched[point.id] is None:
                done.untrusted.add((userid, day))  # ambiguous match
                continue
            punch = matched.get(point.id) if point.id is not None else None
            row = _from_punch(point, punch) if punch is not None else None
            if row is None and settled:
                row = _not_signed(point)
            if row is not None:
                done.results.append(row)
    return done


def _working_points(schedules: Iterable[UserSchedule]) -> dict[UserDay, list[UserSchedule]]:
    by_day: dict[UserDay, list[UserSchedule]] = {}
    for point in schedules:
        if point.is_rest == "Y" or not point.shift_id or point.plan_check_time is None:
            continue
        by_day.setdefault((point.userid, point.work_date), []).append(point)
    return by_day


def _matched_punches(punches: Iterable[PunchRecord]) -> dict[int, PunchRecord | None]:
    """The punch DingTalk matched to each plan: the one valid punch carrying its `planId` and a
    result. Several candidates (no `invalidRecordType` on the extra ones) map to None: which one
    DingTalk matched is its rule, not ours, so that point goes to attendance/list."""
    found: dict[int, PunchRecord | None] = {}
    for punch in punches:
        if punch.plan_id and punch.time_result and not punch.invalid_record_type:
            found[punch.plan_id] = None if punch.plan_id in found else punch
    return found


def _leaves_by_user(leaves: Iterable[LeaveStatus]) -> dict[str, list[LeaveStatus]]:
    by_user: dict[str, list[LeaveStatus]] = {}
    for leave in leaves:
        by_user.setdefault(leave.userid, []).append(leave)
    return by_user


def _in_leave(point: UserSchedule, leaves: list[LeaveStatus]) -> bool:
    at = point.plan_check_time
    return at is not None and any(x.start_time <= at <= x.end_time for x in leaves)


def _from_punch(point: UserSchedule, punch: PunchRecord) -> AttendanceResult:
    return AttendanceResult(
        id=point.id or punch.id,  # attendance/list's own row id is not on the wire here
        user_id=point.userid,
        work_date=point.work_date,
        check_type=point.check_type or punch.check_type or "",
        time_result=punch.time_result or "",
        location_result=punch.location_result,
        source_type=punch.source_type,
        base_check_time=point.plan_check_time,
        user_check_time=punch.user_check_time,
        record_id=punch.id,
        plan_id=point.id,
        group_id=point.group_id,
        proc_inst_id=punch.proc_inst_id,
        approve_id=punch.approve_id,
    )


def _not_signed(point: UserSchedule) -> AttendanceResult:
    """The one local rule: scheduled, no punch, no approval, past the cut-off."""
    return AttendanceResult(
        id=point.id or 0,
        user_id=point.userid,
        work_date=point.work_date,
        check_type=point.check_type or "",
        time_result="NotSigned",
        location_result="NotSigned",
        source_type="SYSTEM",
        base_check_time=point.plan_check_time,
        user_check_time=point.plan_check_time,
        plan_id=point.id,
        group_id=point.group_id,
    )
