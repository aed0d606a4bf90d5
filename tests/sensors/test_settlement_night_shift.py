"""The frugal settlement's D-2 re-pull finds a night shift nobody punched by the 06:30 settlement
of D-1: no result row (DingTalk shows a missed point only after its cut-off), a daily row that
reads settled by the clock; only the plan the D-1 pull kept shows the shift."""

from __future__ import annotations

from datetime import date, datetime

from pipelines.catalogue import Asset
from pipelines.days import SHANGHAI
from pipelines.dingtalk.models.attendance import UserSchedule
from pipelines.extract.strategies.plans import DayPlan, encode_plan
from pipelines.state.plan_cache import SqlitePlanCache
from pipelines.warehouse import ParquetStore
from sensors.schedules import unsettled_users

DAY = date(2026, 11, 1)


def _plan(userid: str, *times: datetime) -> str:
    kinds = ("OnDuty", "OffDuty")
    return encode_plan(
        DayPlan(
            [
                UserSchedule(userid=userid, work_date=DAY, check_type=kind, plan_check_time=at)
                for kind, at in zip(kinds, times, strict=True)
            ]
        )
    )


def test_a_night_shift_without_result_rows_is_re_pulled(tmp_path):
    store = ParquetStore(tmp_path)
    users = ["night", "day", "rest"]
    store.write(Asset.EMPLOYEES, [{"userid": u, "name": u, "active": True} for u in users])
    store.write(
        Asset.ATTENDANCE_DAILY,
        [{"userid": u, "work_date": DAY, "settled": True} for u in users],
        DAY,
    )
    store.write(Asset.ATTENDANCE_RESULTS, [], DAY)
    with SqlitePlanCache.in_data_dir(tmp_path) as plans:
        night = _plan(
            "night",
            datetime(2026, 11, 1, 22, tzinfo=SHANGHAI),
            datetime(2026, 11, 2, 6, tzinfo=SHANGHAI),
        )
        day = _plan(
            "day",
            datetime(2026, 11, 1, 9, tzinfo=SHANGHAI),
            datetime(2026, 11, 1, 18, tzinfo=SHANGHAI),
        )
        plans.write(
            DAY, {"night": night, "day": day, "rest": encode_plan(DayPlan())}, plans.marker()
        )
        assert unsettled_users(store, DAY, plans) == ["night"]
    assert unsettled_users(store, DAY) == []  # the warehouse alone reads it settled
