"""The event inbox on PostgreSQL: listeners on several hosts write one inbox.

Implements `pipelines.stream.protocol.EventInbox` with the SQLite inbox's semantics: an event
id is stored once (a unique index; later deliveries are counted in `duplicates`), `seq` is the
consumers' cursor, bad input is quarantined verbatim.

`seq` comes from an identity column, and PostgreSQL hands out sequence numbers at insert time,
not at commit: two concurrent writers could commit seq 11 before seq 10, and a consumer that
read up to 11 and moved its cursor there would never see 10. So every insert takes one
transaction-scoped advisory lock first: writers commit in seq order (the lock is released
after the commit is visible), and a cursor never jumps over a row that commits later.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import psycopg

from pipelines.state.postgres.database import PostgresDatabase, PostgresStore
from pipelines.state.postgres.journal import PostgresJournal
from pipelines.stream.journal import Connection, ListenerCoverage
from pipelines.stream.models import (
    AddResult,
    Gap,
    InboxStats,
    NewEvent,
    StoredEvent,
    from_epoch_ms,
    to_epoch_ms,
)
from pipelines.stream.protocol import DEFAULT_CONSUMER

# ASCII JSON: PostgreSQL text cannot hold a lone surrogate, which a frame's "\\ud800" decodes to.
_encoder = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), default=str)
_dumps = _encoder.encode

# The key of the advisory lock that orders inserts (see the module docstring).
INSERT_LOCK_KEY = 7_150_015_002
_INSERT = """
INSERT INTO events (event_id, event_type, born_at_ms, received_at_ms, source, corp_id,
                    message_id, payload, headers)
SELECT e.event_id, e.event_type, e.born_at_ms, state_now_ms(), e.source, e.corp_id, e.message_id,
       e.payload, e.headers
FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[],
            %s::text[], %s::text[])
     WITH ORDINALITY AS e(event_id, event_type, born_at_ms, source, corp_id, message_id,
                          payload, headers, position)
