"""Raw punch records as listRecord and getupdatedata show them: the punches, plus the records
DingTalk is believed to derive from a 补卡 (sourceType APPROVE) or an admin edit (BOSS).

Whether those derived records exist is an [I] of the reference (section 11.1); the switches are
in `Assumptions`. The truth export reads the same function, so both always agree.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pipelines.emulator.assumptions import Assumptions
from pipelines.emulator.ids import stable_int
from pipelines.emulator.model import CheckPoint, Punch
from pipelines.emulator.org import Org
from pipelines.emulator.schedule import OFFICE


def _derived(point: CheckPoint, at: datetime, source_type: str, seed: int, approval=None):
    address, lat, lon = OFFICE
    return Punch(
        record_id=stable_int(seed, "record", source_type, point.plan_id, digits=11),
        userid=point.userid,
        at=at,
        work_date=point.work_date,
        check_type=point.check_type,
        plan_id=point.plan_id,
        group_id=point.group_id,
        class_id=point.class_id,
        biz_id="",
        location_result="Normal",
        location_method="MAP",
        device_sn=None,
        address=address,
        latitude=lat,
        longitude=lon,
        accuracy=0,
        valid_matched=True,
        raw_time_result="Normal",
        emits_event=False,
        source_type=source_type,
        approval=approval,
    )


def derived_records(
    org: Org, userid: str, day: date, now: datetime, assumptions: Assumptions
) -> list[Punch]:
    """The derived records keyed to work date `day`, as of `now`."""
    found = []
    for point in org.day_points(userid, day):
        supply = point.supply
        if assumptions.supply_punch_in_records and supply is not None and supply.in_effect(now):
            found.append(_derived(point, supply.supplied_at(), "APPROVE", org.spec.seed, supply))
        boss = point.boss
        if assumptions.boss_punch_in_records and boss is not None and point.punch is None:
            if boss.at <= now and not (supply is not None and supply.in_effect(now)):
                found.append(_derived(point, point.plan_time, "BOSS", org.spec.seed))
    return found


def day_records(
    org: Org, userid: str, day: date, now: datetime, assumptions: Assumptions
) -> list[Punch]:
    """Every raw record of work date `day` made by `now`, in time order."""
    records = org.day_punches(userid, day, now) + derived_records(
        org, userid, day, now, assumptions
    )
    return sorted(records, key=lambda record: (record.at, record.record_id))


def records_between(
    org: Org, userid: str, begin: datetime, end: datetime, now: datetime, assumptions: Assumptions
) -> list[Punch]:
    """Raw records whose punch time is in [begin, min(end, now)] (listRecord's filter)."""
    punches = org.punches_between(userid, begin, end, now)
    first, last = begin.date() - timedelta(days=1), end.date()
    derived = [
        record
        for offset in range((last - first).days + 1)
        for record in derived_records(org, userid, first + timedelta(days=offset), now, assumptions)
        if begin <= record.at <= min(end, now)
    ]
    return sorted(punches + derived, key=lambda record: (record.at, record.record_id))
