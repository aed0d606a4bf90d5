"""Raw failed-push pages in SQLite: `<data_dir>/failed_push.sqlite` (synchronous=FULL).

Implements `pipelines.refresh.failed_push.FailedPushPageStore`. The failed-push list is
read-once, so a page is committed here, fsynced, before it is parsed: as the bytes DingTalk
sent (a BLOB, never re-encoded), so no content (a lone UTF-16 surrogate escape, say) can make
the write fail and lose the page. Pages stored as TEXT by earlier versions still read back.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pipelines.state.sqlite import SqliteFile, SqliteStore

PAGES_FILENAME = "failed_push.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    fetched_at_ms   INTEGER NOT NULL,
    raw             TEXT    NOT NULL,   -- the response body's bytes (a BLOB) as DingTalk sent it
    processed_at_ms INTEGER             -- NULL until its events are in the inbox
);
"""


class FailedPushPages(SqliteStore):
    """Durable store of raw failed-push pages (SQLite, synchronous=FULL)."""

    def __init__(self, path: Path | str) -> None:
        self._db = SqliteFile(path, _SCHEMA, synchronous="FULL")

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> FailedPushPages:
        """Open (creating if needed) `<data_dir>/failed_push.sqlite`."""
        return cls(Path(data_dir) / PAGES_FILENAME)

    def save(self, raw: bytes | dict[str, Any]) -> int:
        """Commit one raw page (its bytes; a decoded page is kept as ASCII JSON); returns its id."""
        body = raw if isinstance(raw, bytes) else json.dumps(raw, ensure_ascii=True).encode()
        cursor = self._db.execute(
            "INSERT INTO pages (fetched_at_ms, raw) VALUES (?, ?)", (_now_ms(), body)
        )
        return int(cursor.lastrowid or 0)

    def unprocessed(self) -> list[tuple[int, dict[str, Any]]]:
        """Pages saved but not yet turned into inbox events (a previous run stopped midway)."""
        rows = self._db.fetch_all(
            "SELECT id, raw FROM pages WHERE processed_at_ms IS NULL ORDER BY id"
        )
        return [(row[0], json.loads(row[1])) for row in rows]

    def mark_processed(self, page_id: int) -> None:
        """Record that the page's events are in the inbox."""
        self._db.execute("UPDATE pages SET processed_at_ms = ? WHERE id = ?", (_now_ms(), page_id))

    def last_fetch_ms(self) -> int | None:
        """When the list was last read (epoch ms), None if never."""
        return self._db.fetch_one("SELECT MAX(fetched_at_ms) FROM pages")[0]

    def count(self) -> int:
        """Pages stored, processed or not."""
        return self._db.fetch_one("SELECT COUNT(*) FROM pages")[0]


def _now_ms() -> int:
    return int(time.time() * 1000)
