"""`settled` and `provisional_figures` of `attendance_daily`: an overnight shift settles after its
last check point, not at 06:00; a check point linked to an approval the warehouse has not pulled
keeps the figures that depend on it open (a 补卡 named by its punch record does not)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pipelines.warehouse import ParquetStore
from pipelines.warehouse.figures import APPROVAL_FIGURES, RESOLVED_BY_APPROVALS
from pipelines.warehouse.marts import build_daily

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 3)


def _at(hour: int, day_offset: int = 0) -> datetime:
    return datetime(2026, 11, 3, hour, tzinfo=SH) + timedelta(days=day_offset)


def _point(userid: str, check_type: str, plan: datetime, pulled: datetime, **extra) -> dict:
    return {
        "userid": userid,
        "check_type": check_type,
        "plan_id": 10 * ord(userid[0]) + (check_type == "OffDuty"),  # unique per user-day
        "plan_check_time": plan,
        "user_check_time": plan,
        "time_result": "Normal",
        "source_type": "USER",
        "pulled_at": pulled,
        **extra,
    }


def _daily(store: ParquetStore, now: datetime) -> dict[str, dict]:
    return {row["userid"]: row for row in build_daily(store, DAY, now).to_pylist()}


def _roster(store: ParquetStore, *users: str) -> None:
    store.write(
        "employees", [{"userid": u, "name": u, "dept_id": 1, "active": True} for u in users]
    )


def test_an_overnight_shift_settles_after_its_last_check_point(tmp_path):
    store = ParquetStore(tmp_path)
    _roster(store, "day", "night", "open")
    pulled = _at(7, day_offset=1)  # 07:00 the next morning: after 06:00, before 06:00 + 6 h
    store.write(
        "attendance_results",
        [
            _point("day", "OnDuty", _at(9), pulled),
            _point("day", "OffDuty", _at(18), pulled),
            _point("night", "OnDuty", _at(22), pulled),
            _point("night", "OffDuty", _at(6, day_offset=1), pulled),
            # Its OffDuty is not in yet (not punched, not settled): the shift may run past midnight.
            _point("open", "OnDuty", _at(22), pulled),
        ],
        DAY,
    )
    daily = _daily(store, now=_at(8, day_offset=1))
    assert {user: row["settled"] for user, row in daily.items()} == {
        "day": True,
        "night": False,
        "open": False,
    }
    assert "late_count" in daily["night"]["provisional_figures"]
    later = _at(13, day_offset=1)  # a re-pull after 06:00 + 6 h settles the night shift
    store.replace_users(
        "attendance_results",
        DAY,
        {"night"},
        [
            _point("night", "OnDuty", _at(22), later),
            _point("night", "OffDuty", _at(6, day_offset=1), later),
        ],
    )
    assert _daily(store, now=later)["night"]["settled"]


def _covered(userid: str, proc_inst_id: str, pulled: datetime) -> list[dict]:
    approve = {"source_type": "APPROVE", "proc_inst_id": proc_inst_id}
    return [
        _point(userid, "OnDuty", _at(9), pulled, **approve),
        _point(userid, "OffDuty", _at(18), pulled, **approve),
    ]


def test_a_check_point_linked_to_an_unpulled_approval_keeps_its_figures_open(tmp_path):
    store = ParquetStore(tmp_path)
    _roster(store, "leave", "supply")
    pulled = _at(7, day_offset=1)
    store.write(
        "attendance_results",
        _covered("leave", "leave-1", pulled) + _covered("supply", "supply-1", pulled),
        DAY,
    )
    # The 补卡 shows as a punch record naming its approval; the leave appears nowhere else.
    punch = {"userid": "supply", "record_id": 1, "proc_inst_id": "supply-1"}
    store.write("attendance_punches", [{**punch, "source_type": "APPROVE"}], DAY)
    daily = _daily(store, now=_at(8, day_offset=1))
    leave, supply = daily["leave"], daily["supply"]
    assert not leave["settled"]
    assert leave["provisional_figures"] == [*RESOLVED_BY_APPROVALS, *APPROVAL_FIGURES]
    assert supply["settled"] and supply["provisional_figures"] == []
    assert supply["making_up_count"] == 2

    approval = {
        "userid": "leave",
        "proc_inst_id": "leave-1",
        "category": "leave",
        "sub_type": "年假",
        "duration": 1.0,
        "duration_unit": "day",
        "pulled_at": pulled,
    }
    store.write("attendance_approvals", [approval], DAY)
    resolved = _daily(store, now=_at(8, day_offset=1))["leave"]
    assert resolved["settled"] and resolved["provisional_figures"] == []
    assert resolved["leave_hours"] == 8.0 and resolved["attended_days"] == 0.0
