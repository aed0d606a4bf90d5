"""The connection journal on PostgreSQL: who was connected when, and the gaps in between.

The same rules as `pipelines.stream.journal` (SQLite), with two things that matter once
listeners run on several hosts: every time is the database server's clock, so a host whose
clock drifts cannot fake a gap or keep a dead connection alive; and opening a connection takes
an advisory lock, so two listeners reconnecting together after an outage record one gap, not two.
"""

from __future__ import annotations

import psycopg

from pipelines.state.postgres.database import PostgresDatabase
from pipelines.stream.journal import Connection, ListenerCoverage
from pipelines.stream.models import Gap, from_epoch_ms

JOURNAL_LOCK_KEY = 7_150_015_003

_CLOSE_STALE = """
UPDATE connections SET disconnected_at_ms = last_seen_ms, reason = %s
WHERE disconnected_at_ms IS NULL AND last_seen_ms < %s
"""
_COVERED_UNTIL = """
SELECT COUNT(*) FILTER (WHERE disconnected_at_ms IS NULL),
       MAX(COALESCE(disconnected_at_ms, last_seen_ms))
FROM connections
"""


class PostgresJournal:
    """Connection and gap bookkeeping in the inbox's database (used by `PostgresInbox`)."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def connect(
        self, listener_id: str, pid: int, threshold_s: float, stale_after_s: float
    ) -> Connection:
        with self._db.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (JOURNAL_LOCK_KEY,))
            now = _server_now(db)
            db.execute(
                _CLOSE_STALE.encode(),
                ("lost: no heartbeat (process died?)", now - int(stale_after_s * 1000)),
            )
            gap = _detect_gap(db, threshold_s, now)
            row = db.execute(
                "INSERT INTO connections (listener_id, pid, connected_at_ms, last_seen_ms)"
                " VALUES (%s, %s, %s, %s) RETURNING id",
                (listener_id, pid, now, now),
            ).fetchone()
            assert row is not None
            return Connection(id=int(row[0]), gap=gap)

    def disconnect(self, connection_id: int, reason: str) -> None:
        self._db.execute(
            "UPDATE connections SET disconnected_at_ms = state_now_ms(),"
            " last_seen_ms = state_now_ms(), reason = %s"
            " WHERE id = %s AND disconnected_at_ms IS NULL",
            (reason, connection_id),
        )

    def heartbeat(self, connection_id: int) -> None:
        self._db.execute(
            "UPDATE connections SET last_seen_ms = state_now_ms()"
            " WHERE id = %s AND disconnected_at_ms IS NULL",
            (connection_id,),
        )

    def gaps_after(self, gap_id: int) -> list[Gap]:
        with self._db.connection() as db:
            return self.gaps_in(db, gap_id)

    def coverage(self) -> ListenerCoverage:
        with self._db.connection() as db:
            return self.coverage_in(db)

    @staticmethod
    def gaps_in(db: psycopg.Connection, gap_id: int) -> list[Gap]:
        rows = db.execute(
            "SELECT id, start_ms, end_ms, reason FROM gaps WHERE id > %s ORDER BY id", (gap_id,)
        ).fetchall()
        return [
            Gap(id=row[0], start=from_epoch_ms(row[1]), end=from_epoch_ms(row[2]), reason=row[3])
            for row in rows
        ]

    @staticmethod
    def coverage_in(db: psycopg.Connection) -> ListenerCoverage:
        row = db.execute(
            "SELECT COUNT(*) FILTER (WHERE disconnected_at_ms IS NULL), MAX(disconnected_at_ms)"
            " FROM connections"
        ).fetchone()
        open_count, last_disconnect = row if row else (0, None)
        return ListenerCoverage(
            open_connections=int(open_count or 0),
            last_disconnected_at=None
            if last_disconnect is None
            else from_epoch_ms(last_disconnect),
        )


def _server_now(db: psycopg.Connection) -> int:
    row = db.execute(b"SELECT state_now_ms()").fetchone()
    assert row is not None
    return int(row[0])


def _detect_gap(db: psycopg.Connection, threshold_s: float, now: int) -> Gap | None:
    row = db.execute(_COVERED_UNTIL.encode()).fetchone()
    still_open, covered_until = row if row else (0, None)
    if still_open or covered_until is None or now - covered_until <= threshold_s * 1000:
        return None
    reason = f"no listener connected for {(now - covered_until) / 1000:.1f} s"
    gap = db.execute(
        "INSERT INTO gaps (start_ms, end_ms, reason, created_at_ms)"
        " VALUES (%s, %s, %s, %s) RETURNING id",
        (covered_until, now, reason, now),
    ).fetchone()
    assert gap is not None
    return Gap(
        id=int(gap[0]), start=from_epoch_ms(covered_until), end=from_epoch_ms(now), reason=reason
    )
