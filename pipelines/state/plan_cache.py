"""The day's plans kept between polls, in SQLite: `<data_dir>/plan_cache.sqlite` (implements
`pipelines.extract.strategies.plans.PlanCache`).

`plan_forgotten.seq` (AUTOINCREMENT, never reused) is the marker a pull takes before it reads
DingTalk; BEGIN IMMEDIATE serializes `write` and `forget`, so a write sees every forget that
committed before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path

from pipelines.state.sqlite import SqliteFile, SqliteStore

PLAN_CACHE_FILENAME = "plan_cache.sqlite"
# Plans are reused on their own day only; older rows are dropped as new days are written.
KEPT_DAYS = 7

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (
    work_date TEXT NOT NULL,
    userid    TEXT NOT NULL,
    plan      TEXT NOT NULL,   -- JSON: the user's schedules and leaves of that day
    PRIMARY KEY (work_date, userid)
);
CREATE TABLE IF NOT EXISTS plan_forgotten (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    since TEXT NOT NULL,       -- first work date forgotten
    users TEXT                 -- JSON list of userids; NULL forgets everyone
);
"""


class SqlitePlanCache(SqliteStore):
    """Plans per user-day; several processes may read and write."""

    def __init__(self, path: Path | str) -> None:
        self._db = SqliteFile(path, _SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> SqlitePlanCache:
        """Open (creating if needed) `<data_dir>/plan_cache.sqlite`."""
        return cls(Path(data_dir) / PLAN_CACHE_FILENAME)

    def marker(self) -> int:
        row = self._db.fetch_one("SELECT COALESCE(MAX(seq), 0) FROM plan_forgotten")
        return int(row[0])

    def read(self, work_date: date, users: Sequence[str]) -> dict[str, str]:
        wanted = set(users)
        rows = self._db.fetch_all(
            "SELECT userid, plan FROM plans WHERE work_date = ?", (work_date.isoformat(),)
        )
        return {userid: plan for userid, plan in rows if userid in wanted}

    def write(self, work_date: date, plans: Mapping[str, str], marker: int) -> int:
        day = work_date.isoformat()
        oldest = (work_date - timedelta(days=KEPT_DAYS)).isoformat()
        with self._db.transaction() as db:
            later = db.execute(
                "SELECT users FROM plan_forgotten WHERE seq > ? AND since <= ?", (marker, day)
            ).fetchall()
            if any(users is None for (users,) in later):
                return 0
            forgotten = {user for (users,) in later for user in json.loads(users)}
            rows = [(day, user, plan) for user, plan in plans.items() if user not in forgotten]
            db.executemany(
                "INSERT INTO plans (work_date, userid, plan) VALUES (?, ?, ?)"
                " ON CONFLICT (work_date, userid) DO UPDATE SET plan = excluded.plan",
                rows,
            )
            db.execute("DELETE FROM plans WHERE work_date < ?", (oldest,))
            db.execute("DELETE FROM plan_forgotten WHERE since < ?", (oldest,))
        return len(rows)

    def forget(self, since: date, users: Iterable[str] | None) -> None:
        day = since.isoformat()
        named = None if users is None else sorted(set(users))
        with self._db.transaction() as db:
            if named is None:
                db.execute("DELETE FROM plans WHERE work_date >= ?", (day,))
            else:
                db.executemany(
                    "DELETE FROM plans WHERE work_date >= ? AND userid = ?",
                    [(day, user) for user in named],
                )
            db.execute(
                "INSERT INTO plan_forgotten (since, users) VALUES (?, ?)",
                (day, None if named is None else json.dumps(named)),
            )
