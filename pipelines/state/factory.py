"""The one place that opens the state stores: SQLite under the data dir, or PostgreSQL.

`ATTENDANCE_STATE_URL` empty (the default) keeps every store in its SQLite file under
`ATTENDANCE_DATA_DIR`, for one host. `postgresql://...` puts the inbox, the refresh queue, the
failed-push pages, the quota ledger and the shared rate limiter in one PostgreSQL database, so
listeners and Dagster runs on several hosts share one inbox, one limiter and one ledger. Every
caller (listener, Dagster resources, CLI) asks a `StateLocation` for its stores and uses them
through their protocols.

One `PostgresDatabase` (pool) is kept per process and URL; a process that forks gets its own.
The implementations are imported when a store is opened: the SQLite modules import the
packages that own them (stream, dingtalk), which import this module.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

if TYPE_CHECKING:
    from pipelines.dingtalk.ledger import CallLedger
    from pipelines.dingtalk.throttle import CallLimiter
    from pipelines.extract.strategies.plans import PlanCache
    from pipelines.quota.pushes import PushLedger
    from pipelines.refresh.failed_push import FailedPushPageStore
    from pipelines.refresh.requests import RefreshRequestStore
    from pipelines.settings import Settings
    from pipelines.state.postgres.database import PostgresDatabase
    from pipelines.stream.protocol import EventInbox

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# What opening or using a store raises when its file or database cannot be used.
STATE_ERRORS: tuple[type[Exception], ...] = (OSError, sqlite3.Error, psycopg.Error)

_databases: dict[tuple[int, str], PostgresDatabase] = {}
_databases_lock = threading.Lock()


def is_postgres_url(url: str) -> bool:
    """True for a `postgresql://` (or `postgres://`) URL."""
    return url.startswith(POSTGRES_SCHEMES)


def postgres_database(url: str) -> PostgresDatabase:
    """This process's pool on `url` (opened, and the schema migrated, on first use)."""
    from pipelines.state.postgres.database import PostgresDatabase

    key = (os.getpid(), url)
    with _databases_lock:
        database = _databases.get(key)
        if database is None:
            database = _databases[key] = PostgresDatabase(url)
        return database


def close_databases() -> None:
    """Close this process's pools (at exit; tests call it between databases)."""
    with _databases_lock:
        mine = [key for key in _databases if key[0] == os.getpid()]
        for key in mine:
            _databases.pop(key).close()


atexit.register(close_databases)


@dataclass(frozen=True)
class StateLocation:
    """Where the state lives: `state_url` (PostgreSQL) if set, else files in `data_dir`."""

    data_dir: Path
    state_url: str = ""

    def __post_init__(self) -> None:
        if self.state_url and not is_postgres_url(self.state_url):
            raise ValueError("ATTENDANCE_STATE_URL must be empty or start with postgresql://")

    @classmethod
    def from_settings(cls, settings: Settings) -> StateLocation:
        """The location `Settings` name (ATTENDANCE_DATA_DIR, ATTENDANCE_STATE_URL)."""
        return cls(
            Path(settings.attendance_data_dir), settings.attendance_state_url.get_secret_value()
        )

    @property
    def is_postgres(self) -> bool:
        return bool(self.state_url)

    def describe(self) -> str:
        """Where the state is, for logs and messages (no password)."""
        if self.is_postgres:
            from pipelines.state.postgres.database import redacted

            return redacted(self.state_url)
        return f"SQLite files in {self.data_dir}"

    def inbox(self, synchronous: str = "FULL") -> EventInbox:
        """The event inbox (`synchronous` is SQLite's pragma; PostgreSQL commits durably)."""
        if self.is_postgres:
            from pipelines.state.postgres.inbox import PostgresInbox

            return PostgresInbox(postgres_database(self.state_url))
        from pipelines.stream.inbox import Inbox

        return Inbox.in_data_dir(self.data_dir, synchronous=synchronous)

    def refresh_requests(self) -> RefreshRequestStore:
        """The refresh request queue."""
        if self.is_postgres:
            from pipelines.state.postgres.refresh_requests import PostgresRefreshRequests

            return PostgresRefreshRequests(postgres_database(self.state_url))
        from pipelines.state.refresh_requests import RefreshRequestQueue

        return RefreshRequestQueue.in_data_dir(self.data_dir)

    def failed_push_pages(self) -> FailedPushPageStore:
        """The raw failed-push pages."""
        if self.is_postgres:
            from pipelines.state.postgres.failed_push_pages import PostgresFailedPushPages

            return PostgresFailedPushPages(postgres_database(self.state_url))
        from pipelines.state.failed_push_pages import FailedPushPages

        return FailedPushPages.in_data_dir(self.data_dir)

    def ledger(self) -> CallLedger:
        """The quota ledger every DingTalk call is counted in."""
        if self.is_postgres:
            from pipelines.state.postgres.ledger import PostgresLedger

            return PostgresLedger(postgres_database(self.state_url))
        from pipelines.dingtalk.ledger import QuotaLedger

        return QuotaLedger.in_data_dir(self.data_dir)

    def push_ledger(self) -> PushLedger:
        """The Stream pushes received, counted by the listeners."""
        if self.is_postgres:
            from pipelines.state.postgres.push_ledger import PostgresPushLedger

            return PostgresPushLedger(postgres_database(self.state_url))
        from pipelines.state.push_ledger import SqlitePushLedger

        return SqlitePushLedger.in_data_dir(self.data_dir)

    def plan_cache(self) -> PlanCache:
        """The day's schedules and leaves kept between polls (a cache: `state migrate` leaves
        it behind, the next pull fills it again)."""
        if self.is_postgres:
            from pipelines.state.postgres.plan_cache import PostgresPlanCache

            return PostgresPlanCache(postgres_database(self.state_url))
        from pipelines.state.plan_cache import SqlitePlanCache

        return SqlitePlanCache.in_data_dir(self.data_dir)

    def limiter(
        self, calls_per_second: float, namespace: str = "", window_calls: int | None = None
    ) -> CallLimiter:
        """The per-API rate limiter shared by every process (and host) using this state;
        `window_calls` in any one-second window (default: the rate, rounded up)."""
        if self.is_postgres:
            from pipelines.state.postgres.limiter import PostgresRateLimiter

            database = postgres_database(self.state_url)
            return PostgresRateLimiter(
                database, calls_per_second, namespace=namespace, window_calls=window_calls
            )
        from pipelines.dingtalk.throttle import SharedRateLimiter

        return SharedRateLimiter.in_data_dir(
            self.data_dir, calls_per_second, namespace=namespace, window_calls=window_calls
        )
