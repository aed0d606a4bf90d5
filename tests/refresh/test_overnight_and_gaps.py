"""The warehouse-backed overnight lookup, gap days and refresh-request events map as documented."""

from __future__ import annotations

from datetime import date, datetime

from pipelines.refresh.actions import Ignore, RefreshDay
from pipelines.refresh.mapping import MappingRules, actions_for_event
from pipelines.refresh.overnight import warehouse_overnight_lookup
from pipelines.refresh.tick import REFRESH_REQUEST_EVENT, gap_days, request_event_actions
from pipelines.stream.models import SHANGHAI, Gap
from pipelines.warehouse import ParquetStore

NIGHT = date(2026, 11, 2)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def test_the_overnight_lookup_reads_yesterdays_shift_from_the_warehouse(tmp_path):
    store = ParquetStore(tmp_path)
    morning = date(2026, 11, 3)
    store.write(
        "attendance_results",
        [
            {"userid": "night", "check_type": "OffDuty", "plan_check_time": _at(morning, 6)},
            {"userid": "day", "check_type": "OffDuty", "plan_check_time": _at(NIGHT, 18)},
        ],
        NIGHT,
    )
    lookup = warehouse_overnight_lookup(store)
    assert lookup("night", NIGHT) is True
    assert lookup("day", NIGHT) is False
    assert lookup("night", date(2026, 11, 1)) is None  # not pulled: the cut-off rule decides
    rules = MappingRules(overnight=lookup)
    punch = {"dataList": [{"userId": "day", "checkTime": int(_at(morning, 7).timestamp() * 1000)}]}
    # Before the 08:00 cut-off, but the warehouse knows this user's shift ended the same day.
    assert actions_for_event("attendance_check_record", punch, rules) == [
        RefreshDay(morning, frozenset({"day"}), "checks")
    ]


def test_gap_days_cover_the_gap_and_are_capped():
    gap = Gap(1, _at(date(2026, 11, 2), 23), _at(date(2026, 11, 4), 1), "test")
    assert gap_days(gap, 31) == [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)]
    assert gap_days(gap, 2) == [date(2026, 11, 3), date(2026, 11, 4)]


def test_refresh_request_events_map_and_bad_ones_are_ignored():
    payload = {"workDates": ["2026-11-03", "2026-11-02 00:00:00"], "userIds": None}
    assert request_event_actions(payload) == [
        RefreshDay(date(2026, 11, 2), None),
        RefreshDay(date(2026, 11, 3), None),
    ]
    [ignored] = request_event_actions({"workDates": "tomorrow"})
    assert isinstance(ignored, Ignore) and REFRESH_REQUEST_EVENT in ignored.reason


def _punch_at(userid: str, moment: datetime) -> dict:
    return {"dataList": [{"userId": userid, "checkTime": int(moment.timestamp() * 1000)}]}


def test_an_unknown_shift_end_is_not_a_day_shift(tmp_path):
    store = ParquetStore(tmp_path)
    morning = date(2026, 11, 3)
    night = {"check_type": "OffDuty", "plan_check_time": _at(morning, 6), "group_id": 7}
    store.write(
        "attendance_results",
        [
            # Only the OnDuty of these two is pulled: their OffDuty row is not in yet.
            {"userid": "alone", "check_type": "OnDuty", "plan_check_time": _at(NIGHT, 22)},
            {
                "userid": "mate",
                "check_type": "OnDuty",
                "plan_check_time": _at(NIGHT, 22),
                "group_id": 7,
            },
            {"userid": "night", **night},
        ],
        NIGHT,
    )
    lookup = warehouse_overnight_lookup(store)
    assert lookup("alone", NIGHT) is None  # unknown, not False
    assert lookup("mate", NIGHT) is True  # the group's shift runs past midnight
    assert lookup("absent", NIGHT) is None
    rules = MappingRules(overnight=lookup)
    both = [
        RefreshDay(NIGHT, frozenset({"alone"}), "checks"),
        RefreshDay(morning, frozenset({"alone"}), "checks"),
    ]
    assert (
        actions_for_event("attendance_check_record", _punch_at("alone", _at(morning, 6)), rules)
        == both
    )
    # After the cut-off hour the group's overnight shift still closes on this punch.
    [shift_day, _] = actions_for_event(
        "attendance_check_record", _punch_at("mate", _at(morning, 9)), rules
    )
    assert shift_day == RefreshDay(NIGHT, frozenset({"mate"}), "checks")
