"""Overnight lookup backed by the warehouse: did this user's shift on a day end after midnight?

Reads four columns of one `attendance_results` partition per day asked (cached for the tick),
so it is cheap enough to run inside a sensor tick. The answer has three states, and "unknown"
is not "no": True when one of the user's check points falls on the next day, or when their
attendance group's shift does for a colleague; False only when the user's OffDuty check point
of that day is known and ends the same day; None otherwise (day not pulled, or the OffDuty row
not there yet), and the mapping then falls back to its cut-off hour rule.
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
    answers: dict[date, dict[str, bool | None] | None] = {}

    def lookup(userid: str, work_date: date) -> bool | None:
        if work_date not in answers:
            answers[work_date] = _day_answers(store, work_date)
        found = answers[work_date]
        return None if found is None else found.get(userid)

    return lookup


_COLUMNS = ["userid", "plan_check_time", "check_type", "group_id"]


def _day_answers(store: WarehouseRows, work_date: date) -> dict[str, bool | None] | None:
    try:
        rows = store.partition_rows(RESULTS_TABLE, work_date, _COLUMNS)
    except (OSError, ValueError):
        return None  # unreadable or mid-rename on an odd filesystem: use the cut-off rule
    if rows is None:
        return None
    crossing = [row for row in rows if _local_day(row["plan_check_time"]) not in (None, work_date)]
    overnight_users = {row["userid"] for row in crossing}
    overnight_groups = {row["group_id"] for row in crossing if row["group_id"] is not None}
    answers: dict[str, bool | None] = {}
    for row in rows:
        userid = row["userid"]
        if userid in overnight_users or row["group_id"] in overnight_groups:
            answers[userid] = True
        elif row["check_type"] == "OffDuty":
            answers.setdefault(userid, False)
        else:
            answers.setdefault(userid, None)
    return answers


def _local_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(SHANGHAI).date()
