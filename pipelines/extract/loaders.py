"""Pull from DingTalk with the fewest metered calls and write the warehouse partitions.

Each loader covers a closed range of work dates (one day for a daily run, a whole range for a
backfill run: the client then spends one call per 50 users x 7 days instead of one per day) and
optionally a set of users (targeted refresh: only their rows of each day are replaced). Every
day of the range is written, empty or not, so a rerun always replaces what was there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from pipelines import days as days_module
from pipelines.catalogue import Table
from pipelines.days import SHANGHAI, DayRange, shanghai_today
from pipelines.dingtalk.batching import MAX_DAYS_ATTENDANCE, split_days
from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.errors import BadRequestError
from pipelines.dingtalk.models import ReportColumn, User
from pipelines.extract import rows
from pipelines.extract.approval_prefetch import Prefetcher, Spool
from pipelines.extract.parallel import API_THREADS, ordered_map, ordered_stream
from pipelines.extract.report_batches import publish_staged, user_batches
from pipelines.warehouse.staging import DayStage
from pipelines.warehouse.store import ParquetStore, to_arrow

# Users per staged batch of report values: ~620 rows a user over a month, so a batch is about
# 62,000 rows (~45 MiB as dicts); smaller only adds small files to merge per day.
REPORT_BATCH_USERS = 100


class WarehouseStateError(RuntimeError):
    """An input table the loader needs has not been materialized yet."""


def roster(store: ParquetStore) -> list[str]:
    """Active user ids from the `employees` table (materialize `employees` first)."""
    table = store.read(Table.EMPLOYEES)
    users = [
        userid
        for userid, active in zip(
            # The schema's userid is a non-null string.
            cast(list[str], table["userid"].to_pylist()),
            table["active"].to_pylist(),
            strict=True,
        )
        if active is not False
    ]
    if not users:
        raise WarehouseStateError("the employees table is empty: materialize `employees` first")
    return sorted(users)


def write_days(
    store: ParquetStore,
    table: str,
    by_day: dict[date, list[dict]],
    days: DayRange,
    users: Sequence[str] | None,
) -> dict[date, int]:
    """Write every day of the range, replacing the rows of the users that were pulled.

    A whole-day refresh pulls the current roster, so it replaces exactly the roster's rows:
    rows of people who have left since (DingTalk no longer lists them, and getcolumnval refuses
    them) are kept as last pulled instead of vanishing from a past month's payroll.
    """
    pulled = set(users) if users else set(roster(store))
    counts = {}
    for day in days.days():
        fresh = [row for row in by_day.get(day, []) if row["userid"] in pulled]
        counts[day] = store.replace_users(table, day, pulled, fresh)
    return counts


def load_employees(client: DingTalkClient, store: ParquetStore) -> int:
    """The roster with departments, from the contacts APIs (not metered).

    People who are no longer listed stay in the table with `active = false`, so that the
    months they worked keep their names and departments.
    """
    departments = {dept.dept_id: dept.name for dept in client.list_departments()}
    users = {}
    for dept_id in departments:
        for user in client.list_department_users(dept_id):
            users.setdefault(user.userid, user)  # someone in two departments is listed twice
    employees = [employee_row(user, departments) for user in users.values()]
    listed = {row["userid"] for row in employees}
    for row in store.read(Table.EMPLOYEES).to_pylist():
        if row["userid"] not in listed:
            employees.append({**row, "active": False})
    return store.write(Table.EMPLOYEES, employees)


def employee_row(user: User, departments: dict[int, str | None]) -> dict:
    """The `employees` row of one user; the first department is the primary one."""
    primary = user.dept_id_list[0] if user.dept_id_list else None
    return {
        "userid": user.userid,
        "name": user.name,
        "dept_id": primary,
        "dept_name": departments.get(primary) if primary is not None else None,
        "dept_ids": user.dept_id_list,
        "job_number": user.job_number,
        "title": user.title,
        "active": user.active if user.active is not None else True,
    }


def load_report_columns(client: DingTalkClient, store: ParquetStore, op_userid: str) -> int:
    """The report column catalogue (getattcolumns) and the leave types (vacation/type/list)."""
    columns = client.get_report_columns()
    try:
        leave_types = client.list_vacation_types(op_userid)
    except BadRequestError as error:
        raise WarehouseStateError(
            f"vacation/type/list refused op_userid {op_userid!r} ({error}): set `op_userid` in "
            "the report_columns config to an OA administrator"
        ) from None
    return store.write(Table.REPORT_COLUMNS, rows.report_column_rows(columns, leave_types))


def load_results(
    client: DingTalkClient,
    store: ParquetStore,
    days: DayRange,
    users: Sequence[str] | None,
    prefetch: Prefetcher | None = None,
) -> dict[date, int]:
    """`attendance/list` for the range: 50 users x 7 days per call, pages of 50 rows.

    Pulled and written a week (the API's window) at a time; each call's check points become
    Arrow rows as it returns (a week of 10,000 users as models and dicts was ~2 GiB, as Arrow
    ~20 MiB), and the user-days linked to an approval are handed to `prefetch` as they come.
    """
    wanted = list(users) if users else roster(store)
    pulled_at = days_module.pipeline_now()
    table = Table.ATTENDANCE_RESULTS
    counts: dict[date, int] = {}
    for first, last in split_days(days.first, days.last, MAX_DAYS_ATTENDANCE):
        week: dict[date, list[pa.Table]] = defaultdict(list)
        for found in client.iter_attendance_results(wanted, first, last):
            by_day = rows.result_rows(found, pulled_at)
            if prefetch is not None:
                items = by_day.items()
                prefetch.submit(
                    (r["userid"], d) for d, day_rows in items for r in day_rows if r["proc_inst_id"]
                )
            for day, day_rows in by_day.items():
                week[day].append(to_arrow(table, day_rows))
        tables = {day: pa.concat_tables(parts) for day, parts in week.items()}
        counts |= write_day_tables(store, table, tables, DayRange(first, last), users)
    return counts


def write_day_tables(
    store: ParquetStore,
    table: str,
    by_day: dict[date, pa.Table],
    days: DayRange,
    users: Sequence[str] | None,
) -> dict[date, int]:
    """`write_days` for rows already in Arrow (one table of the table's schema per day)."""
    pulled = set(users) if users else set(roster(store))
    wanted = pa.array(sorted(pulled), pa.string())
    counts = {}
    for day in days.days():
        fresh = by_day.get(day)
        if fresh is not None:
            fresh = fresh.filter(pc.is_in(fresh["userid"], value_set=wanted))
        counts[day] = store.replace_users(table, day, pulled, fresh if fresh is not None else [])
    return counts


def load_punches(
    client: DingTalkClient, store: ParquetStore, days: DayRange, users: Sequence[str] | None
) -> dict[date, int]:
    """`attendance/listRecord` for the range plus the next day.

    listRecord filters on the punch time, so the day after the range is asked too: an overnight
    shift's early-morning punch belongs to the previous work date, the previous call's window
    (the calls go user chunk by user chunk). So each call's punches become Arrow rows tagged
    with their work date as it returns (the range's models and dicts were ~2 GiB at 10,000 x 31)
    and are filed under their day when the range is written.
    """
    wanted = list(users) if users else roster(store)
    calls = client.iter_punch_records(wanted, days.first, days.last + timedelta(days=1))
    # The empty table first: the concatenation's schema even if no call was made.
    found = pa.concat_tables([rows.punch_table([]), *map(rows.punch_table, calls)])
    by_day = {
        day: found.filter(pc.equal(found["work_date"], pa.scalar(day, pa.date32())))
        for day in days.days()
    }
    return write_day_tables(store, Table.ATTENDANCE_PUNCHES, by_day, days, users)


def load_report_values(
    client: DingTalkClient,
    store: ParquetStore,
    days: DayRange,
    users: Sequence[str] | None,
    today: date | None = None,
    threads: int = API_THREADS,
    prefetch: Prefetcher | None = None,
    batch_users: int = REPORT_BATCH_USERS,
) -> dict[date, int]:
    """getcolumnval for every user, getleavetimebynames only for users with leave in the range.

    One getcolumnval call per user per 31 days (per 20 columns). Who took leave comes from
    getleavestatus (100 users per call), so leave hours cost a call only for those users; the
    roster's first user is always asked too, so that a leave type missing from the report
    settings (null values) is noticed even in a month without leave.
    Each API is called from `threads` threads (one gives the sequential path; rows are the same).
    The user-days whose values show an approval are handed to `prefetch` as each call returns.
    The rows are staged per `batch_users` users (`DayStage`) and each day's partition is
    replaced once every user was asked, so memory holds about one batch, not the range.
    """
    today = today or shanghai_today()
    catalogue = store.read(Table.REPORT_COLUMNS).to_pylist()
    if not catalogue:
        raise WarehouseStateError("report_columns is empty: materialize `report_columns` first")
    columns = {c["column_id"]: c for c in catalogue if c["kind"] == "column" and c["column_id"]}
    leave_names = sorted({c["name"] for c in catalogue if c["kind"] == "leave_type"})
    wanted = list(users) if users else roster(store)
    probe = roster(store)[0]
    on_leave = users_with_leave(client, wanted, days) if leave_names else set()
    on_leave |= set(wanted) & {probe}
    models = _models(columns)

    def pull(task: tuple[str, str]) -> dict[date, list[dict]]:
        api, userid = task
        if api == "values":
            series = client.get_column_values(userid, sorted(columns), days.first, days.last)
            found = rows.column_value_rows(userid, series, models, today)
        else:
            leaves = client.get_leave_time_by_names(userid, leave_names, days.first, days.last)
            found = rows.leave_value_rows(userid, leaves, today, days.days())
            # Only the probe keeps zero and null rows: the table must not depend on the range a
            # run happened to cover (a user asked for one day's leave gets every day's zeros).
            found = found if userid == probe else _positive(found)
        if prefetch is not None:
            prefetch.submit((userid, day) for day, items in found.items() if _any_approval(items))
        return found

    # The calls in one-thread order, so the rows keep their order; leave calls interleave with
    # getcolumnval ones, and the limiter spaces each API on its own, so both run at their rate.
    tasks = [
        (api, u) for u in wanted for api in ("values", "leave") if api == "values" or u in on_leave
    ]
    # A batch is staged while the next one's calls go on (`ahead`): the pull never waits on it.
    answers = ordered_stream(pull, tasks, threads, ahead=batch_users)
    pulled = set(users) if users else set(roster(store))
    with DayStage(store, _RV) as stage:
        for batch in user_batches(tasks, answers, batch_users):
            stage.add(batch)
        return publish_staged(store, stage, days, pulled, today)


def users_with_leave(client: DingTalkClient, users: Sequence[str], days: DayRange) -> set[str]:
    """Users with a leave in effect overlapping the range (getleavestatus, 100 users a call)."""
    begin = datetime.combine(days.first, time(), tzinfo=SHANGHAI)
    end = datetime.combine(days.last + timedelta(days=1), time(), tzinfo=SHANGHAI)
    return {item.userid for item in client.get_leave_status(users, begin, end)}


_RV = Table.ATTENDANCE_REPORT_VALUES


def load_approvals(
    client: DingTalkClient,
    store: ParquetStore,
    days: DayRange,
    users: Sequence[str] | None,
    threads: int = API_THREADS,
    spool: Spool | None = None,
) -> dict[date, int]:
    """Approvals per employee-day, with `getupdatedata` only for the user-days that have one.

    The user-days come from what was already pulled: check points linked to an approval
    (procInstId in attendance_results) and days with leave, overtime, a business trip or an
    outing in the report values.
    That costs one call per approval-day instead of one per employee-day, made from `threads`
    threads. With a `spool`, the user-days the results and report-values steps pulled ahead
    (`approval_prefetch`) are taken from it and only the others are asked.
    """
    by_day: dict[date, list[dict]] = defaultdict(list)
    pulled_at = days_module.pipeline_now()
    user_days = sorted(approval_user_days(store, days, users))
    parked = spool.take() if spool is not None else {}
    missing = [pair for pair in user_days if pair not in parked]
    updates = ordered_map(lambda pair: client.get_update_data(*pair), missing, threads)
    answers = {pair: update.approve_list for pair, update in zip(missing, updates, strict=True)}
    for userid, day in user_days:
        if (userid, day) in answers:
            found = rows.approval_rows(userid, day, answers[(userid, day)], pulled_at)
        else:
            found = [{**row, "pulled_at": pulled_at} for row in parked[(userid, day)]]
        by_day[day].extend(found)
    return write_days(store, Table.ATTENDANCE_APPROVALS, by_day, days, users)


def approval_user_days(
    store: ParquetStore, days: DayRange, users: Sequence[str] | None
) -> set[tuple[str, date]]:
    """(userid, work_date) pairs that show an approval in the results or the report values."""
    wanted = set(users) if users else None
    found: set[tuple[str, date]] = set()
    for day in days.days():
        # Only the columns that tell become dicts: report values are ~20 rows per employee-day.
        results = store.read(Table.ATTENDANCE_RESULTS, day).select(["userid", "proc_inst_id"])
        for row in results.to_pylist():
            if row["proc_inst_id"]:
                found.add((row["userid"], day))
        for row in store.read(_RV, day).select(list(_SIGNAL_COLUMNS)).to_pylist():
            if _any_approval([row]):
                found.add((row["userid"], day))
    return {(user, day) for user, day in found if wanted is None or user in wanted}


# Report columns that only an approval fills: overtime, and business trips and outings, which can
# fall on rest days without check points (so no procInstId in attendance_results shows them).
_APPROVAL_ALIASES = ("overtime", "business_trip", "out_duration")
_APPROVAL_NAMES = ("加班", "出差", "外出")
_SIGNAL_COLUMNS = ("userid", "value_num", "source", "column_alias", "column_name")


def _any_approval(items: list[dict]) -> bool:
    """Whether a user-day's report rows make `approval_user_days` ask for its approvals."""
    return any(r["value_num"] and (r["source"] == "leave" or _shows_approval(r)) for r in items)


def _shows_approval(row: dict) -> bool:
    alias, name = row["column_alias"] or "", row["column_name"] or ""
    return any(a in alias for a in _APPROVAL_ALIASES) or any(n in name for n in _APPROVAL_NAMES)


def _models(columns: dict[int, dict]) -> dict[int, ReportColumn]:
    return {
        column_id: ReportColumn(id=column_id, name=row["name"], alias=row["alias"])
        for column_id, row in columns.items()
    }


def _positive(by_day: dict[date, list[dict]]) -> dict[date, list[dict]]:
    return {day: [r for r in items if (r["value_num"] or 0) > 0] for day, items in by_day.items()}
