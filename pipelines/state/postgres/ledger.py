"""The quota ledger on PostgreSQL (implements `CallLedger`): one ledger for every host.

DingTalk's monthly quota is per organisation, so every host's calls count in one table of
(day, endpoint, metered, outcome) counters; an upsert increments a row atomically.
"""

from __future__ import annotations

from datetime import date, datetime

from pipelines.days import SHANGHAI
from pipelines.dingtalk.ledger import OUTCOMES, shanghai_now
from pipelines.state.postgres.database import PostgresDatabase, PostgresStore

# DingTalk does not bill calls refused for QPS or never answered (reference 3.1).
_UNBILLED = ["throttled", "unreachable"]
_UPSERT = """
INSERT INTO api_calls (day, endpoint, metered, outcome, count) VALUES (%s, %s, %s, %s, 1)
ON CONFLICT (day, endpoint, metered, outcome) DO UPDATE SET count = api_calls.count + 1
"""
_MONTH_TO_DATE = """
SELECT endpoint, SUM(count) FROM api_calls
WHERE metered AND day >= %s AND day <= %s AND NOT (outcome = ANY(%s))
GROUP BY endpoint ORDER BY endpoint
"""
_BY_OUTCOME = """
SELECT endpoint, outcome, SUM(count) FROM api_calls WHERE day >= %s AND day <= %s
GROUP BY endpoint, outcome ORDER BY endpoint, outcome
"""


class PostgresLedger(PostgresStore):
    """Counts DingTalk calls in the shared database; safe for threads, processes and hosts."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def record(
        self, endpoint: str, metered: bool, outcome: str, at: datetime | None = None
    ) -> None:
        """Count one call of `endpoint` with `outcome` (one of OUTCOMES) on the day of `at`."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {OUTCOMES}")
        day = (at or shanghai_now()).astimezone(SHANGHAI).date()
        self._db.execute(_UPSERT, (day, endpoint, metered, outcome))

    def month_to_date(self, now: datetime | None = None) -> dict[str, int]:
        """Metered calls DingTalk bills, per endpoint, from the 1st of `now`'s month to `now`."""
        today = (now or shanghai_now()).astimezone(SHANGHAI).date()
        rows = self._db.fetch_all(_MONTH_TO_DATE, (today.replace(day=1), today, _UNBILLED))
        return {endpoint: int(total) for endpoint, total in rows}

    def outcomes(self, since: date, until: date) -> dict[tuple[str, str], int]:
        """All calls (metered or not) per (endpoint, outcome) between two days inclusive."""
        rows = self._db.fetch_all(_BY_OUTCOME, (since, until))
        return {(endpoint, outcome): int(total) for endpoint, outcome, total in rows}

    def __repr__(self) -> str:
        return f"PostgresLedger({self._db!r})"
