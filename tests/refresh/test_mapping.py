"""Each event type maps to the right days and users; odd payloads never raise."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.refresh.actions import Ignore, RefreshColumns, RefreshDay, ResolveApproval
from pipelines.refresh.mapping import HANDLERS, SHANGHAI, MappingRules, actions_for_event
from pipelines.stream.event_types import KNOWN_EVENTS, Meaning
from pipelines.stream.events import parse_event
from tests.stream.event_examples import event_frame, spelled_payloads


def _ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=SHANGHAI).timestamp() * 1000)


def test_punch_maps_to_its_local_day_and_groups_users():
    payload = {
        "dataList": [
            {"userId": "u1", "checkTime": _ms(2026, 11, 2, 9, 1)},
            {"userId": "u2", "checkTime": _ms(2026, 11, 2, 18, 30)},
        ]
    }
    assert actions_for_event("attendance_check_record", payload) == [
        RefreshDay(date(2026, 11, 2), frozenset({"u1", "u2"}), "checks")
    ]


def test_punch_just_after_utc_midnight_is_still_the_shanghai_day():
    # 2026-11-02 07:30 in Shanghai is 2026-11-01 23:30 UTC.
    payload = {"dataList": [{"userId": "u1", "checkTime": _ms(2026, 11, 2, 10, 0)}]}
    rules = MappingRules(overnight=lambda _u, _d: False)
    assert actions_for_event("attendance_check_record", payload, rules)[0].work_date == date(
        2026, 11, 2
    )


def test_early_punch_also_refreshes_yesterday_for_a_known_overnight_shift():
    payload = {"dataList": [{"userId": "night", "checkTime": _ms(2026, 11, 3, 6, 2)}]}
    rules = MappingRules(overnight=lambda user, day: user == "night" and day == date(2026, 11, 2))
    days = [
        action.work_date for action in actions_for_event("attendance_check_record", payload, rules)
    ]
    assert days == [date(2026, 11, 2), date(2026, 11, 3)]


def test_known_day_shift_does_not_spend_a_call_on_yesterday():
    payload = {"dataList": [{"userId": "day", "checkTime": _ms(2026, 11, 3, 6, 2)}]}
    rules = MappingRules(overnight=lambda _u, _d: False)
    assert [a.work_date for a in actions_for_event("attendance_check_record", payload, rules)] == [
        date(2026, 11, 3)
    ]


def test_unknown_shift_uses_the_cutoff_hour():
    early = {"dataList": [{"userId": "u", "checkTime": _ms(2026, 11, 3, 5, 0)}]}
    late = {"dataList": [{"userId": "u", "checkTime": _ms(2026, 11, 3, 9, 0)}]}
    assert len(actions_for_event("attendance_check_record", early)) == 2
    assert len(actions_for_event("attendance_check_record", late)) == 1


def test_http_style_capitalised_datalist_is_accepted():
    payload = {"DataList": [{"userId": "u1", "checkTime": _ms(2026, 11, 2, 12, 0)}]}
    assert isinstance(actions_for_event("attendance_check_record", payload)[0], RefreshDay)


def test_daily_summary_and_boss_check_use_their_work_date_formats():
    assert actions_for_event(
        "attend_user_daily_summary_refresh", {"workDate": "2023-12-12", "userId": "1234"}
    ) == [RefreshDay(date(2023, 12, 12), frozenset({"1234"}), "checks")]
    boss = {"workDate": "2020-11-10 00:00:00", "action": "x", "planId": 1, "userId": "001"}
    assert actions_for_event("attend_bossCheck_change", boss) == [
        RefreshDay(date(2020, 11, 10), frozenset({"001"}), "checks")
    ]


def test_approval_finish_and_revoke_are_resolved_but_start_is_ignored():
    base = {"approveType": "LEAVE", "processInstanceId": "p1"}
    assert actions_for_event("attendance_approve_status_change", {**base, "status": "finish"}) == [
        ResolveApproval("p1", "LEAVE", "finish")
    ]
    assert actions_for_event(
        "attendance_approve_status_change", {**base, "status": "terminate"}
    ) == [ResolveApproval("p1", "LEAVE", "terminate")]
    started = actions_for_event("attendance_approve_status_change", {**base, "status": "start"})
    assert isinstance(started[0], Ignore)


def test_bpms_only_resolves_attendance_suites():
    supply = {"processInstanceId": "p2", "bizCategoryId": "attendance.supply", "type": "finish"}
    assert actions_for_event("bpms_instance_change", {**supply, "result": "agree"}) == [
        ResolveApproval("p2", "attendance.supply", "finish")
    ]
    expense = {**supply, "bizCategoryId": "expense.claim", "result": "agree"}
    assert isinstance(actions_for_event("bpms_instance_change", expense)[0], Ignore)
    refused = {**supply, "result": "refuse"}
    assert isinstance(actions_for_event("bpms_instance_change", refused)[0], Ignore)
    revoked = {**supply, "type": "terminate"}
    assert isinstance(actions_for_event("bpms_instance_change", revoked)[0], ResolveApproval)


def test_column_change_refreshes_the_catalogue():
    payload = {"corpId": "ding1", "columnId": "10001", "type": "ADD"}
    assert actions_for_event("attendance_report_column_change", payload) == [RefreshColumns()]


def test_unknown_event_type_is_ignored_with_a_reason():
    [action] = actions_for_event("user_add_org", {"userId": ["u"]})
    assert isinstance(action, Ignore) and "user_add_org" in action.reason


def test_every_accepted_event_has_exactly_one_handler_and_every_handler_an_event():
    meanings = {spec.meaning for spec in KNOWN_EVENTS.values()}
    assert set(HANDLERS) == meanings == set(Meaning)


@pytest.mark.parametrize("event_type", sorted(KNOWN_EVENTS))
def test_whatever_the_listener_accepts_the_mapping_can_use(event_type):
    # The two sides diverge when the listener stores a payload (in any spelling the table
    # allows) from which the mapping cannot read what it needs.
    for data in spelled_payloads(KNOWN_EVENTS[event_type]):
        event = parse_event(event_frame(event_type, data))
        reasons = [
            a.reason for a in actions_for_event(event_type, event.payload) if isinstance(a, Ignore)
        ]
        assert not [r for r in reasons if "unusable" in r or "no rows" in r], (data, reasons)
        ignored = KNOWN_EVENTS[event_type].meaning is Meaning.NOTHING
        assert any("does not change attendance data" in r for r in reasons) == ignored


def test_capitalised_datalist_is_read_for_overtime_too():
    payload = {"DataList": [{"userid": "u1", "workDate": _ms(2026, 11, 2, 0, 0)}]}
    assert actions_for_event("attendance_overtime_duration", payload) == [
        RefreshDay(date(2026, 11, 2), frozenset({"u1"}))
    ]


def test_an_event_type_the_listener_does_not_accept_is_ignored():
    [action] = actions_for_event("no_such_event", {})
    assert isinstance(action, Ignore) and "no_such_event" in action.reason


@given(
    st.sampled_from(
        [
            "attendance_check_record",
            "attend_user_daily_summary_refresh",
            "attend_bossCheck_change",
            "attendance_approve_status_change",
            "bpms_instance_change",
            "attendance_overtime_duration",
        ]
    ),
    st.dictionaries(
        st.sampled_from(["dataList", "workDate", "userId", "status", "type", "checkTime"]),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=12),
            st.lists(st.dictionaries(st.text(max_size=5), st.integers()), max_size=2),
        ),
    ),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_malformed_payloads_never_raise(event_type, payload):
    actions = actions_for_event(event_type, payload)
    assert actions
