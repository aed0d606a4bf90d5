"""`doctor` checks the configured PostgreSQL in one line each: reachable, permissions, schema
version; it never migrates anything itself."""

from __future__ import annotations

import secrets

import psycopg
from psycopg import sql

from pipelines.doctor import run_doctor
from pipelines.state.postgres.database import PostgresDatabase
from pipelines.state.postgres.migrations import latest_version
from tests.services import POSTGRES_ADMIN_URL


def state_lines(monkeypatch, url: str) -> list[str]:
    monkeypatch.setenv("ATTENDANCE_STATE_URL", url)
    report = run_doctor(offline=True)
    return [finding.line() for finding in report.findings if finding.check == "state"]


def test_a_new_database_is_reachable_creatable_and_not_yet_migrated(monkeypatch, postgres_url):
    lines = state_lines(monkeypatch, postgres_url)
    assert lines[0].startswith("[ok  ] state: PostgreSQL 15 reachable at postgresql://")
    assert lines[1].startswith("[ok  ] state: may create the state tables in schema t_")
    assert lines[2].startswith("[WARN] state: no state schema yet") and len(lines) == 3
    with psycopg.connect(postgres_url) as db:  # doctor created nothing
        assert db.execute("SELECT to_regclass('schema_version')").fetchone() == (None,)


def test_a_migrated_database_is_writable_and_current(monkeypatch, postgres_url):
    PostgresDatabase(postgres_url).close()
    lines = state_lines(monkeypatch, postgres_url)
    assert lines[1].startswith("[ok  ] state: may read and write every state table")
    assert lines[2] == f"[ok  ] state: schema version {latest_version()} (current)."
    monkeypatch.setenv("ATTENDANCE_STATE_URL", postgres_url)
    quota = [f.line() for f in run_doctor(offline=True).findings if f.check == "quota"]
    assert quota == [
        "[ok  ] quota: 0 of 5000 metered calls spent this month (DINGTALK_MONTHLY_API_QUOTA)."
    ]


def test_a_newer_schema_must_be_fixed(monkeypatch, postgres_url):
    PostgresDatabase(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("INSERT INTO schema_version (version, name) VALUES (999, 'future')")
    lines = state_lines(monkeypatch, postgres_url)
    assert lines[2].startswith("[FIX ] state: schema version 999 is newer")


def test_an_unreachable_server_is_one_line_without_the_password(monkeypatch):
    lines = state_lines(monkeypatch, "postgresql://u:hunter2@127.0.0.1:9/x")
    assert len(lines) == 1 and lines[0].startswith(
        "[FIX ] state: PostgreSQL at postgresql://u:***@"
    )
    assert "hunter2" not in lines[0]


def test_a_user_without_grants_is_told_what_to_grant(monkeypatch, postgres_url):
    role = f"t_role_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        try:
            as_role = postgres_url.replace("postgresql://postgres@", f"postgresql://{role}@")
            lines = state_lines(monkeypatch, as_role)
        finally:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    assert lines[1].startswith("[FIX ] state: cannot use schema t_")
    assert "GRANT USAGE, CREATE ON SCHEMA t_" in lines[1]
