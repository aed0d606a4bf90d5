"""The derived attendance assets: computed in DuckDB SQL from the pulled tables, no API calls.

`attendance_daily` is daily-partitioned like the pulled tables; the monthly marts are
monthly-partitioned, each month mapped to its days (Dagster's TimeWindowPartitionMapping), so
the UI shows one partition per month and a backfill of days asks for the months they touch.
"""

import warnings
from collections.abc import Callable
from datetime import date
from typing import Any

import dagster as dg

from assets._support import RefreshConfig, metadata, require_inputs, run_days
from assets.attendance import (
    BACKFILL,
    KINDS,
    _check,
    _unique,
    attendance_approvals,
    attendance_punches,
    attendance_report_values,
    attendance_results,
    employees,
    report_columns,
)
from assets.partition_figures import add_daily_figures
from assets.table_metadata import add_month_rows, add_partition_rows, definition_metadata
from pipelines.catalogue import Asset, Group, Pool
from pipelines.partitions import daily_partitions, monthly_partitions
from pipelines.resources import WarehouseResource
from pipelines.warehouse import crosscheck, ensure_views, marts, quality

# Beta, and the standard way to let a month read days that do not exist yet (see below).
warnings.filterwarnings(
    "ignore", category=dg.BetaWarning, message=".*allow_nonexistent_upstream_partitions.*"
)

_DAILY = Asset.ATTENDANCE_DAILY
_DAILY_CHECKS = [
    _unique(_DAILY),
    dg.AssetCheckSpec(
        "scheduled_days_have_results",
        asset=_DAILY,
        description="Every settled employee-day DingTalk counts as scheduled has check points.",
        partitions_def=daily_partitions,
    ),
    dg.AssetCheckSpec(
        "should_attend_captured_in_window",
        asset=_DAILY,
        description="应出勤天数 was pulled while the day was inside DingTalk's 15-day window.",
        partitions_def=daily_partitions,
    ),
    dg.AssetCheckSpec(
        "report_values_agree",
        asset=_DAILY,
        description="Settled figures equal DingTalk's settled report values (names the columns).",
        partitions_def=daily_partitions,
    ),
]


def _mart(
    partitions_def: dg.PartitionsDefinition = daily_partitions, **kwargs: Any
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    return dg.asset(
        metadata=definition_metadata(kwargs["name"]),
        partitions_def=partitions_def,
        backfill_policy=BACKFILL,
        group_name=Group.ATTENDANCE,
        kinds=KINDS,
        pool=Pool.DUCKDB_WRITER,
        **kwargs,
    )


@_mart(
    name=_DAILY,
    deps=[
        employees,
        report_columns,
        attendance_results,
        attendance_punches,
        attendance_approvals,
        attendance_report_values,
    ],
    check_specs=_DAILY_CHECKS,
)
def attendance_daily(
    context: dg.AssetExecutionContext, config: RefreshConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """One row per employee-day: schedule, lateness, early leave, missing punches, absence,
    leave hours by type, overtime, a status and whether DingTalk has settled the day.

    A targeted refresh recomputes the whole day: it is cheap and needs no API call.
    """
    days = run_days(context).days()
    store = warehouse.store()
    require_inputs(store, _DAILY, days)
    with marts.mart_connection(store, days) as connection:
        counts = {
            day: store.write(_DAILY, marts.build_daily(store, day, connection=connection), day)
            for day in days
        }
    ensure_views(store)
    add_daily_figures(context, store, days)
    add_partition_rows(context, store, _DAILY, counts)
    checks = [
        _check(_DAILY, "unique_keys", quality.duplicate_keys(store, _DAILY, days)),
        _check(
            _DAILY,
            "scheduled_days_have_results",
            quality.scheduled_days_without_results(store, days),
        ),
        _check(
            _DAILY,
            "should_attend_captured_in_window",
            quality.should_attend_outside_window(store, days),
            warn=True,
        ),
        _check(
            _DAILY,
            "report_values_agree",
            crosscheck.report_values_disagree(store, days),
            warn=True,
        ),
    ]
    return dg.MaterializeResult(
        metadata=metadata(counts, {}, store.read(_DAILY, days[-1])), check_results=checks
    )


# Each month reads the daily partitions of its days. Nonexistent upstream days are allowed: the
# month in progress has days after today, and the first month may start before
# ATTENDANCE_START_DATE; `require_inputs` still fails a month with no daily partition at all.
_DAYS_OF_THE_MONTH = dg.AssetDep(
    attendance_daily,
    partition_mapping=dg.TimeWindowPartitionMapping(allow_nonexistent_upstream_partitions=True),
)


def _monthly_mart(**kwargs: Any) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    return _mart(monthly_partitions, deps=[_DAYS_OF_THE_MONTH], **kwargs)


@_monthly_mart(name=Asset.ATTENDANCE_MONTHLY)
def attendance_monthly(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The main 月度汇总 figures per employee-month, recomputed for the months of the run."""
    return _monthly(context, warehouse, Asset.ATTENDANCE_MONTHLY)


@_monthly_mart(name=Asset.ATTENDANCE_MONTHLY_DEPARTMENT)
def attendance_monthly_department(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The same figures per department-month (employees counted once per department)."""
    return _monthly(context, warehouse, Asset.ATTENDANCE_MONTHLY_DEPARTMENT)


def _monthly(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, table: str
) -> dg.MaterializeResult:
    months = [key[:7] for key in context.partition_keys]
    store = warehouse.store()
    # A month needs at least one of its days in attendance_daily (the first day stands for it).
    require_inputs(store, table, [date.fromisoformat(f"{month}-01") for month in months])
    rows = {month: marts.write_monthly(store, month, (table,))[table] for month in months}
    ensure_views(store)
    add_month_rows(context, store, table, rows)
    extra = {"rows_per_month": dg.MetadataValue.json(rows), "rows_in_run": sum(rows.values())}
    preview = store.read(table, months[-1])
    return dg.MaterializeResult(metadata=metadata({}, {}, preview, extra))
