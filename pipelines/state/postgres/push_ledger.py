"""The push ledger on PostgreSQL (implements `PushLedger`): every listener host counts in one
table, an upsert increments a (day, event type) row atomically."""

from __future__ import annotations

from datetime import datetime

from pipelines.days import SHANGHAI
from pipelines.dingtalk.ledger import shanghai_now
from pipelines.quota.pushes import is_billed
from pipelines.state.postgres.database import PostgresDatabase, PostgresStore

_UPSERT = """
INSERT INTO pushes (day, event_type, count, last_at_ms) VALUES (%s, %s, 1, %s)
ON CONFLICT (day, event_type) DO UPDATE
SET count = pushes.count + 1, last_at_ms = greatest(pushes.last_at_ms, excluded.last_at_ms)
"""
_MONTH_TO_DATE = """
SELECT event_type, SUM(count) FROM pushes WHERE day >= %s AND day <= %s
GROUP BY event_type ORDER BY event_type
"""


class PostgresPushLedger(PostgresStore):
    """Counts pushes in the shared database; safe for threads, processes and hosts."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def record(self, event_type: str, at: datetime | None = None) -> None:
        local = (at or shanghai_now()).astimezone(SHANGHAI)
        self._db.execute(_UPSERT, (local.date(), event_type, int(local.timestamp() * 1000)))

    def month_to_date(self, now: datetime | None = None) -> dict[str, int]:
        today = (now or shanghai_now()).astimezone(SHANGHAI).date()
        rows = self._db.fetch_all(_MONTH_TO_DATE, (today.replace(day=1), today))
        return {kind: int(total) for kind, total in rows if is_billed(kind)}

    def last_push_at(self) -> datetime | None:
        rows = self._db.fetch_all("SELECT MAX(last_at_ms) FROM pushes")
        if not rows or rows[0][0] is None:
            return None
        return datetime.fromtimestamp(rows[0][0] / 1000, tz=SHANGHAI)

    def set_starved(self, since: datetime | None) -> None:
        if since is None:
            self._db.execute("DELETE FROM push_starvation")
            return
        self._db.execute(
            "INSERT INTO push_starvation (id, since_ms) VALUES (1, %s)"
            " ON CONFLICT (id) DO UPDATE SET since_ms = excluded.since_ms",
            (int(since.timestamp() * 1000),),
        )

    def starved_since(self) -> datetime | None:
        rows = self._db.fetch_all("SELECT since_ms FROM push_starvation")
        return datetime.fromtimestamp(rows[0][0] / 1000, tz=SHANGHAI) if rows else None

    def __repr__(self) -> str:
        return f"PostgresPushLedger({self._db!r})"
