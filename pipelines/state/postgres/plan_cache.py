"""The day's plans kept between polls on PostgreSQL (implements `PlanCache`).

`write` and `forget` take one advisory lock, so `plan_forgotten.seq` grows in commit order and
a write sees every forget numbered after the marker its pull took.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from pipelines.state.plan_cache import KEPT_DAYS
from pipelines.state.postgres.database import PostgresDatabase, PostgresStore

PLAN_LOCK_KEY = 7_150_015_006
_UPSERT = """
INSERT INTO plans (work_date, userid, plan)
SELECT %s, p.userid, p.plan FROM unnest(%s::text[], %s::text[]) AS p(userid, plan)
ON CONFLICT (work_date, userid) DO UPDATE SET plan = excluded.plan
"""


class PostgresPlanCache(PostgresStore):
    """Plans per user-day shared by every host."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def marker(self) -> int:
        row = self._db.fetch_one("SELECT COALESCE(MAX(seq), 0) FROM plan_forgotten")
        return int(row[0]) if row else 0

    def read(self, work_date: date, users: Sequence[str]) -> dict[str, str]:
        rows = self._db.fetch_all(
            "SELECT userid, plan FROM plans WHERE work_date = %s AND userid = ANY(%s)",
            (work_date, list(users)),
        )
        return {str(userid): str(plan) for userid, plan in rows}

    def write(self, work_date: date, plans: Mapping[str, str], marker: int) -> int:
        oldest = work_date - timedelta(days=KEPT_DAYS)
        with self._db.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (PLAN_LOCK_KEY,))
            later = db.execute(
                "SELECT users FROM plan_forgotten WHERE seq > %s AND since <= %s",
                (marker, work_date),
            ).fetchall()
            if any(users is None for (users,) in later):
                return 0
            forgotten = {user for (users,) in later for user in json.loads(users)}
            kept = {user: plan for user, plan in plans.items() if user not in forgotten}
            db.execute(_UPSERT.encode(), (work_date, list(kept), list(kept.values())))
            db.execute("DELETE FROM plans WHERE work_date < %s", (oldest,))
            db.execute("DELETE FROM plan_forgotten WHERE since < %s", (oldest,))
        return len(kept)

    def forget(self, since: date, users: Iterable[str] | None) -> None:
        named = None if users is None else sorted(set(users))
        with self._db.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (PLAN_LOCK_KEY,))
            if named is None:
                db.execute("DELETE FROM plans WHERE work_date >= %s", (since,))
            else:
                db.execute(
                    "DELETE FROM plans WHERE work_date >= %s AND userid = ANY(%s)", (since, named)
                )
            db.execute(
                "INSERT INTO plan_forgotten (since, users) VALUES (%s, %s)",
                (since, None if named is None else json.dumps(named)),
            )

    def __repr__(self) -> str:
        return f"PostgresPlanCache({self._db!r})"
