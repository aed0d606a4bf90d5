"""The report's month cost reads the ledgers where the state lives: with the state on
PostgreSQL the page shows the calls and pushes recorded there, not the empty SQLite files."""

from __future__ import annotations

from datetime import datetime

from pipelines.days import SHANGHAI
from pipelines.reports.cost import month_cost
from pipelines.state.factory import StateLocation
from pipelines.stream.models import NewEvent


def _at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=SHANGHAI)


def test_the_month_cost_counts_what_the_configured_state_recorded(state: StateLocation):
    ledger = state.ledger()
    try:
        ledger.record("/attendance/list", True, "ok", at=_at(2))
        ledger.record("/attendance/list", True, "ok", at=_at(1, 12))  # next month
    finally:
        ledger.close()
    inbox = state.inbox()
    try:
        inbox.add([NewEvent("e1", "attendance_check_record", _at(3), {})])
    finally:
        inbox.close()
    expected = {"metered_calls": 1, "pushes": 1, "pushes_stream": 1}
    assert month_cost(state, "2026-11") == expected
    if state.is_postgres:  # the files under the data dir know nothing of it
        assert month_cost(StateLocation(state.data_dir), "2026-11") == {
            "metered_calls": 0,
            "pushes": 0,
        }
