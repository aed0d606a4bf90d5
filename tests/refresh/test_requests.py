"""The refresh request queue keeps requests durably, in order, readable after a cursor."""

from __future__ import annotations

from datetime import date

from pipelines.refresh.requests import RefreshRequest
from pipelines.state.refresh_requests import RefreshRequestQueue


def test_requests_round_trip_in_order(tmp_path):
    with RefreshRequestQueue.in_data_dir(tmp_path) as queue:
        assert queue.add([]) == 0
        queue.add([RefreshRequest(date(2026, 11, 2), frozenset({"b", "a"}), "approval p1")])
        queue.add([RefreshRequest(date(2026, 11, 3), None, "approval p2")])
    with RefreshRequestQueue.in_data_dir(tmp_path) as reopened:
        first, second = reopened.read_after(0)
        assert (first.seq, first.users, first.reason) == (1, {"a", "b"}, "approval p1")
        assert (second.seq, second.users) == (2, None)
        assert reopened.read_after(1) == [second]
        assert reopened.read_after(0, limit=1) == [first]
