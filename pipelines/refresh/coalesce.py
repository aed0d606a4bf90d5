"""Coalesce refresh actions into one run per day with the union of the users.

The state is plain JSON so that it lives in the sensor cursor: a tick that crashes after
reading events but before launching runs loses nothing, because the cursor is only advanced
together with the state that still holds those events' pending refreshes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipelines.catalogue import Scopes
from pipelines.refresh.actions import RefreshDay, Scope, wider

ALL_USERS = None  # a pending refresh of the whole day


@dataclass(frozen=True)
class DueRefresh:
    work_date: date
    users: frozenset[str] | None
    last_seq: int  # highest inbox seq folded in: part of the run_key, so new events make new runs
    events: int
    # Highest position folded in per source (inbox seq, request seq, gap id): a new event of any
    # source raises one component, so the run_key built from it never repeats for a day.
    position: tuple[int, ...] = ()
    scope: Scope = Scopes.FULL  # the widest scope any folded refresh asked for (asset selection)
    # What each user needs, so merging a full-scope refresh of one user into a punch refresh of
    # others does not widen their cost: (userid, scope) pairs, and the scope of everyone else
    # (None: nobody else; set when a whole-day refresh was folded in).
    user_scopes: tuple[tuple[str, Scope], ...] = ()
    others_scope: Scope | None = None


class Coalescer:
    """Pending refreshes per day: {day: {"users": [...] | None, "first": t, "seq": n, "n": k}}."""

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self._pending: dict[str, dict[str, Any]] = dict(state or {})

    def to_state(self) -> dict[str, Any]:
        return self._pending

    def add(self, refresh: RefreshDay, seq: int | Sequence[int], now: float) -> None:
        """Fold one refresh in; `now` is seconds since the epoch when the event was read.

        `seq` is the event's inbox seq, or its position in several sources (one int each).
        """
        key = refresh.work_date.isoformat()
        position = [seq] if isinstance(seq, int) else list(seq)
        entry = self._pending.setdefault(key, {"users": [], "first": now, "seq": position, "n": 0})
        # `is None` rather than `is ALL_USERS`: the type checker narrows only on a literal None.
        if refresh.users is None or entry["users"] is ALL_USERS:
            entry["users"] = ALL_USERS
        else:
            entry["users"] = sorted(set(entry["users"]) | refresh.users)
        entry["seq"] = _elementwise_max(entry["seq"], position)
        entry["scope"] = wider(entry.get("scope", refresh.scope), refresh.scope)
        scopes = entry.setdefault("user_scopes", {})
        if refresh.users is None:  # ALL_USERS
            entry["others"] = wider(entry.get("others") or refresh.scope, refresh.scope)
        else:
            for userid in refresh.users:
                scopes[userid] = wider(scopes.get(userid, refresh.scope), refresh.scope)
        entry["n"] += 1

    def pop_due(self, now: float, window_seconds: float) -> list[DueRefresh]:
        """Days whose first pending event is at least `window_seconds` old, removed from state."""
        due: list[DueRefresh] = []
        for key in sorted(self._pending):
            entry = self._pending[key]
            if now - entry["first"] >= window_seconds:
                users = None if entry["users"] is ALL_USERS else frozenset(entry["users"])
                position = _elementwise_max([], entry["seq"])
                due.append(
                    DueRefresh(
                        date.fromisoformat(key),
                        users,
                        position[0],
                        entry["n"],
                        tuple(position),
                        entry.get("scope", Scopes.FULL),
                        tuple(sorted(entry.get("user_scopes", {}).items())),
                        entry.get("others"),
                    )
                )
        for refresh in due:
            del self._pending[refresh.work_date.isoformat()]
        return due

    def __len__(self) -> int:
        return len(self._pending)


def _elementwise_max(left: int | list[int], right: int | list[int]) -> list[int]:
    # Older cursors stored a bare int; treat it as a one-source position.
    left = [left] if isinstance(left, int) else list(left)
    right = [right] if isinstance(right, int) else list(right)
    width = max(len(left), len(right))
    left, right = left + [0] * (width - len(left)), right + [0] * (width - len(right))
    return [max(a, b) for a, b in zip(left, right, strict=True)]
