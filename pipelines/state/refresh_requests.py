"""The refresh request queue in SQLite: `<data_dir>/refresh_requests.sqlite`, next to the inbox.

Implements `pipelines.refresh.requests.RefreshRequestStore`; `seq` (AUTOINCREMENT) is the
sensor's cursor.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pipelines.refresh.requests import RefreshRequest
from pipelines.state.sqlite import SqliteFile, SqliteStore

REQUESTS_FILENAME = "refresh_requests.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS refresh_requests (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    work_date     TEXT    NOT NULL,
    users         TEXT,            -- JSON list of userids; NULL refreshes the whole day
    reason        TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);
"""


class RefreshRequestQueue(SqliteStore):
    """Append-only queue of refresh requests (thread-safe, several processes may write)."""

    def __init__(self, path: Path | str, busy_timeout_ms: int = 10_000) -> None:
        self._db = SqliteFile(path, _SCHEMA, busy_timeout_ms=busy_timeout_ms)

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> RefreshRequestQueue:
        """Open (creating if needed) `<data_dir>/refresh_requests.sqlite`."""
        return cls(Path(data_dir) / REQUESTS_FILENAME)

    def add(self, requests: Iterable[RefreshRequest]) -> int:
        """Append requests in one transaction; returns how many were written."""
        rows = [
            (
                request.work_date.isoformat(),
                None if request.users is None else json.dumps(sorted(request.users)),
                request.reason,
                int(time.time() * 1000),
            )
            for request in requests
        ]
        if not rows:
            return 0
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO refresh_requests (work_date, users, reason, created_at_ms)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def read_after(self, seq: int, limit: int = 500) -> list[RefreshRequest]:
        """Requests with a sequence number above `seq`, oldest first, at most `limit`."""
        rows = self._db.fetch_all(
            "SELECT seq, work_date, users, reason FROM refresh_requests"
            " WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        )
        return [
            RefreshRequest(
                work_date=date.fromisoformat(row[1]),
                users=None if row[2] is None else frozenset(json.loads(row[2])),
                reason=row[3],
                seq=row[0],
            )
            for row in rows
        ]
