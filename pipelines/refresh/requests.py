"""Refresh requests produced inside the pipeline (approval resolution), queued for the sensor.

Approval events carry no dates; a run resolves the instance and writes what it found here, and
the events sensor folds these requests into the same coalescer as inbox events, so a day touched
by a punch and by an approval is still pulled once. SQLite in WAL mode next to the inbox; `seq`
increases monotonically and is the sensor's cursor into this queue.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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


@dataclass(frozen=True)
class RefreshRequest:
    """Re-pull `work_date` for `users` (None: everybody); `reason` names who asked and why."""

    work_date: date
    users: frozenset[str] | None
    reason: str
    seq: int = 0


class RefreshRequestQueue:
    """Append-only queue of refresh requests (thread-safe, several processes may write)."""

    def __init__(self, path: Path, busy_timeout_ms: int = 10_000):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
        )
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> RefreshRequestQueue:
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
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO refresh_requests (work_date, users, reason, created_at_ms)"
                    " VALUES (?, ?, ?, ?)",
                    rows,
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return len(rows)

    def read_after(self, seq: int, limit: int = 500) -> list[RefreshRequest]:
        """Requests with a sequence number above `seq`, oldest first, at most `limit`."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, work_date, users, reason FROM refresh_requests"
                " WHERE seq > ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [
            RefreshRequest(
                work_date=date.fromisoformat(row[1]),
                users=None if row[2] is None else frozenset(json.loads(row[2])),
                reason=row[3],
                seq=row[0],
            )
            for row in rows
        ]

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> RefreshRequestQueue:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
