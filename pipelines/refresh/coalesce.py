"""Coalesce refresh actions into one run per day with the union of the users.

The state is plain JSON so that it lives in the sensor cursor: a tick that crashes after
reading events but before launching runs loses nothing, because the cursor is only advanced
together with the state that still holds those events' pending refreshes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pipelines.refresh.actions import RefreshDay

ALL_USERS = None  # a pending refresh of the whole day


@dataclass(frozen=True)
class DueRefresh:
    work_date: date
    users: frozenset[str] | None
    last_seq: int  # highest inbox seq folded in: part of the run_key, so new events make new runs
    events: int


class Coalescer:
    """Pending refreshes per day: {day: {"users": [...] | None, "first": t, "seq": n, "n": k}}."""

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self._pending: dict[str, dict[str, Any]] = dict(state or {})

    def to_state(self) -> dict[str, Any]:
        return self._pending

    def add(self, refresh: RefreshDay, seq: int, now: float) -> None:
        """Fold one refresh in; `now` is seconds since the epoch when the event was read."""
        key = refresh.work_date.isoformat()
        entry = self._pending.setdefault(key, {"users": [], "first": now, "seq": seq, "n": 0})
        if refresh.users is ALL_USERS or entry["users"] is ALL_USERS:
            entry["users"] = ALL_USERS
        else:
            entry["users"] = sorted(set(entry["users"]) | refresh.users)
        entry["seq"] = max(entry["seq"], seq)
        entry["n"] += 1

    def pop_due(self, now: float, window_seconds: float) -> list[DueRefresh]:
        """Days whose first pending event is at least `window_seconds` old, removed from state."""
        due = []
        for key in sorted(self._pending):
            entry = self._pending[key]
            if now - entry["first"] >= window_seconds:
                users = None if entry["users"] is ALL_USERS else frozenset(entry["users"])
                due.append(DueRefresh(date.fromisoformat(key), users, entry["seq"], entry["n"]))
        for refresh in due:
            del self._pending[refresh.work_date.isoformat()]
        return due

    def __len__(self) -> int:
        return len(self._pending)
