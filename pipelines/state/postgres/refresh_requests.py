"""The refresh request queue on PostgreSQL (implements `RefreshRequestStore`).

Like the inbox, `seq` is a cursor, so writers take an advisory lock that makes them commit in
seq order (see `pipelines.state.postgres.inbox`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from pipelines.refresh.requests import RefreshRequest
from pipelines.state.postgres.database import PostgresDatabase, PostgresStore

INSERT_LOCK_KEY = 7_150_015_004
_INSERT = """
INSERT INTO refresh_requests (work_date, users, reason, created_at_ms)
SELECT r.work_date, r.users, r.reason, state_now_ms()
FROM unnest(%s::date[], %s::text[], %s::text[]) WITH ORDINALITY
     AS r(work_date, users, reason, position)
ORDER BY r.position
"""


class PostgresRefreshRequests(PostgresStore):
    """Append-only queue of refresh requests shared by every host."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def add(self, requests: Iterable[RefreshRequest]) -> int:
        """Append requests in one transaction; returns how many were written."""
        batch = list(requests)
        if not batch:
            return 0
        users = [None if r.users is None else json.dumps(sorted(r.users)) for r in batch]
        with self._db.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (INSERT_LOCK_KEY,))
            db.execute(
                _INSERT.encode(),
                ([r.work_date for r in batch], users, [r.reason for r in batch]),
            )
        return len(batch)

    def read_after(self, seq: int, limit: int = 500) -> list[RefreshRequest]:
        """Requests with a sequence number above `seq`, oldest first, at most `limit`."""
        rows = self._db.fetch_all(
            "SELECT seq, work_date, users, reason FROM refresh_requests"
            " WHERE seq > %s ORDER BY seq LIMIT %s",
            (seq, limit),
        )
        return [
            RefreshRequest(
                work_date=row[1],
                users=None if row[2] is None else frozenset(json.loads(row[2])),
                reason=row[3],
                seq=int(row[0]),
            )
            for row in rows
        ]
