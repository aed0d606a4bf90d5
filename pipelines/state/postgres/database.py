"""One PostgreSQL database for the state stores: a psycopg 3 pool, migrated when opened.

Connections are autocommit, so a lone statement is its own short transaction and
`transaction()` opens an explicit one. The pool checks a connection before lending it, so a
restarted server costs a reconnect, not a failed call. Times come from the server's clock
(`state_now_ms()`, a function in the schema): listeners and runs on several hosts compare
heartbeats and gaps on one clock.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import contextmanager
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool

from pipelines.state.postgres.migrations import migrate

Params = Sequence[Any] | dict[str, Any]


def redacted(url: str) -> str:
    """The URL without its password, for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


# A host cut off mid-transaction (link down: no FIN, no RST) would hold its row and advisory
# locks until the server's TCP gives up, hours later, stalling every other host's inbox
# writes. The server ends such a session after IDLE_IN_TRANSACTION (its locks released, its
# events never ACKed, so DingTalk redelivers them); keepalives let the client notice too.
IDLE_IN_TRANSACTION = "15s"
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def _end_abandoned_transactions(connection: psycopg.Connection) -> None:
    connection.execute(
        "SELECT set_config('idle_in_transaction_session_timeout', %s, false)", [IDLE_IN_TRANSACTION]
    )


class PostgresDatabase:
    """A connection pool on `url` (a libpq URL); the schema is migrated at open.

    Args:
        url: `postgresql://user:password@host:port/dbname?options=...`.
        max_size: most connections this process holds (threads beyond it wait).
        timeout: seconds to wait for a connection before failing.
    """

    def __init__(self, url: str, *, max_size: int = 4, timeout: float = 30.0) -> None:
        self.url = url
        # One direct connection first: an unreachable server fails now, in one error, instead
        # of the pool retrying in the background until `timeout`.
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
            migrate(connection)
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            timeout=timeout,
            kwargs={"autocommit": True, "connect_timeout": 10, **KEEPALIVES},
            configure=_end_abandoned_transactions,
            check=ConnectionPool.check_connection,
            name="attendance-state",
            num_workers=1,  # reconnects only; three threads per process are not needed
            open=True,
        )

    @contextmanager
    def connection(self) -> Generator[psycopg.Connection, None, None]:
        """A pooled connection in autocommit mode."""
        with self._pool.connection() as connection:
            yield connection

    @contextmanager
    def transaction(self) -> Generator[psycopg.Connection, None, None]:
        """One transaction: committed on exit, rolled back on error."""
        with self._pool.connection() as connection, connection.transaction():
            yield connection

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement in its own transaction; returns the rows it touched."""
        with self._pool.connection() as connection:
            return connection.execute(sql.encode(), params).rowcount

    def fetch_all(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """All rows of a query, as tuples."""
        with self._pool.connection() as connection:
            return connection.execute(sql.encode(), params).fetchall()

    def fetch_one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        with self._pool.connection() as connection:
            return connection.execute(sql.encode(), params).fetchone()

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()

    def __repr__(self) -> str:
        return f"PostgresDatabase({redacted(self.url)!r})"


class PostgresStore:
    """Base of the stores kept in one `PostgresDatabase`: `close` and `with` support.

    A store borrows its database's pool and does not own it: callers open and close stores
    around every sensor tick and asset body, and a pool per store would reconnect (and check
    the schema) each time. The pool belongs to whoever built the `PostgresDatabase` (the
    factory keeps one per process and URL).
    """

    _db: PostgresDatabase

    @property
    def url(self) -> str:
        """The database URL (with its password: show `redacted(url)`)."""
        return self._db.url

    def close(self) -> None:
        """Nothing to release: the pool is the database's (see the class docstring)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
