"""The frugal approvals pull: leave from getleavestatus, getupdatedata once per other approval.

`load_approvals` asks getupdatedata for every approval-day the report values show (one call per
approval-day, and the report values cost one getcolumnval per user). Here the report values are
not needed and each approval costs at most one call:

- leave: getleavestatus (100 users a call) gives DingTalk's duration and unit; the leave's
  days and process instance are the check points DingTalk covered with it (APPROVE rows whose
  plan time lies inside the leave, carrying its procInstId);
- trips, outings (and 补卡, which getupdatedata does not list): one getupdatedata on the first day
  a procInstId shows in the results, its approve_list entry placed on every day it shows;
- overtime, which covers no check point: ListApproveByUsers narrowed to 加班 (50 users x 31
  days a call) says which user-days have one, and getupdatedata reads it there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from pipelines import days as days_module
from pipelines.catalogue import Table
from pipelines.days import SHANGHAI, DayRange
from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.models import ApproveItem, LeaveStatus
from pipelines.extract import rows
from pipelines.extract.loaders import roster, write_days
from pipelines.extract.strategies.pull import midnight
from pipelines.warehouse.store import ParquetStore

OVERTIME_BIZ_TYPE = 1
Covered = list[tuple[date, datetime]]  # (work date, plan time) of check points one approval covers
Key = tuple[str, date, str]  # (userid, work date, procInstId)


def covered_points(
    store: ParquetStore, days: DayRange, users: set[str]
) -> dict[tuple[str, str], Covered]:
    """(userid, procInstId) -> the check points DingTalk shows covered by that approval."""
    found: dict[tuple[str, str], Covered] = defaultdict(list)
    for day in days.days():
        for row in store.read(Table.ATTENDANCE_RESULTS, day).to_pylist():
            if row["proc_inst_id"] and row["userid"] in users:
                plan = row["plan_check_time"]
                plan = plan if plan.tzinfo else plan.replace(tzinfo=SHANGHAI)
                found[(row["userid"], row["proc_inst_id"])].append((day, plan))
    return found


def leave_items(
    leaves: Sequence[LeaveStatus],
    covered: dict[tuple[str, str], Covered],
    names: dict[str, str],
) -> dict[Key, ApproveItem]:
    """Each leave as an approve_list entry on the days of the check points it covers."""
    items: dict[Key, ApproveItem] = {}
    for leave in leaves:
        for (userid, proc), points in covered.items():
            inside = [d for d, plan in points if leave.start_time <= plan <= leave.end_time]
            if userid != leave.userid or not inside:
                continue
            item = ApproveItem(
                procInst_id=proc,
                biz_type=3,
                tag_name="请假",
                sub_type=names.get(leave.leave_code or ""),
                duration=f"{(leave.duration_percent or 0) / 100:.2f}",
                duration_unit="hour" if leave.duration_unit == "percent_hour" else "day",
                begin_time=leave.start_time,
                end_time=leave.end_time,
            )
            items.update({(userid, day, proc): item for day in inside})
    return items


def leave_names(store: ParquetStore) -> dict[str, str]:
    """leave_code -> leave type name, from the report catalogue."""
    return {
        row["leave_code"]: row["name"]
        for row in store.read(Table.REPORT_COLUMNS).to_pylist()
        if row["kind"] == "leave_type" and row["leave_code"]
    }


def probe_days(
    client: DingTalkClient,
    users: list[str],
    days: DayRange,
    covered: dict[tuple[str, str], Covered],
    known: set[str],
) -> set[tuple[str, date]]:
    """The user-days getupdatedata must answer: the first day of each approval that is not a
    known leave, and every day ListApproveByUsers shows an overtime approval."""
    probes = {
        (userid, min(day for day, _ in points))
        for (userid, proc), points in covered.items()
        if proc not in known
    }
    for overtime in client.list_approvals_by_users(
        users, days.first, days.last, (OVERTIME_BIZ_TYPE,)
    ):
        day = overtime.begin_time.date()
        if days.first <= day <= days.last:
            probes.add((overtime.user_id, day))
    return probes


LeaveSource = Callable[[DingTalkClient, Sequence[str], DayRange], list[LeaveStatus]]


def leave_status(client: DingTalkClient, users: Sequence[str], days: DayRange) -> list[LeaveStatus]:
    """Leave intervals overlapping the range: getleavestatus, 100 users a call."""
    if not users:
        return []
    end = midnight(days.last + timedelta(days=1))
    return client.get_leave_status(list(users), midnight(days.first), end)


def load_approvals_frugal(
    client: DingTalkClient,
    store: ParquetStore,
    days: DayRange,
    users: Sequence[str] | None,
    leaves_of: LeaveSource = leave_status,
) -> dict[date, int]:
    """`attendance_approvals` for the range without report values (see the module docstring);
    `leaves_of` says where the leaves come from (default: getleavestatus)."""
    wanted = list(users) if users else roster(store)
    pulled_at = days_module.pipeline_now()
    covered = covered_points(store, days, set(wanted))
    leaves = leaves_of(client, wanted, days)
    items = leave_items(leaves, covered, leave_names(store))
    known = {proc for _, _, proc in items}
    for userid, day in sorted(probe_days(client, wanted, days, covered, known)):
        for item in client.get_update_data(userid, day).approve_list:
            listed = covered.get((userid, item.proc_inst_id))
            for listed_day in sorted({d for d, _ in listed}) if listed else [day]:
                items[(userid, listed_day, item.proc_inst_id)] = item
    by_day: dict[date, list[dict]] = defaultdict(list)
    for (userid, day, _), item in sorted(items.items(), key=lambda pair: pair[0]):
        if days.first <= day <= days.last:
            by_day[day].extend(rows.approval_rows(userid, day, [item], pulled_at))
    return write_days(store, Table.ATTENDANCE_APPROVALS, by_day, days, users)
