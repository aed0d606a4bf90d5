"""The PostgreSQL schema is versioned: numbered files applied once, in order, by whichever
process opens the database first; a schema newer than the code refuses to open."""

from __future__ import annotations

import threading

import psycopg
import pytest

from pipelines.state.postgres.database import PostgresDatabase, redacted
from pipelines.state.postgres.migrations import SchemaTooNew, known_migrations, latest_version


def versions(url: str) -> list[int]:
    with psycopg.connect(url) as db:
        return [row[0] for row in db.execute("SELECT version FROM schema_version ORDER BY 1")]


def test_migrations_are_numbered_from_one_without_holes():
    numbers = [migration.version for migration in known_migrations()]
    assert numbers == list(range(1, len(numbers) + 1)) and latest_version() == numbers[-1]


def test_hosts_opening_together_apply_each_migration_once(postgres_url):
    errors: list[BaseException] = []

    def open_database() -> None:
        try:
            PostgresDatabase(postgres_url).close()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=open_database) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert versions(postgres_url) == [m.version for m in known_migrations()]
    PostgresDatabase(postgres_url).close()  # reopening applies nothing
    assert versions(postgres_url) == [m.version for m in known_migrations()]


def test_a_schema_newer_than_the_code_refuses_to_open(postgres_url):
    PostgresDatabase(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("INSERT INTO schema_version (version, name) VALUES (999, 'future')")
    with pytest.raises(SchemaTooNew, match="999"):
        PostgresDatabase(postgres_url)


def test_the_password_never_shows():
    url = "postgresql://attendance:s3cret@db.internal:5433/state?sslmode=require"
    assert "s3cret" not in redacted(url) and "db.internal:5433/state" in redacted(url)
