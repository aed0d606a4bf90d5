"""The push ledger counts deliveries per day and event type the same on SQLite and PostgreSQL:
this month's billed pushes only (contacts events are free), and the last push's time."""

from __future__ import annotations

from datetime import datetime

from pipelines.days import SHANGHAI


def at(day: int, month: int = 11, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def test_pushes_of_this_month_by_type_free_ones_left_out(state):
    with state.push_ledger() as ledger:
        assert ledger.month_to_date(at(5)) == {} and ledger.last_push_at() is None
        ledger.record("attendance_check_record", at(31, 10))  # last month
        for day in (2, 3, 3):
            ledger.record("attendance_check_record", at(day))
        ledger.record("attendance_approve_status_change", at(4, hour=18))
        ledger.record("user_leave_org", at(4))  # free
        ledger.record("attendance_check_record", at(6))  # after `now`
    with state.push_ledger() as reopened:
        assert reopened.month_to_date(at(5)) == {
            "attendance_approve_status_change": 1,
            "attendance_check_record": 3,
        }
        assert reopened.last_push_at() == at(6)


def test_starvation_is_recorded_and_cleared(state):
    with state.push_ledger() as ledger:
        assert ledger.starved_since() is None
        ledger.set_starved(at(3, hour=10))
        ledger.set_starved(at(3, hour=11))
    with state.push_ledger() as reopened:
        assert reopened.starved_since() == at(3, hour=11)
        reopened.set_starved(None)
        assert reopened.starved_since() is None
