"""The attendance assets: thin bodies over `pipelines.warehouse` and the DingTalk client.

Every daily asset covers the partition range of its run (BackfillPolicy.single_run: a backfill
of a month is one run pulling ranges, not 31 runs pulling days) and honours RefreshConfig.users
(targeted refresh). Data lands in Parquet; DuckDB only gets views (see docs/warehouse.md).
"""

import warnings
from collections.abc import Callable
from typing import cast

import dagster as dg

from assets import _frugal, _prefetch
from assets._support import RefreshConfig, metadata, require_inputs, run_days
from assets.partition_figures import add_calls_per_day
from assets.table_metadata import add_partition_rows, definition_metadata, unpartitioned_rows
from pipelines.catalogue import Asset, Group, Pool, Scope
from pipelines.extract import loaders
from pipelines.partitions import daily_partitions
from pipelines.refresh.scopes import users_needing
from pipelines.resources import DingTalkResource, WarehouseResource
from pipelines.warehouse import ensure_views, quality

# BackfillPolicy is marked beta; it is what makes a backfill one range pull instead of N days.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy.*")
# Partitioned checks are in preview; they are what ties a check to the partition it judged.
warnings.filterwarnings("ignore", category=dg.PreviewWarning, message=".*AssetCheckSpec.*")

BACKFILL = dg.BackfillPolicy.single_run()
KINDS = {"parquet", "duckdb"}


def _unique(table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        "unique_keys",
        asset=table,
        description="The table key is unique.",
        partitions_def=daily_partitions,
    )


def _check(table: str, name: str, finding: quality.Finding, warn: bool = False):
    return dg.AssetCheckResult(
        asset_key=table,
        check_name=name,
        passed=finding.passed,
        severity=dg.AssetCheckSeverity.WARN if warn else dg.AssetCheckSeverity.ERROR,
        description=finding.description,
        metadata={"count": finding.count, "examples": dg.MetadataValue.json(finding.examples)},
    )


def _pull_daily(
    context: dg.AssetExecutionContext,
    config: RefreshConfig,
    dingtalk: DingTalkResource,
    warehouse: WarehouseResource,
    table: str,
    loader: Callable,
    extra_checks: Callable[[list], list] = lambda days: [],
) -> dg.MaterializeResult:
    days = run_days(context)
    store = warehouse.store()
    # The run config carries Scope values (refresh_run_config); Dagster config types them str.
    scopes, others = cast(dict[str, Scope], config.scopes), cast(Scope, config.others_scope)
    users = users_needing(table, config.users, scopes, others)
    require_inputs(store, table, days.days(), users_named=users is not None)
    counts: dict = {}
    with dingtalk.client() as client, client.track_calls() as spent:
        if users is None or users:
            counts = loader(client, store, days, users)
    ensure_views(store)
    add_calls_per_day(context, spent, days.days())
    add_partition_rows(context, store, table, _rows_per_day(store, table, days.days(), counts))
    if users is not None:
        context.log.info(f"targeted refresh of {len(users)} users")
    checks = [_check(table, "unique_keys", quality.duplicate_keys(store, table, days.days()))]
    return dg.MaterializeResult(
        metadata=metadata(counts, spent.metered, store.read(table, days.last)),
        check_results=checks + extra_checks(days.days()),
    )


def _rows_per_day(store, table: str, days: list, written: dict) -> dict:
    # Days a targeted refresh skipped keep their rows: count what is stored.
    return {
        day: written[day]
        if day in written
        else len(store.partition_rows(table, day, ["userid"]) or [])
        for day in days
    }


def _daily_asset(**kwargs):
    return dg.asset(
        metadata=definition_metadata(kwargs["name"]),
        partitions_def=daily_partitions,
        backfill_policy=BACKFILL,
        group_name=Group.ATTENDANCE,
        kinds=KINDS,
        **kwargs,
    )


