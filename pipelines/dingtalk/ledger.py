"""The quota ledger: every DingTalk call counted per endpoint, day and outcome, in SQLite (WAL).

The standard edition allows 5,000 metered calls a month for the whole organisation, so every
process (assets, listener, CLI) adds to one ledger file; SQLite in WAL mode with a busy timeout
lets several processes write to it safely. Rows are per (day, endpoint, metered, outcome)
counters, so the file stays small whatever the traffic.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from pipelines import days
from pipelines.days import SHANGHAI
from pipelines.state.sqlite import SqliteFile, SqliteStore

LEDGER_FILENAME = "quota_ledger.sqlite"

# Outcomes: `ok` answered; `error` refused (the request itself); `throttled` refused for QPS;
# `retried` a transient failure (5xx, a rejected token), retried or the last attempt;
# `unreachable` no answer.
OUTCOMES = ("ok", "error", "throttled", "retried", "unreachable")
# DingTalk does not bill calls refused for QPS or never answered (reference 3.1), nor the
# attempts its gateway failed or whose token it rejected (the emulator meters only after
# those checks): counted under their own outcome for the usage report, never as quota spent.
_UNBILLED = ("throttled", "unreachable", "retried")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    day TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    metered INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, endpoint, metered, outcome)
)
"""
_UPSERT = """
INSERT INTO calls (day, endpoint, metered, outcome, count) VALUES (?, ?, ?, ?, 1)
ON CONFLICT (day, endpoint, metered, outcome) DO UPDATE SET count = count + 1
"""
_MONTH_TO_DATE = """
SELECT endpoint, SUM(count) FROM calls
WHERE metered = 1 AND day >= ? AND day <= ? AND outcome NOT IN (?, ?, ?)
GROUP BY endpoint ORDER BY endpoint
"""
_BY_OUTCOME = """
SELECT endpoint, outcome, SUM(count) FROM calls WHERE day >= ? AND day <= ?
GROUP BY endpoint, outcome ORDER BY endpoint, outcome
"""


def shanghai_now() -> datetime:
    """The current time in Asia/Shanghai, the zone DingTalk's natural months follow: the
    pipeline's present, so that a call is dated on the day its pull's rows say they were read."""
    return days.pipeline_now()


class CallLedger(Protocol):
    """Where DingTalk calls are counted: per day, endpoint, metered or not, and outcome."""

    def record(
        self, endpoint: str, metered: bool, outcome: str, at: datetime | None = None
    ) -> None:
        """Count one call of `endpoint` with `outcome` (one of OUTCOMES) on the day of `at`."""
        ...

    def month_to_date(self, now: datetime | None = None) -> dict[str, int]:
        """Metered calls DingTalk bills, per endpoint, from the 1st of `now`'s month to `now`."""
        ...

    def outcomes(self, since: date, until: date) -> dict[tuple[str, str], int]:
        """All calls per (endpoint, outcome) between two days inclusive."""
        ...

    def close(self) -> None: ...


class QuotaLedger(SqliteStore):
    """The SQLite `CallLedger`: counts DingTalk calls in `path`; safe for threads and processes."""

    def __init__(self, path: Path | str) -> None:
        # Each count is its own short autocommit transaction: other processes are never held up.
        self._db = SqliteFile(path, _SCHEMA, synchronous="FULL", busy_timeout_ms=30_000)

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> QuotaLedger:
        """The ledger at `<data_dir>/quota_ledger.sqlite`."""
        return cls(Path(data_dir) / LEDGER_FILENAME)

    def record(
        self, endpoint: str, metered: bool, outcome: str, at: datetime | None = None
    ) -> None:
        """Count one call of `endpoint` with `outcome` (one of OUTCOMES) on the day of `at`."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {OUTCOMES}")
        day = (at or shanghai_now()).astimezone(SHANGHAI).date().isoformat()
        self._db.execute(_UPSERT, (day, endpoint, int(metered), outcome))

    def month_to_date(self, now: datetime | None = None) -> dict[str, int]:
        """Metered calls DingTalk bills, per endpoint, from the 1st of `now`'s month to `now`."""
        first, today = _month_bounds(now)
        rows = self._db.fetch_all(_MONTH_TO_DATE, (first, today, *_UNBILLED))
        return {endpoint: int(total) for endpoint, total in rows}

    def outcomes(self, since: date, until: date) -> dict[tuple[str, str], int]:
        """All calls (metered or not) per (endpoint, outcome) between two days inclusive."""
        rows = self._db.fetch_all(_BY_OUTCOME, (since.isoformat(), until.isoformat()))
        return {(endpoint, outcome): int(total) for endpoint, outcome, total in rows}

    def __repr__(self) -> str:
        return f"QuotaLedger({str(self.path)!r})"


def _month_bounds(now: datetime | None) -> tuple[str, str]:
    local = (now or shanghai_now()).astimezone(SHANGHAI).date()
    return local.replace(day=1).isoformat(), local.isoformat()
