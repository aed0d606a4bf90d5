"""`doctor` on the configured PostgreSQL state: reachable, permissions, schema version.

Only reads: the schema is never migrated here (the first listener or run does that). SQLite
state needs no check of its own (the data directory check covers it).
"""

from __future__ import annotations

import psycopg

from pipelines.doctor.config_checks import report_quota_spent
from pipelines.doctor.findings import DoctorReport
from pipelines.settings import Settings
from pipelines.state.factory import StateLocation, postgres_database
from pipelines.state.postgres.database import redacted
from pipelines.state.postgres.ledger import PostgresLedger
from pipelines.state.postgres.migrations import current_version, latest_version

STATE_TABLES = (
    "events",
    "duplicates",
    "quarantine",
    "connections",
    "gaps",
    "cursors",
    "refresh_requests",
    "failed_push_pages",
    "api_calls",
    "rate_slots",
    "pushes",
    "push_starvation",
)
_MISSING_PRIVILEGES = """
SELECT t.name FROM unnest(%s::text[]) AS t(name)
WHERE NOT has_table_privilege(t.name, 'SELECT, INSERT, UPDATE')
"""


def check_state(report: DoctorReport, settings: Settings) -> bool:
    """One line each: PostgreSQL reachable, its permissions, its schema version. True when the
    state can be read without migrating it (SQLite, or PostgreSQL at the current schema)."""
    state = StateLocation.from_settings(settings)
    if not state.is_postgres:
        return True
    shown = redacted(state.state_url)
    try:
        connection = psycopg.connect(state.state_url, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        report.add(
            "fail",
            "state",
            f"PostgreSQL at {shown} unreachable ({reason}): fix "
            "ATTENDANCE_STATE_URL or start the server.",
        )
        return False
    with connection:
        version = connection.info.server_version
        report.add("ok", "state", f"PostgreSQL {version // 10000} reachable at {shown}.")
        schema_version = current_version(connection)
        _check_permissions(report, connection, schema_version)
        current = _check_schema_version(report, schema_version)
        if current:
            report_quota_spent(report, PostgresLedger(postgres_database(state.state_url)), settings)
    return current


def _check_permissions(
    report: DoctorReport, connection: psycopg.Connection, schema_version: int | None
) -> None:
    schema_row = connection.execute("SELECT current_schema()").fetchone()
    schema = schema_row[0] if schema_row else None
    if schema is None:  # the first schema on the search path exists but is not usable
        path_row = connection.execute("SELECT current_setting('search_path')").fetchone()
        wanted = (path_row[0] if path_row else "").split(",")[0].strip().strip('"')
        report.add(
            "fail",
            "state",
            f"cannot use schema {wanted or '(none)'}: GRANT USAGE, CREATE ON SCHEMA "
            f"{wanted or '<schema>'} TO the URL's user (or fix search_path in the URL).",
        )
        return
    if schema_version is None:
        row = connection.execute("SELECT has_schema_privilege(%s, 'CREATE')", (schema,)).fetchone()
        if row and row[0]:
            report.add("ok", "state", f"may create the state tables in schema {schema}.")
        else:
            report.add(
                "fail",
                "state",
                f"cannot create tables in schema {schema}: "
                f"GRANT CREATE ON SCHEMA {schema} TO the URL's user.",
            )
        return
    missing = [row[0] for row in connection.execute(_MISSING_PRIVILEGES, (list(STATE_TABLES),))]
    if missing:
        report.add(
            "fail",
            "state",
            f"no SELECT/INSERT/UPDATE on {', '.join(missing)}: grant them to the URL's user.",
        )
    else:
        report.add("ok", "state", f"may read and write every state table in schema {schema}.")


def _check_schema_version(report: DoctorReport, schema_version: int | None) -> bool:
    """One line on the schema version; True when it is this code's (safe to open)."""
    latest = latest_version()
    if schema_version is None:
        report.add(
            "warn",
            "state",
            f"no state schema yet: the first listener or run creates "
            f"version {latest} (or run `dingtalk-attendance state migrate --to URL`).",
        )
    elif schema_version > latest:
        report.add(
            "fail",
            "state",
            f"schema version {schema_version} is newer than this "
            f"code's {latest}: upgrade dingtalk-attendance on this host.",
        )
    elif schema_version < latest:
        report.add(
            "warn",
            "state",
            f"schema version {schema_version}; this code migrates it "
            f"to {latest} when it first opens the state.",
        )
    else:
        report.add("ok", "state", f"schema version {schema_version} (current).")
        return True
    return False