ORDER BY e.position
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
"""
_COUNT_DUPLICATES = """
INSERT INTO duplicates (event_id, count, last_seen_ms)
SELECT d.event_id, d.count, state_now_ms()
FROM unnest(%s::text[], %s::bigint[]) AS d(event_id, count)
ON CONFLICT (event_id) DO UPDATE
SET count = duplicates.count + excluded.count, last_seen_ms = excluded.last_seen_ms
"""
_MARK_CONSUMED = """
INSERT INTO cursors (consumer, seq, updated_at_ms) VALUES (%s, %s, state_now_ms())
ON CONFLICT (consumer) DO UPDATE
SET seq = GREATEST(cursors.seq, excluded.seq), updated_at_ms = excluded.updated_at_ms
"""
_QUARANTINE = """
INSERT INTO quarantine (raw_sha256, raw, reason, message_id, received_at_ms)
VALUES (%s, %s, %s, %s, state_now_ms())
ON CONFLICT (raw_sha256) DO UPDATE SET count = quarantine.count + 1
RETURNING count
"""


class PostgresInbox(PostgresStore):
    """PostgreSQL implementation of `EventInbox` (thread-safe: pooled connections)."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database
        self._journal = PostgresJournal(database)

    def add(self, events: Iterable[NewEvent]) -> AddResult:
        """Store events in one transaction; returns only after it committed (ACK-safe)."""
        batch = list(events)
        if not batch:
            return AddResult(inserted=0, duplicates=0)
        columns = _columns(batch)
        with self._db.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (INSERT_LOCK_KEY,))
            new_ids = {row[0] for row in db.execute(_INSERT.encode(), columns).fetchall()}
            inserted = len(new_ids)
            duplicate_ids: list[str] = []
            for event in batch:  # the first delivery of a new id is the insert
                if event.event_id in new_ids:
                    new_ids.discard(event.event_id)
                else:
                    duplicate_ids.append(event.event_id)
            if duplicate_ids:
                counts = Counter(duplicate_ids)
                db.execute(_COUNT_DUPLICATES.encode(), (list(counts), list(counts.values())))
        return AddResult(
            inserted=inserted, duplicates=len(duplicate_ids), duplicate_ids=tuple(duplicate_ids)
        )

    def quarantine(self, raw: str, reason: str, message_id: str | None = None) -> bool:
        """Keep bad input verbatim with its reason; True the first time this input is seen."""
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
        # PostgreSQL text holds no NUL and no lone surrogate: both are replaced.
        text = raw.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
        row = self._db.fetch_one(_QUARANTINE, (digest, text, reason, message_id))
        return row is not None and row[0] == 1

    def quarantined(self, limit: int = 100) -> list[dict[str, object]]:
        """The most recent quarantined inputs (raw, reason, count), newest first."""
        rows = self._db.fetch_all(
            "SELECT raw, reason, message_id, received_at_ms, count FROM quarantine"
            " ORDER BY id DESC LIMIT %s",
            (limit,),
        )
        keys = ("raw", "reason", "message_id", "received_at_ms", "count")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def read_after(self, seq: int, limit: int = 500) -> list[StoredEvent]:
        """Events with a sequence number above `seq`, in order, at most `limit` of them."""
        rows = self._db.fetch_all(
            "SELECT seq, event_id, event_type, born_at_ms, received_at_ms, source, corp_id,"
            " message_id, payload, headers FROM events WHERE seq > %s ORDER BY seq LIMIT %s",
            (seq, limit),
        )
        return [_stored_event(row) for row in rows]

    def events_born_at(
        self, event_type: str, born_at: datetime, source: str | None = None
    ) -> list[StoredEvent]:
        """Events of `event_type` born at exactly `born_at` (from `source`, or any), in order."""
        rows = self._db.fetch_all(
            "SELECT seq, event_id, event_type, born_at_ms, received_at_ms, source, corp_id,"
            " message_id, payload, headers FROM events WHERE event_type = %s AND born_at_ms = %s"
            " AND (%s::text IS NULL OR source = %s) ORDER BY seq",
            (event_type, to_epoch_ms(born_at), source, source),
        )
        return [_stored_event(row) for row in rows]

    def mark_consumed(self, seq: int, consumer: str = DEFAULT_CONSUMER) -> None:
        """Move `consumer`'s cursor forward to `seq` (never backwards)."""
        self._db.execute(_MARK_CONSUMED, (consumer, seq))

    def consumed_seq(self, consumer: str = DEFAULT_CONSUMER) -> int:
        """The highest sequence number `consumer` has marked consumed (0 if none)."""
        row = self._db.fetch_one("SELECT seq FROM cursors WHERE consumer = %s", (consumer,))
        return int(row[0]) if row else 0

    def record_connection(
        self, listener_id: str, pid: int, gap_threshold_s: float, stale_after_s: float = 30
    ) -> Connection:
        """Journal a new connection; records a gap if no listener was connected for too long."""
        return self._journal.connect(listener_id, pid, gap_threshold_s, stale_after_s)

    def record_disconnection(self, connection_id: int, reason: str) -> None:
        """Journal the end of a connection."""
        self._journal.disconnect(connection_id, reason)

    def heartbeat(self, connection_id: int) -> None:
        """Tell other listeners this connection is still alive (see `record_connection`)."""
        self._journal.heartbeat(connection_id)

    def gaps_after(self, gap_id: int = 0) -> list[Gap]:
        """Gaps recorded with an id above `gap_id`, oldest first."""
        return self._journal.gaps_after(gap_id)

    def listener_coverage(self) -> ListenerCoverage:
        """How many connections the journal holds open, and when the last one ended."""
        return self._journal.coverage()

    def stats(self, consumer: str = DEFAULT_CONSUMER) -> InboxStats:
        """Counts for operators, read in one snapshot (REPEATABLE READ)."""
        with self._db.connection() as db:
            db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            try:
                with db.transaction():
                    return self._stats(db, consumer)
            finally:
                db.isolation_level = None

    def _stats(self, db: psycopg.Connection, consumer: str) -> InboxStats:
        received, last_born, last_received = _one(
            db, "SELECT COUNT(*), MAX(born_at_ms), MAX(received_at_ms) FROM events"
        )
        (duplicates,) = _one(db, "SELECT COALESCE(SUM(count), 0) FROM duplicates")
        (quarantined,) = _one(db, "SELECT COUNT(*) FROM quarantine")
        row = db.execute("SELECT seq FROM cursors WHERE consumer = %s", (consumer,)).fetchone()
        consumed = int(row[0]) if row else 0
        (pending,) = _one(db, "SELECT COUNT(*) FROM events WHERE seq > %s", (consumed,))
        coverage = PostgresJournal.coverage_in(db)
        return InboxStats(
            received=int(received),
            duplicates=int(duplicates),
            quarantined=int(quarantined),
            pending=int(pending),
            consumed_seq=consumed,
            last_event_at=from_epoch_ms(last_born) if last_born is not None else None,
            last_received_at=from_epoch_ms(last_received) if last_received is not None else None,
            open_connections=coverage.open_connections,
            gaps=tuple(PostgresJournal.gaps_in(db, 0)),
        )

    def __repr__(self) -> str:
        return f"PostgresInbox({self._db!r})"


# Any: the columns are what the SQL selects (counts and epoch milliseconds), psycopg does not know.
def _one(db: psycopg.Connection, sql: str, params: tuple[object, ...] = ()) -> tuple[Any, ...]:
    row = db.execute(sql.encode(), params).fetchone()
    assert row is not None  # aggregates always return one row
    return row


def _columns(batch: list[NewEvent]) -> tuple[list[object], ...]:
    return (
        [event.event_id for event in batch],
        [event.event_type for event in batch],
        [to_epoch_ms(event.born_at) for event in batch],
        [event.source for event in batch],
        [event.corp_id for event in batch],
        [event.message_id for event in batch],
        [_dumps(event.payload) for event in batch],
        [_dumps(event.headers) for event in batch],
    )


def _stored_event(row: tuple[object, ...]) -> StoredEvent:
    return StoredEvent(
        seq=int(row[0]),  # type: ignore[arg-type]
        event_id=str(row[1]),
        event_type=str(row[2]),
        born_at=from_epoch_ms(int(row[3])),  # type: ignore[arg-type]
        received_at=from_epoch_ms(int(row[4])),  # type: ignore[arg-type]
        source=row[5],  # type: ignore[arg-type]
        corp_id=row[6],  # type: ignore[arg-type]
        message_id=row[7],  # type: ignore[arg-type]
        payload=json.loads(str(row[8])),
        headers=json.loads(str(row[9])),
    )
