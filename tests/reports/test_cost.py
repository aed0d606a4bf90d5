"""The month's cost on the page: billed calls made in that month, pushes DingTalk emitted in it."""

from __future__ import annotations

from datetime import datetime

from pipelines.dingtalk.ledger import QuotaLedger
from pipelines.dingtalk.models.types import SHANGHAI
from pipelines.reports.cost import month_cost
from pipelines.state.factory import StateLocation
from pipelines.stream.inbox import Inbox
from pipelines.stream.models import NewEvent


def _at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=SHANGHAI)


def test_calls_and_pushes_of_the_month_only(tmp_path):
    ledger = QuotaLedger.in_data_dir(tmp_path)
    for at, metered, outcome in [
        (_at(1), True, "ok"),
        (_at(30), True, "error"),  # refused but billed
        (_at(30), True, "throttled"),  # not billed
        (_at(15), False, "ok"),  # contacts: not metered
        (_at(1, 12), True, "ok"),  # next month
    ]:
        ledger.record("/attendance/list", metered, outcome, at=at)
    ledger.close()
    with Inbox.in_data_dir(tmp_path) as inbox:
        inbox.add(
            [
                NewEvent("e1", "attendance_check_record", _at(3), {}),
                NewEvent("e2", "attendance_check_record", _at(4), {}, source="failed_push"),
                NewEvent("e3", "attendance_check_record", _at(2, 12), {}),
            ]
        )
    assert month_cost(StateLocation(tmp_path), "2026-11") == {
        "metered_calls": 2,
        "pushes": 2,
        "pushes_failed_push": 1,
        "pushes_stream": 1,
    }


def test_nothing_recorded_costs_nothing(tmp_path):
    assert month_cost(StateLocation(tmp_path), "2026-11") == {"metered_calls": 0, "pushes": 0}
