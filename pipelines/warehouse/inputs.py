"""What a table needs already written before it may be computed: honest partitions.

An asset whose inputs were never materialized must not write plausible-looking rows (an empty
`attendance_results` day would make everyone `rest`, settled). Each table lists the tables it
reads; `missing_inputs` names the first one absent, in one line that says what to run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pipelines.catalogue import Table
from pipelines.warehouse.schemas import TABLES
from pipelines.warehouse.store import ParquetStore

# Inputs whose absence makes a table wrong rather than partial. Punches, approvals and report
# values are optional for the daily mart: a punch refresh (scope "checks") does not pull them.
# The roster is needed by whole-day pulls only: a targeted refresh names its users, and the
# marts cover the users found in the pulled tables.
REQUIRED_INPUTS: dict[str, tuple[str, ...]] = {
    Table.ATTENDANCE_RESULTS: (Table.EMPLOYEES,),
    Table.ATTENDANCE_PUNCHES: (Table.EMPLOYEES,),
    Table.ATTENDANCE_REPORT_VALUES: (Table.EMPLOYEES, Table.REPORT_COLUMNS),
    Table.ATTENDANCE_APPROVALS: (Table.EMPLOYEES, Table.ATTENDANCE_RESULTS),
    Table.ATTENDANCE_DAILY: (Table.ATTENDANCE_RESULTS,),
    Table.ATTENDANCE_MONTHLY: (Table.ATTENDANCE_DAILY,),
    Table.ATTENDANCE_MONTHLY_DEPARTMENT: (Table.ATTENDANCE_DAILY,),
}


class MissingInputError(RuntimeError):
    """An input of the table was never materialized (or holds no rows where rows are needed)."""


def missing_inputs(
    store: ParquetStore, table: str, days: Sequence[date], users_named: bool = False
) -> str | None:
    """One line naming the first input `table` lacks for `days` and what to run; None if none.

    Daily inputs must exist for every day; the monthly marts need at least one daily partition
    in each month of `days` (a month in progress is partial, not wrong). With `users_named`
    (a targeted refresh) the roster is not needed.
    """
    for needed in REQUIRED_INPUTS.get(table, ()):
        if users_named and needed == Table.EMPLOYEES:
            continue
        problem = _absent(store, table, needed, days)
        if problem:
            return problem
    return None


def require_inputs(
    store: ParquetStore, table: str, days: Sequence[date], users_named: bool = False
) -> None:
    """Raise MissingInputError with `missing_inputs`' line when an input is absent."""
    problem = missing_inputs(store, table, days, users_named)
    if problem:
        raise MissingInputError(problem)


def _absent(store: ParquetStore, table: str, needed: str, days: Sequence[date]) -> str | None:
    spec = TABLES[needed]
    if spec.partition is None:
        if store.read(needed).num_rows == 0:
            return (
                f"{table}: {needed} is empty; run first: dingtalk-attendance sync"
                f" (or materialize {needed})"
            )
        return None
    present = set(store.partitions(needed))
    if TABLES[table].partition == "month":
        months = sorted({day.strftime("%Y-%m") for day in days})
        lacking = [m for m in months if not any(p.startswith(m) for p in present)]
        if lacking:
            return (
                f"{table} {lacking[0]}: no day of the month in {needed}; materialize {needed} for"
                f" that month first (dingtalk-attendance sync --start {lacking[0]}-01 --end ...)"
            )
        return None
    lacking_days = [day for day in days if day.isoformat() not in present]
    if not lacking_days:
        return None
    first, last = lacking_days[0], lacking_days[-1]
    span = first.isoformat() if first == last else f"{first}..{last}"
    return (
        f"{table} {span}: {needed} was never materialized for {len(lacking_days)} day(s); run"
        f" first: dingtalk-attendance sync --start {first} --end {last}"
    )
