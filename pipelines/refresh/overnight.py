"""Overnight lookup backed by the warehouse: did this user's shift on a day end after midnight?

Reads only `userid` and `plan_check_time` of one `attendance_results` partition per day asked
(cached for the tick), so it is cheap enough to run inside a sensor tick. A day the warehouse
has not pulled yet answers None and the mapping falls back to its cut-off hour rule.
"""

from __future__ import annotations

from datetime import date, datetime

from pipelines.catalogue import Table
from pipelines.days import SHANGHAI
from pipelines.refresh.mapping import OvernightLookup
from pipelines.warehouse.store import WarehouseRows

RESULTS_TABLE = Table.ATTENDANCE_RESULTS


def warehouse_overnight_lookup(store: WarehouseRows) -> OvernightLookup:
    """An `OvernightLookup` answering from the pulled `attendance_results` partitions."""
    overnight_users: dict[date, frozenset[str] | None] = {}

    def lookup(userid: str, work_date: date) -> bool | None:
        if work_date not in overnight_users:
            overnight_users[work_date] = _overnight_users(store, work_date)
        users = overnight_users[work_date]
        return None if users is None else userid in users

    return lookup


def _overnight_users(store: WarehouseRows, work_date: date) -> frozenset[str] | None:
    try:
        rows = store.partition_rows(RESULTS_TABLE, work_date, ["userid", "plan_check_time"])
    except (OSError, ValueError):
        return None  # unreadable or mid-rename on an odd filesystem: use the cut-off rule
    if rows is None:
        return None
    return frozenset(
        row["userid"] for row in rows if _local_day(row["plan_check_time"]) not in (None, work_date)
    )


def _local_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(SHANGHAI).date()
