"""One way to open the pipeline's SQLite files: WAL, a busy timeout, one locked connection.

Every SQLite store here (the event inbox, the refresh request queue, the failed-push pages, the
quota ledger, the shared rate limiter) is written by several processes on one host: listeners,
Dagster runs, the CLI. WAL lets readers run beside the single writer; the busy timeout makes a
writer wait for the lock instead of failing; write transactions start with `BEGIN IMMEDIATE`
(the write lock is taken up front, so two writers never deadlock upgrading a read lock). Each
store holds one connection shared by its threads and serialized by a lock.

This module imports nothing from the rest of `pipelines`: every store may use it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

SYNCHRONOUS_MODES = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
Params = Sequence[Any]


def is_lock_error(error: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy": another process held the lock too long."""
    message = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and (
        "locked" in message or "busy" in message
    )


# The rare lock timeout left over after the busy timeout: retried a few times, with jitter.
retry_on_lock = retry(
    retry=retry_if_exception(is_lock_error),
    wait=wait_random_exponential(multiplier=0.02, max=1.0),
    stop=stop_after_attempt(8),
    reraise=True,
)


class SqliteFile:
    """One SQLite file in WAL mode with its schema, used through a single locked connection.

    Args:
        path: the database file; its directory is created if needed.
        schema: idempotent DDL (`CREATE ... IF NOT EXISTS`) run at every open.
        synchronous: SQLite `synchronous` pragma. FULL fsyncs the WAL at every commit (a
            committed row survives a power cut); NORMAL survives process crashes only.
        busy_timeout_ms: how long a statement waits for another process's lock.
    """

    def __init__(
        self,
        path: Path | str,
        schema: str,
        *,
        synchronous: str = "FULL",
        busy_timeout_ms: int = 10_000,
    ) -> None:
        mode = synchronous.upper()
        if mode not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # Autocommit (isolation_level=None): a lone statement is its own short transaction and
        # `transaction()` says BEGIN IMMEDIATE explicitly.
        self._connection = sqlite3.connect(
            self.path,
            isolation_level=None,
            check_same_thread=False,
            timeout=busy_timeout_ms / 1000,
        )
        try:
            self._setup(mode, int(busy_timeout_ms), schema)
        except BaseException:
            self._connection.close()
            raise

    @retry_on_lock  # switching to WAL takes a lock that a concurrent opener may hold
    def _setup(self, synchronous: str, busy_timeout_ms: int, schema: str) -> None:
        with self._lock:
            self._connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute(f"PRAGMA synchronous = {synchronous}")
            self._connection.executescript(schema)

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        """Run one statement in its own transaction (autocommit)."""
        with self._lock:
            return self._connection.execute(sql, params)

    def fetch_all(self, sql: str, params: Params = ()) -> list[Any]:
        """All rows of a query, as tuples."""
        with self._lock:
            return self._connection.execute(sql, params).fetchall()

    def fetch_one(self, sql: str, params: Params = ()) -> Any:
        """The first row of a query (a tuple), or None."""
        with self._lock:
            return self._connection.execute(sql, params).fetchone()

    @contextmanager
    def locked(self) -> Generator[sqlite3.Connection, None, None]:
        """The connection to run several statements without another thread in between."""
        with self._lock:
            yield self._connection

    @contextmanager
    def transaction(self) -> Generator[sqlite3.Connection, None, None]:
        """One write transaction (BEGIN IMMEDIATE): committed on exit, rolled back on error."""
        with self._lock:
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:  # never leave a failed COMMIT's transaction open
                    connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._connection.close()


class SqliteStore:
    """Base of the stores kept in one `SqliteFile`: their path, `close` and `with` support."""

    _db: SqliteFile

    @property
    def path(self) -> Path:
        """The database file."""
        return self._db.path

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
