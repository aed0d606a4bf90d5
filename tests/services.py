"""The machine's services (PostgreSQL, Redis, RabbitMQ, an S3 server) for the tests that need them.

Where a service is unreachable its tests skip with a one-line reason, so the README's two
commands work on any machine; CI exports ATTENDANCE_REQUIRE_SERVICES=1 (`.ci/run`), which turns
those skips into failures: a CI run never passes by skipping them.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest

REQUIRE_SERVICES = "ATTENDANCE_REQUIRE_SERVICES"
# Trust auth on loopback, as on the project's machines; a developer may point elsewhere.
POSTGRES_ADMIN_URL = os.environ.get(
    "ATTENDANCE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def unavailable(reason: str) -> None:
    """Skip the test, or fail it where the services are required (CI)."""
    if os.environ.get(REQUIRE_SERVICES) == "1":
        pytest.fail(f"{reason} ({REQUIRE_SERVICES}=1: services are required here)")
    pytest.skip(reason)


def _admin_connection():  # noqa: ANN202 - psycopg is imported lazily
    import psycopg

    try:
        return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        unavailable(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {first_line}")
        raise


def with_search_path(url: str, schema: str) -> str:
    """`url` with libpq `options` that put `schema` first on the search path."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL on a new schema with a random name, dropped (with everything in it) afterwards."""
    from psycopg import sql

    from pipelines.state.factory import close_databases

    schema = f"t_{secrets.token_hex(6)}"
    admin = _admin_connection()
    try:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            yield with_search_path(POSTGRES_ADMIN_URL, schema)
        finally:
            close_databases()  # no pooled connection may hold the schema's locks
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    finally:
        admin.close()


@contextmanager
def s3_server() -> Iterator[str]:
    """An S3-compatible server (moto's server mode) on loopback; yields its endpoint URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        unavailable("moto[server] is not installed: pip install -c constraints.txt -e '.[dev]'")
        raise
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A URL on a new database with a random name, dropped (connections and all) afterwards."""
    from psycopg import sql

    name = f"t_{secrets.token_hex(6)}"
    admin = _admin_connection()
    try:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        admin.close()


RABBITMQ_URL = os.environ.get(
    "ATTENDANCE_TEST_RABBITMQ_URL", "pyamqp://guest:guest@127.0.0.1:5672//"
)


def require_rabbitmq() -> str:
    """The broker URL, after checking that something listens there."""
    import socket
    from urllib.parse import urlsplit

    parsed = urlsplit(RABBITMQ_URL)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 5672), timeout=3).close()
    except OSError as error:
        unavailable(f"RabbitMQ unreachable at {parsed.hostname}:{parsed.port}: {error}")
    return RABBITMQ_URL


REDIS_URL = os.environ.get("ATTENDANCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> str:
    """The Redis URL, after checking that something listens there."""
    import socket
    from urllib.parse import urlsplit

    parsed = urlsplit(REDIS_URL)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=3).close()
    except OSError as error:
        unavailable(f"Redis unreachable at {parsed.hostname}:{parsed.port}: {error}")
    return REDIS_URL


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