@dg.asset(
    name=Asset.EMPLOYEES,
    group_name=Group.ATTENDANCE,
    kinds=KINDS,
    pool=Pool.DINGTALK_API,
    metadata=definition_metadata(Asset.EMPLOYEES),
)
def employees(dingtalk: DingTalkResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The roster: one row per employee with their departments (contacts APIs, not metered).

    Cost: 0 metered calls.
    """
    store = warehouse.store()
    with dingtalk.client() as client, client.track_calls() as spent:
        count = loaders.load_employees(client, store)
    ensure_views(store)
    return dg.MaterializeResult(
        metadata=metadata(
            {},
            spent.metered,
            store.read(Asset.EMPLOYEES),
            unpartitioned_rows(store, Asset.EMPLOYEES, count),
        )
    )


class ReportColumnsConfig(dg.Config):
    """`op_userid`: an OA administrator, needed by vacation/type/list; empty: the roster's first."""

    op_userid: str = ""


@dg.asset(
    name=Asset.REPORT_COLUMNS,
    metadata=definition_metadata(Asset.REPORT_COLUMNS),
    group_name=Group.ATTENDANCE,
    kinds=KINDS,
    pool=Pool.DINGTALK_API,
    deps=[employees],
)
def report_columns(
    config: ReportColumnsConfig, dingtalk: DingTalkResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The attendance report's column catalogue (getattcolumns) and the leave types."""
    store = warehouse.store()
    op_userid = config.op_userid or loaders.roster(store)[0]
    with dingtalk.client() as client, client.track_calls() as spent:
        count = loaders.load_report_columns(client, store, op_userid)
    ensure_views(store)
    return dg.MaterializeResult(
        metadata=metadata(
            {},
            spent.metered,
            store.read(Asset.REPORT_COLUMNS),
            unpartitioned_rows(store, Asset.REPORT_COLUMNS, count),
        )
    )


@_daily_asset(
    name=Asset.ATTENDANCE_RESULTS,
    pool=Pool.DINGTALK_API,
    deps=[employees],
    check_specs=[_unique(Asset.ATTENDANCE_RESULTS)],
)
def attendance_results(
    context: dg.AssetExecutionContext,
    config: RefreshConfig,
    dingtalk: DingTalkResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """One row per scheduled check point per employee-day (attendance/list, 50 users x 7 days).

    Cost: about 0.03 metered calls per employee-day (pages of 50 rows, two check points a day).
    On a frugal profile (ATTENDANCE_PROFILE) the rows are rebuilt from one row-dense pull that
    writes `attendance_punches` too (see `frugal_points`).
    """
    loader = loaders.load_results
    if _frugal.profile(dingtalk).frugal:
        loader = _frugal.frugal_points(context, config, dingtalk)
    elif _prefetch.in_backfill(context):
        loader = _prefetch.prefetching_loader(context, config, loader)
    return _pull_daily(context, config, dingtalk, warehouse, Asset.ATTENDANCE_RESULTS, loader)


@_daily_asset(
    name=Asset.ATTENDANCE_PUNCHES,
    pool=Pool.DINGTALK_API,
    deps=[employees, attendance_results],
    check_specs=[_unique(Asset.ATTENDANCE_PUNCHES)],
)
def attendance_punches(
    context: dg.AssetExecutionContext,
    config: RefreshConfig,
    dingtalk: DingTalkResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """Every raw punch, invalid ones included (attendance/listRecord), by the shift's work date.

    Cost: about 0.003 metered calls per employee-day (one call per 50 users x 7 days).
    On a frugal profile, when `attendance_results` is in the same run its pull wrote the punches
    already: this asset then records them without another call.
    """
    loader = loaders.load_punches
    if _frugal.profile(dingtalk).frugal and _frugal.in_run(context, Asset.ATTENDANCE_RESULTS):
        loader = _frugal.already_pulled
    return _pull_daily(context, config, dingtalk, warehouse, Asset.ATTENDANCE_PUNCHES, loader)


_LEAVE_CHECK = dg.AssetCheckSpec(
    "leave_types_in_report",
    asset=Asset.ATTENDANCE_REPORT_VALUES,
    description="Every leave type has report values (null means missing from report settings).",
    partitions_def=daily_partitions,
)


@_daily_asset(
    name=Asset.ATTENDANCE_REPORT_VALUES,
    pool=Pool.DINGTALK_API,
    deps=[employees, report_columns],
    check_specs=[_unique(Asset.ATTENDANCE_REPORT_VALUES), _LEAVE_CHECK],
)
def attendance_report_values(
    context: dg.AssetExecutionContext,
    config: RefreshConfig,
    dingtalk: DingTalkResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """Report column values in long form (user, day, column, value), leave hours by leave name.

    One getcolumnval and one getleavetimebynames call per user per 31 days; on a frugal profile
    only for the reconciliation sample (every figure is derived from results and approvals).
    Cost: about 0.035 metered calls per employee-day over a month (less for longer ranges).
    """
    store = warehouse.store()

    def leave_check(days: list) -> list:
        finding = quality.leave_types_missing_from_report(store, days)
        return [_check(Asset.ATTENDANCE_REPORT_VALUES, "leave_types_in_report", finding, warn=True)]

    profile = _frugal.profile(dingtalk)
    loader = loaders.load_report_values
    if profile.frugal:
        loader = _frugal.sampled_report_values(profile.reconciliation_sample)
    elif _prefetch.in_backfill(context):
        loader = _prefetch.prefetching_loader(context, config, loader)
    return _pull_daily(
        context, config, dingtalk, warehouse, Asset.ATTENDANCE_REPORT_VALUES, loader, leave_check
    )


@_daily_asset(
    name=Asset.ATTENDANCE_APPROVALS,
    pool=Pool.DINGTALK_API,
    deps=[attendance_results, attendance_report_values],
    check_specs=[_unique(Asset.ATTENDANCE_APPROVALS)],
)
def attendance_approvals(
    context: dg.AssetExecutionContext,
    config: RefreshConfig,
    dingtalk: DingTalkResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """Leave, overtime, business trip and out per employee-day, with duration and unit.

    getupdatedata only for the user-days where the results or the report show an approval; on a
    frugal profile leave from getleavestatus and one getupdatedata per other approval.
    Cost: about 0.012 metered calls per employee-day (getleavestatus per 100 users, plus
    getupdatedata for about 1 % of user-days).
    """
    frugal = _frugal.profile(dingtalk).frugal
    loader = _frugal.frugal_approvals(context, dingtalk) if frugal else loaders.load_approvals
    if not frugal and _prefetch.in_backfill(context):
        loader = _prefetch.spooled_approvals(context)
    return _pull_daily(context, config, dingtalk, warehouse, Asset.ATTENDANCE_APPROVALS, loader)
