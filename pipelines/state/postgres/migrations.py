"""Versioned schema migrations: numbered SQL files applied once, in order, under a lock.

`migrations/NNNN_name.sql` files are applied in number order; `schema_version` records each
one applied. Every process runs `migrate` when it opens the database, inside one transaction
holding a transaction-scoped advisory lock, so that two hosts starting together apply a file
once and a process never sees half a migration. A database whose schema is newer than this
code refuses to open: old code must not write into tables it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg

# An arbitrary constant shared by every process: the key of the migration advisory lock.
MIGRATION_LOCK_KEY = 7_150_015_001
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_CREATE_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class SchemaTooNew(RuntimeError):
    """The database was migrated by newer code than this process runs."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str


def known_migrations() -> list[Migration]:
    """Every migration this code ships, oldest first."""
    found: list[Migration] = []
    for entry in resources.files(__package__ or __name__).joinpath("migrations").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda migration: migration.version)


def latest_version() -> int:
    """The schema version this code expects."""
    return known_migrations()[-1].version


def current_version(connection: psycopg.Connection) -> int | None:
    """The version recorded in the database; None when it was never migrated."""
    exists = connection.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    row = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def migrate(connection: psycopg.Connection) -> list[int]:
    """Apply the migrations the database lacks; returns the versions applied."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        connection.execute(_CREATE_VERSION_TABLE)
        have = current_version(connection) or 0
        migrations = known_migrations()
        if have > migrations[-1].version:
            raise SchemaTooNew(
                f"the state database is at schema version {have}, newer than this code's "
                f"{migrations[-1].version}: upgrade dingtalk-attendance on this host"
            )
        applied: list[int] = []
        for migration in migrations:
            if migration.version > have:
                connection.execute(migration.sql.encode("utf-8"))
                connection.execute(
                    "INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
                applied.append(migration.version)
        return applied
