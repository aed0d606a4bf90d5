"""Overnight lookup backed by the warehouse: did this user's shift on a day end after midnight?

Reads only `userid` and `plan_check_time` of one `attendance_results` partition per day asked
(cached for the tick), so it is cheap enough to run inside a sensor tick. A day the warehouse
has not pulled yet answers None and the mapping falls back to its cut-off hour rule.
"""

from __future__ import annotations

from datetime import date, datetime

import pyarrow.parquet as pq

from pipelines.catalogue import Table
from pipelines.refresh.mapping import SHANGHAI, OvernightLookup
from pipelines.warehouse import ParquetStore

RESULTS_TABLE = Table.ATTENDANCE_RESULTS


def warehouse_overnight_lookup(store: ParquetStore) -> OvernightLookup:
    """An `OvernightLookup` answering from the pulled `attendance_results` partitions."""
    overnight_users: dict[date, frozenset[str] | None] = {}

    def lookup(userid: str, work_date: date) -> bool | None:
        if work_date not in overnight_users:
            overnight_users[work_date] = _overnight_users(store, work_date)
        users = overnight_users[work_date]
        return None if users is None else userid in users

    return lookup


def _overnight_users(store: ParquetStore, work_date: date) -> frozenset[str] | None:
    path = store.file_path(RESULTS_TABLE, work_date)
    if not path.exists():
        return None
    try:
        rows = pq.read_table(path, columns=["userid", "plan_check_time"]).to_pylist()
    except (OSError, ValueError):
        return None  # unreadable or mid-rename on an odd filesystem: use the cut-off rule
    return frozenset(
        row["userid"] for row in rows if _local_day(row["plan_check_time"]) not in (None, work_date)
    )


def _local_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(SHANGHAI).date()
