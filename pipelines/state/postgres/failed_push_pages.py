"""Raw failed-push pages on PostgreSQL (implements `FailedPushPageStore`).

The failed-push list is read-once, so a page is committed (bytes, exactly as serialised) before
it is parsed; PostgreSQL's default `synchronous_commit = on` makes the commit durable.
"""

from __future__ import annotations

import json
from typing import Any

from pipelines.state.postgres.database import PostgresDatabase, PostgresStore


class PostgresFailedPushPages(PostgresStore):
    """Durable store of raw failed-push pages."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def save(self, raw: bytes | dict[str, Any]) -> int:
        """Commit one raw page (the bytes DingTalk sent; a decoded page as ASCII JSON)."""
        body = raw if isinstance(raw, bytes) else json.dumps(raw, ensure_ascii=True).encode()
        row = self._db.fetch_one(
            "INSERT INTO failed_push_pages (fetched_at_ms, raw) VALUES (state_now_ms(), %s)"
            " RETURNING id",
            (body,),
        )
        assert row is not None
        return int(row[0])

    def unprocessed(self) -> list[tuple[int, dict[str, Any]]]:
        """Pages saved but not yet turned into inbox events (a previous run stopped midway)."""
        rows = self._db.fetch_all(
            "SELECT id, raw FROM failed_push_pages WHERE processed_at_ms IS NULL ORDER BY id"
        )
        return [
            (int(row[0]), json.loads(bytes(row[1]).decode("utf-8", "surrogatepass")))
            for row in rows
        ]

    def mark_processed(self, page_id: int) -> None:
        """Record that the page's events are in the inbox."""
        self._db.execute(
            "UPDATE failed_push_pages SET processed_at_ms = state_now_ms() WHERE id = %s",
            (page_id,),
        )

    def last_fetch_ms(self) -> int | None:
        """When the list was last read (epoch ms), None if never."""
        row = self._db.fetch_one("SELECT MAX(fetched_at_ms) FROM failed_push_pages")
        return None if row is None or row[0] is None else int(row[0])

    def count(self) -> int:
        """Pages stored, processed or not."""
        row = self._db.fetch_one("SELECT COUNT(*) FROM failed_push_pages")
        return int(row[0]) if row else 0
