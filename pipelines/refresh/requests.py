"""Refresh requests produced inside the pipeline (approval resolution), queued for the sensor.

Approval events carry no dates; a run resolves the instance and writes what it found to a
`RefreshRequestStore`, and the events sensor folds these requests into the same coalescer as
inbox events, so a day touched by a punch and by an approval is still pulled once. `seq`
increases monotonically and is the sensor's cursor into the queue. The SQLite queue next to the
inbox is `pipelines.state.refresh_requests.RefreshRequestQueue`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class RefreshRequest:
    """Re-pull `work_date` for `users` (None: everybody); `reason` names who asked and why."""

    work_date: date
    users: frozenset[str] | None
    reason: str
    seq: int = 0


class RefreshRequestStore(Protocol):
    """An append-only queue of refresh requests that several processes may write."""

    def add(self, requests: Iterable[RefreshRequest]) -> int:
        """Append requests in one transaction; returns how many were written."""
        ...

    def read_after(self, seq: int, limit: int = 500) -> list[RefreshRequest]:
        """Requests with a sequence number above `seq`, oldest first, at most `limit`."""
        ...

    def close(self) -> None: ...
