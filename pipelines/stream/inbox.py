"""The durable, de-duplicating event inbox: SQLite in WAL mode, behind a small Protocol.

Several listener processes on one host write the same file: WAL lets readers run beside the
single writer, `busy_timeout` makes a writer wait for the lock instead of failing, every write
transaction starts with `BEGIN IMMEDIATE` (takes the write lock up front, so two writers never
deadlock upgrading a read lock), and a bounded retry covers the rare lock timeout left over.
A PostgreSQL inbox (listeners on several hosts) implements the same `EventInbox` Protocol
(`pipelines/stream/protocol.py`, re-exported here); see docs/listener.md.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, TypeVar

from pipelines.state.sqlite import SqliteFile, SqliteStore, retry_on_lock
from pipelines.stream.journal import Connection, ConnectionJournal, ListenerCoverage
from pipelines.stream.models import (
    AddResult,
    Gap,
    InboxStats,
    NewEvent,
    StoredEvent,
    from_epoch_ms,
    to_epoch_ms,
)
from pipelines.stream.protocol import DEFAULT_CONSUMER, EventInbox
from pipelines.stream.schema import SCHEMA

__all__ = ["DEFAULT_CONSUMER", "INBOX_FILENAME", "EventInbox", "Inbox"]

INBOX_FILENAME = "inbox.sqlite"
T = TypeVar("T")
# The C accelerator of `json` (None without it); typeshed does not declare it.
c_make_encoder: Callable[..., Callable[[object, int], list[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)

# Both read the columns `_stored_event` expects, in its order.
_EVENTS_AFTER = (
    "SELECT seq, event_id, event_type, born_at_ms, received_at_ms, source, corp_id, message_id,"
    " payload, headers FROM events WHERE seq > ? ORDER BY seq LIMIT ?"
)
# Served by the (event_type, born_at_ms) index; a NULL source matches every source.
_EVENTS_BORN_AT = (
    "SELECT seq, event_id, event_type, born_at_ms, received_at_ms, source, corp_id, message_id,"
    " payload, headers FROM events WHERE event_type = ? AND born_at_ms = ?"
    " AND (? IS NULL OR source = ?) ORDER BY seq"
)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _compact_encoder() -> Callable[[object], str]:
    """Compact JSON text (ensure_ascii=False, no spaces, `str` for unknown types).

    `JSONEncoder.encode` builds a new C encoder at every call; building it once saves about a
    third of the encoding time, which runs twice per event on the writer thread under the GIL.
    No circular-reference check: payloads and headers come from `json.loads` (a circular value
    would still fail, with RecursionError, and fail the batch like any encoding error).
    """
    fallback = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return fallback
    # Arguments: markers, default, string encoder, indent, key separator, item separator,
    # sort_keys, skipkeys, allow_nan (the same options as `fallback`).
    encode = c_make_encoder(None, str, encode_basestring, None, ":", ",", False, False, True)
    return lambda value: "".join(encode(value, 0))


_dumps = _compact_encoder()


class Inbox(SqliteStore):
    """SQLite implementation of `EventInbox` (thread-safe; one connection per instance).

    Args:
        path: the database file, e.g. `$ATTENDANCE_DATA_DIR/inbox.sqlite`.
        synchronous: SQLite `synchronous` pragma. FULL (default) fsyncs the WAL at every commit,
            so an ACKed event survives a power cut; NORMAL survives process crashes only.
        busy_timeout_ms: how long a writer waits for another process's write lock.
    """

    def __init__(self, path: Path, synchronous: str = "FULL", busy_timeout_ms: int = 10_000):
        self._db = SqliteFile(
            path, SCHEMA, synchronous=synchronous, busy_timeout_ms=busy_timeout_ms
        )
        self._journal = ConnectionJournal(self._transaction)

    @classmethod
    def in_data_dir(cls, data_dir: Path, **options: Any) -> Inbox:
        """Open (creating if needed) the inbox at `<data_dir>/inbox.sqlite`."""
        return cls(Path(data_dir) / INBOX_FILENAME, **options)

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one write transaction, retried as a whole on lock timeouts."""

        @retry_on_lock
        def attempt() -> T:
            with self._db.transaction() as db:
                return work(db)

        return attempt()

    def add(self, events: Iterable[NewEvent]) -> AddResult:
        """Store events in one transaction; an event id already stored counts as a duplicate.

        Returns only after the transaction committed, so the caller may ACK every event.
        """
        batch = list(events)
        if not batch:
            return AddResult(inserted=0, duplicates=0)
        return self._transaction(lambda db: self._insert(db, batch, _now_ms()))

    @staticmethod
    def _insert(db: sqlite3.Connection, batch: list[NewEvent], now: int) -> AddResult:
        before = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        rows = (
            (
                event.event_id,
                event.event_type,
                to_epoch_ms(event.born_at),
                now,
                event.source,
                event.corp_id,
                event.message_id,
                _dumps(event.payload),
                _dumps(event.headers),
            )
            for event in batch
        )
        inserted = db.executemany(
            "INSERT INTO events (event_id, event_type, born_at_ms, received_at_ms, source,"
            " corp_id, message_id, payload, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (event_id) DO NOTHING",
            rows,
        ).rowcount
        if inserted == len(batch):
            return AddResult(inserted=inserted, duplicates=0)
        new_ids = {
            row[0] for row in db.execute("SELECT event_id FROM events WHERE seq > ?", (before,))
        }
        duplicate_ids: list[str] = []
        for event in batch:  # the first delivery of a new id is the insert, the rest duplicates
            if event.event_id in new_ids:
                new_ids.discard(event.event_id)
            else:
                duplicate_ids.append(event.event_id)
        db.executemany(
            "INSERT INTO duplicates (event_id, count, last_seen_ms) VALUES (?, 1, ?)"
            " ON CONFLICT (event_id) DO UPDATE SET count = count + 1, last_seen_ms = ?",
            [(event_id, now, now) for event_id in duplicate_ids],
        )
        return AddResult(
            inserted=inserted, duplicates=len(duplicate_ids), duplicate_ids=tuple(duplicate_ids)
        )

    def quarantine(self, raw: str, reason: str, message_id: str | None = None) -> bool:
        """Keep bad input verbatim with its reason; True the first time this input is seen."""
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
        text = raw.encode("utf-8", "replace").decode("utf-8")

        def work(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "INSERT INTO quarantine (raw_sha256, raw, reason, message_id, received_at_ms)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (raw_sha256) DO NOTHING",
                (digest, text, reason, message_id, _now_ms()),
            )
            if cursor.rowcount == 0:
                db.execute(
                    "UPDATE quarantine SET count = count + 1 WHERE raw_sha256 = ?", (digest,)
                )
            return cursor.rowcount == 1

        return self._transaction(work)

    def quarantined(self, limit: int = 100) -> list[dict[str, object]]:
        """The most recent quarantined inputs (raw, reason, count), newest first."""
        rows = self._db.fetch_all(
            "SELECT raw, reason, message_id, received_at_ms, count FROM quarantine"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        keys = ("raw", "reason", "message_id", "received_at_ms", "count")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def read_after(self, seq: int, limit: int = 500) -> list[StoredEvent]:
        """Events with a sequence number above `seq`, in order, at most `limit` of them."""
        rows = self._db.fetch_all(_EVENTS_AFTER, (seq, limit))
        return [_stored_event(row) for row in rows]

    def events_born_at(
        self, event_type: str, born_at: datetime, source: str | None = None
    ) -> list[StoredEvent]:
        """Events of `event_type` born at exactly `born_at` (from `source`, or any), in order."""
        rows = self._db.fetch_all(
            _EVENTS_BORN_AT, (event_type, to_epoch_ms(born_at), source, source)
        )
        return [_stored_event(row) for row in rows]

    def mark_consumed(self, seq: int, consumer: str = DEFAULT_CONSUMER) -> None:
        """Move `consumer`'s cursor forward to `seq` (never backwards)."""
        self._transaction(
            lambda db: db.execute(
                "INSERT INTO cursors (consumer, seq, updated_at_ms) VALUES (?, ?, ?)"
                " ON CONFLICT (consumer) DO UPDATE SET seq = MAX(seq, excluded.seq),"
                " updated_at_ms = excluded.updated_at_ms",
                (consumer, seq, _now_ms()),
            )
        )

    def consumed_seq(self, consumer: str = DEFAULT_CONSUMER) -> int:
        """The highest sequence number `consumer` has marked consumed (0 if none)."""
        row = self._db.fetch_one("SELECT seq FROM cursors WHERE consumer = ?", (consumer,))
        return row[0] if row else 0

    def record_connection(
        self, listener_id: str, pid: int, gap_threshold_s: float, stale_after_s: float = 30
    ) -> Connection:
        """Journal a new connection; records a gap if no listener was connected for too long."""
        return self._journal.connect(listener_id, pid, gap_threshold_s, stale_after_s, _now_ms())

    def record_disconnection(self, connection_id: int, reason: str) -> None:
        """Journal the end of a connection."""
        self._journal.disconnect(connection_id, reason, _now_ms())

    def heartbeat(self, connection_id: int) -> None:
        """Tell other listeners this connection is still alive (see `record_connection`)."""
        self._journal.heartbeat(connection_id, _now_ms())

    def gaps_after(self, gap_id: int = 0) -> list[Gap]:
        """Gaps recorded with an id above `gap_id`, oldest first."""
        with self._db.locked() as db:
            return self._journal.gaps_after(db, gap_id)

    def listener_coverage(self) -> ListenerCoverage:
        """How many connections the journal holds open, and when the last one ended."""
        with self._db.locked() as db:
            return self._journal.coverage(db)

    def stats(self, consumer: str = DEFAULT_CONSUMER) -> InboxStats:
        """Counts for operators: received, duplicates, quarantined, pending, last event, gaps."""
        with self._db.locked() as db:
            received, last_born, last_received = db.execute(
                "SELECT COUNT(*), MAX(born_at_ms), MAX(received_at_ms) FROM events"
            ).fetchone()
            duplicates = db.execute("SELECT COALESCE(SUM(count), 0) FROM duplicates").fetchone()
            quarantined = db.execute("SELECT COUNT(*) FROM quarantine").fetchone()
            cursor = db.execute("SELECT seq FROM cursors WHERE consumer = ?", (consumer,))
            consumed = (cursor.fetchone() or (0,))[0]
            pending = db.execute("SELECT COUNT(*) FROM events WHERE seq > ?", (consumed,))
            gaps = self._journal.gaps_after(db, 0)
            open_connections = self._journal.open_count(db)
        return InboxStats(
            received=received,
            duplicates=duplicates[0],
            quarantined=quarantined[0],
            pending=pending.fetchone()[0],
            consumed_seq=consumed,
            last_event_at=from_epoch_ms(last_born) if last_born is not None else None,
            last_received_at=from_epoch_ms(last_received) if last_received is not None else None,
            open_connections=open_connections,
            gaps=tuple(gaps),
        )


def _stored_event(row: tuple[Any, ...]) -> StoredEvent:
    return StoredEvent(
        seq=row[0],
        event_id=row[1],
        event_type=row[2],
        born_at=from_epoch_ms(row[3]),
        received_at=from_epoch_ms(row[4]),
        source=row[5],
        corp_id=row[6],
        message_id=row[7],
        payload=json.loads(row[8]),
        headers=json.loads(row[9]),
    )
