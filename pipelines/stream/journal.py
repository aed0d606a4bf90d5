"""The connection journal: who was connected when, and the gaps in between.

A gap is a period in which *no* listener on this inbox was connected: events pushed then may
never arrive (DingTalk gives up redelivering), so the refresh logic re-pulls the days a gap
covers. Listeners heartbeat their open connection row; a row whose heartbeat is older than
`stale_after_s` belongs to a process that died without journaling its disconnect (SIGKILL,
power loss) and is closed at its last heartbeat.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar, cast

from pipelines.stream.models import Gap, from_epoch_ms

T = TypeVar("T")


class Transaction(Protocol):
    """Runs `work` in one write transaction and returns what it returns (`Inbox._transaction`)."""

    def __call__(self, work: Callable[[sqlite3.Connection], T]) -> T: ...


@dataclass(frozen=True)
class Connection:
    """A journaled connection, and the gap its opening revealed (if any)."""

    id: int
    gap: Gap | None


@dataclass(frozen=True)
class ListenerCoverage:
    """Connections still open (by the journal) and when the last one ended (None if never)."""

    open_connections: int
    last_disconnected_at: datetime | None


class ConnectionJournal:
    """Connection and gap bookkeeping on the inbox database (used by `Inbox`)."""

    def __init__(self, transaction: Transaction):
        self._transaction = transaction

    def connect(
        self, listener_id: str, pid: int, threshold_s: float, stale_after_s: float, now: int
    ) -> Connection:
        def work(db: sqlite3.Connection) -> Connection:
            self._close_stale(db, now - int(stale_after_s * 1000))
            gap = self._detect_gap(db, threshold_s, now)
            cursor = db.execute(
                "INSERT INTO connections (listener_id, pid, connected_at_ms, last_seen_ms)"
                " VALUES (?, ?, ?, ?)",
                (listener_id, pid, now, now),
            )
            return Connection(id=cast(int, cursor.lastrowid), gap=gap)  # set by the INSERT

        return self._transaction(work)

    @staticmethod
    def _close_stale(db: sqlite3.Connection, stale_before: int) -> None:
        db.execute(
            "UPDATE connections SET disconnected_at_ms = last_seen_ms, reason = ?"
            " WHERE disconnected_at_ms IS NULL AND last_seen_ms < ?",
            ("lost: no heartbeat (process died?)", stale_before),
        )

    @staticmethod
    def _detect_gap(db: sqlite3.Connection, threshold_s: float, now: int) -> Gap | None:
        still_open = db.execute(
            "SELECT COUNT(*) FROM connections WHERE disconnected_at_ms IS NULL"
        ).fetchone()[0]
        if still_open:
            return None
        covered_until = db.execute(
            "SELECT MAX(COALESCE(disconnected_at_ms, last_seen_ms)) FROM connections"
        ).fetchone()[0]
        if covered_until is None or now - covered_until <= threshold_s * 1000:
            return None
        reason = f"no listener connected for {(now - covered_until) / 1000:.1f} s"
        cursor = db.execute(
            "INSERT INTO gaps (start_ms, end_ms, reason, created_at_ms) VALUES (?, ?, ?, ?)",
            (covered_until, now, reason, now),
        )
        return Gap(
            id=cast(int, cursor.lastrowid),  # set by the INSERT
            start=from_epoch_ms(covered_until),
            end=from_epoch_ms(now),
            reason=reason,
        )

    def disconnect(self, connection_id: int, reason: str, now: int) -> None:
        self._transaction(
            lambda db: db.execute(
                "UPDATE connections SET disconnected_at_ms = ?, last_seen_ms = ?, reason = ?"
                " WHERE id = ? AND disconnected_at_ms IS NULL",
                (now, now, reason, connection_id),
            )
        )

    def heartbeat(self, connection_id: int, now: int) -> None:
        self._transaction(
            lambda db: db.execute(
                "UPDATE connections SET last_seen_ms = ?"
                " WHERE id = ? AND disconnected_at_ms IS NULL",
                (now, connection_id),
            )
        )

    @staticmethod
    def gaps_after(db: sqlite3.Connection, gap_id: int) -> list[Gap]:
        rows = db.execute(
            "SELECT id, start_ms, end_ms, reason FROM gaps WHERE id > ? ORDER BY id", (gap_id,)
        ).fetchall()
        return [
            Gap(id=row[0], start=from_epoch_ms(row[1]), end=from_epoch_ms(row[2]), reason=row[3])
            for row in rows
        ]

    @staticmethod
    def open_count(db: sqlite3.Connection) -> int:
        return db.execute(
            "SELECT COUNT(*) FROM connections WHERE disconnected_at_ms IS NULL"
        ).fetchone()[0]

    @staticmethod
    def coverage(db: sqlite3.Connection) -> ListenerCoverage:
        open_count, last_disconnect = db.execute(
            "SELECT SUM(disconnected_at_ms IS NULL), MAX(disconnected_at_ms) FROM connections"
        ).fetchone()
        return ListenerCoverage(
            open_connections=int(open_count or 0),
            last_disconnected_at=None
            if last_disconnect is None
            else from_epoch_ms(last_disconnect),
        )
