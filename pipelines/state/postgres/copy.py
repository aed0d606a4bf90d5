"""Copy the SQLite state of a data directory into PostgreSQL (`state migrate --to URL`).

Every row keeps its id, so consumer cursors (the sensor's `seq`), gap ids and page ids stay
valid; the identity sequences then continue after the highest copied id. The copy is one
transaction: it lands whole or not at all. A target that already holds state, the push ledger
included, is refused (two inboxes merged would renumber events under the consumers' cursors;
two push ledgers merged would count a day's pushes twice), so a second run changes nothing.
The rate limiter's slots are not copied: they are seconds of a host's monotonic clock,
meaningless elsewhere.
Stop the listeners and the Dagster daemon first: writes made during the copy are not in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from pipelines.state.postgres.database import PostgresDatabase
from pipelines.state.sqlite import SqliteFile


class TargetNotEmpty(RuntimeError):
    """The PostgreSQL state already holds rows; copying into it would mix two histories."""


@dataclass(frozen=True)
class TableCopy:
    """One SQLite table into one PostgreSQL table, with the identity column to continue."""

    file: str
    source: str
    target: str
    columns: tuple[str, ...]
    identity: str | None = None


INBOX_COLUMNS = (
    "seq",
    "event_id",
    "event_type",
    "born_at_ms",
    "received_at_ms",
    "source",
    "corp_id",
    "message_id",
    "payload",
    "headers",
)
TABLES = (
    TableCopy("inbox.sqlite", "events", "events", INBOX_COLUMNS, "seq"),
    TableCopy("inbox.sqlite", "duplicates", "duplicates", ("event_id", "count", "last_seen_ms")),
    TableCopy(
        "inbox.sqlite",
        "quarantine",
        "quarantine",
        ("id", "raw_sha256", "raw", "reason", "message_id", "received_at_ms", "count"),
        "id",
    ),
    TableCopy(
        "inbox.sqlite",
        "connections",
        "connections",
        (
            "id",
            "listener_id",
            "pid",
            "connected_at_ms",
            "last_seen_ms",
            "disconnected_at_ms",
            "reason",
        ),
        "id",
    ),
    TableCopy(
        "inbox.sqlite",
        "gaps",
        "gaps",
        ("id", "start_ms", "end_ms", "reason", "created_at_ms"),
        "id",
    ),
    TableCopy("inbox.sqlite", "cursors", "cursors", ("consumer", "seq", "updated_at_ms")),
    TableCopy(
        "refresh_requests.sqlite",
        "refresh_requests",
        "refresh_requests",
        ("seq", "work_date", "users", "reason", "created_at_ms"),
        "seq",
    ),
    TableCopy(
        "failed_push.sqlite",
        "pages",
        "failed_push_pages",
        ("id", "fetched_at_ms", "raw", "processed_at_ms"),
        "id",
    ),
    TableCopy(
        "quota_ledger.sqlite",
        "calls",
        "api_calls",
        ("day", "endpoint", "metered", "outcome", "count"),
    ),
    # The month's pushes against the push quota, and the polling sensor's starvation mark.
    TableCopy(
        "push_ledger.sqlite", "pushes", "pushes", ("day", "event_type", "count", "last_at_ms")
    ),
    TableCopy("push_ledger.sqlite", "push_starvation", "push_starvation", ("id", "since_ms")),
)
# SQLite keeps these as text or 0/1; COPY's text format parses them into the target types.
_BYTES_COLUMNS = {("failed_push_pages", "raw")}
_BOOL_COLUMNS = {("api_calls", "metered")}


def copy_sqlite_state(data_dir: Path, database: PostgresDatabase) -> dict[str, int]:
    """Copy every SQLite store found in `data_dir` into `database`; rows copied per table."""
    copied: dict[str, int] = {}
    with database.transaction() as db:
        _refuse_unless_empty(db)
        for table in TABLES:
            path = Path(data_dir) / table.file
            if path.exists():
                copied[table.target] = _copy_table(db, path, table)
    return copied


def _refuse_unless_empty(db: psycopg.Connection) -> None:
    for table in {table.target for table in TABLES}:
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
        row = db.execute(query).fetchone()
        if row and row[0]:
            raise TargetNotEmpty(
                f"the PostgreSQL state already has rows in {table}: copy into an empty database"
            )


def _copy_table(db: psycopg.Connection, path: Path, table: TableCopy) -> int:
    source = SqliteFile(path, "")  # the store's own schema exists already; none is added
    try:
        if not source.fetch_one(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table.source,)
        ):
            return 0
        columns = ", ".join(table.columns)  # names from TABLES above, never from input
        rows = source.fetch_all(f"SELECT {columns} FROM {table.source}")  # noqa: S608
    finally:
        source.close()
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.target), sql.SQL(", ").join(map(sql.Identifier, table.columns))
    )
    with db.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(_converted(table, row))
    if table.identity and rows:
        db.execute(
            sql.SQL("SELECT setval(pg_get_serial_sequence({}, {}), MAX({})) FROM {}").format(
                sql.Literal(table.target),
                sql.Literal(table.identity),
                sql.Identifier(table.identity),
                sql.Identifier(table.target),
            )
        )
    return len(rows)


def _converted(table: TableCopy, row: tuple[object, ...]) -> tuple[object, ...]:
    values = list(row)
    for index, column in enumerate(table.columns):
        value = values[index]
        if (table.target, column) in _BYTES_COLUMNS and isinstance(value, str):
            values[index] = value.encode("utf-8", "surrogatepass")
        elif (table.target, column) in _BOOL_COLUMNS and value is not None:
            values[index] = bool(value)
    return tuple(values)
