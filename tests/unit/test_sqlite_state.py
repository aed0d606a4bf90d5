"""Every SQLite store opens through one helper: WAL, its busy timeout and synchronous mode, its
schema, and write transactions that commit whole or not at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.dingtalk.ledger import QuotaLedger
from pipelines.dingtalk.throttle import SharedRateLimiter
from pipelines.state.failed_push_pages import FailedPushPages
from pipelines.state.refresh_requests import RefreshRequestQueue
from pipelines.state.sqlite import SqliteFile, SqliteStore, is_lock_error
from pipelines.stream.inbox import Inbox

SCHEMA = "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"

# (open the store in a data dir, its file name, synchronous (1 NORMAL, 2 FULL), busy timeout ms)
STORES: list[tuple[Callable[[Path], SqliteStore], str, int, int]] = [
    (Inbox.in_data_dir, "inbox.sqlite", 2, 10_000),
    (RefreshRequestQueue.in_data_dir, "refresh_requests.sqlite", 2, 10_000),
    (FailedPushPages.in_data_dir, "failed_push.sqlite", 2, 10_000),
    (QuotaLedger.in_data_dir, "quota_ledger.sqlite", 2, 30_000),
    (
        lambda data_dir: SharedRateLimiter.in_data_dir(data_dir, 20.0),
        "rate_limit.sqlite",
        1,
        10_000,
    ),
]


@pytest.mark.parametrize(("open_store", "filename", "synchronous", "busy_ms"), STORES)
def test_each_store_is_a_wal_file_in_the_data_dir_with_its_pragmas(
    tmp_path, open_store, filename, synchronous, busy_ms
):
    with open_store(tmp_path / "data") as store:
        assert store.path == tmp_path / "data" / filename
        assert store._db.fetch_one("PRAGMA synchronous")[0] == synchronous
        assert store._db.fetch_one("PRAGMA busy_timeout")[0] == busy_ms
    with sqlite3.connect(tmp_path / "data" / filename) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_schema_is_created_once_and_reopening_keeps_the_data(tmp_path):
    database = SqliteFile(tmp_path / "deep" / "x.sqlite", SCHEMA)
    database.execute("INSERT INTO items (name) VALUES (?)", ("a",))
    database.close()
    again = SqliteFile(tmp_path / "deep" / "x.sqlite", SCHEMA)
    assert again.fetch_all("SELECT name FROM items") == [("a",)]
    assert again.fetch_one("SELECT name FROM items WHERE id = ?", (99,)) is None
    again.close()


def test_a_failed_transaction_leaves_nothing_and_the_connection_usable(tmp_path):
    database = SqliteFile(tmp_path / "x.sqlite", SCHEMA)
    with pytest.raises(sqlite3.IntegrityError), database.transaction() as db:
        db.execute("INSERT INTO items (name) VALUES (?)", ("kept only if committed",))
        db.execute("INSERT INTO items (name) VALUES (NULL)")
    assert database.fetch_all("SELECT * FROM items") == []
    with database.transaction() as db:
        db.execute("INSERT INTO items (name) VALUES (?)", ("b",))
    assert database.fetch_all("SELECT name FROM items") == [("b",)]
    database.close()


def test_a_writer_waits_out_the_busy_timeout_then_reports_a_lock_error(tmp_path):
    database = SqliteFile(tmp_path / "x.sqlite", SCHEMA, busy_timeout_ms=50)
    holder = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError) as raised, database.transaction():
            pass
        assert is_lock_error(raised.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with database.transaction() as db:  # the failed BEGIN left no transaction behind
        db.execute("INSERT INTO items (name) VALUES (?)", ("after",))
    database.close()


def test_an_unknown_synchronous_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="synchronous"):
        SqliteFile(tmp_path / "x.sqlite", SCHEMA, synchronous="SOMETIMES")
