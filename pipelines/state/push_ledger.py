"""The push ledger in SQLite: `<data_dir>/push_ledger.sqlite` (implements
`pipelines.quota.pushes.PushLedger`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipelines.days import SHANGHAI
from pipelines.dingtalk.ledger import shanghai_now
from pipelines.quota.pushes import is_billed
from pipelines.state.sqlite import SqliteFile, SqliteStore

PUSH_LEDGER_FILENAME = "push_ledger.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pushes (
    day        TEXT    NOT NULL,   -- Asia/Shanghai date the push was received
    event_type TEXT    NOT NULL,
    count      INTEGER NOT NULL,
    last_at_ms INTEGER NOT NULL,
    PRIMARY KEY (day, event_type)
);
-- One row at most: since when the polling sensor finds the Stream starved.
CREATE TABLE IF NOT EXISTS push_starvation (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    since_ms INTEGER NOT NULL
);
"""
_UPSERT = """
INSERT INTO pushes (day, event_type, count, last_at_ms) VALUES (?, ?, 1, ?)
ON CONFLICT (day, event_type) DO UPDATE
SET count = count + 1, last_at_ms = max(last_at_ms, excluded.last_at_ms)
"""


class SqlitePushLedger(SqliteStore):
    """Counts pushes by day and event type; several listener processes may write."""

    def __init__(self, path: Path | str) -> None:
        self._db = SqliteFile(path, _SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> SqlitePushLedger:
        """Open (creating if needed) `<data_dir>/push_ledger.sqlite`."""
        return cls(Path(data_dir) / PUSH_LEDGER_FILENAME)

    def record(self, event_type: str, at: datetime | None = None) -> None:
        local = (at or shanghai_now()).astimezone(SHANGHAI)
        params = (local.date().isoformat(), event_type, int(local.timestamp() * 1000))
        self._db.execute(_UPSERT, params)

    def month_to_date(self, now: datetime | None = None) -> dict[str, int]:
        today = (now or shanghai_now()).astimezone(SHANGHAI).date()
        rows = self._db.fetch_all(
            "SELECT event_type, SUM(count) FROM pushes WHERE day >= ? AND day <= ?"
            " GROUP BY event_type ORDER BY event_type",
            (today.replace(day=1).isoformat(), today.isoformat()),
        )
        return {kind: int(total) for kind, total in rows if is_billed(kind)}

    def last_push_at(self) -> datetime | None:
        row = self._db.fetch_one("SELECT MAX(last_at_ms) FROM pushes")
        if row is None or row[0] is None:
            return None
        return datetime.fromtimestamp(row[0] / 1000, tz=SHANGHAI)

    def set_starved(self, since: datetime | None) -> None:
        if since is None:
            self._db.execute("DELETE FROM push_starvation")
            return
        self._db.execute(
            "INSERT OR REPLACE INTO push_starvation (id, since_ms) VALUES (1, ?)",
            (int(since.timestamp() * 1000),),
        )

    def starved_since(self) -> datetime | None:
        row = self._db.fetch_one("SELECT since_ms FROM push_starvation")
        return None if row is None else datetime.fromtimestamp(row[0] / 1000, tz=SHANGHAI)

    def __repr__(self) -> str:
        return f"SqlitePushLedger({str(self.path)!r})"
