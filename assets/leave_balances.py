"""假期余额: the optional `leave_balances` table (vacation/quota/list), off by default.

The asset is always defined, so the code location has one shape whatever the environment, and
ATTENDANCE_LEAVE_BALANCES takes effect when a run starts, like every other setting (nothing is
read at import). Off, the asset yields no output: Dagster records the step as skipped, and no
client is built, so not a single call is made.
"""

from collections.abc import Iterator

import dagster as dg

from assets._support import metadata
from assets.attendance import employees, report_columns
from assets.table_metadata import definition_metadata, unpartitioned_rows
from pipelines.catalogue import Asset, Group, Pool
from pipelines.extract import loaders
from pipelines.extract.leave_balances import load_leave_balances
from pipelines.resources import DingTalkResource, WarehouseResource
from pipelines.warehouse import ensure_views


class LeaveBalancesConfig(dg.Config):
    """`op_userid`: an OA administrator (vacation/quota/list); empty: the roster's first."""

    op_userid: str = ""


@dg.asset(
    name=Asset.LEAVE_BALANCES,
    metadata=definition_metadata(Asset.LEAVE_BALANCES),
    group_name=Group.ATTENDANCE,
    kinds={"parquet", "duckdb"},
    pool=Pool.DINGTALK_API,
    deps=[employees, report_columns],
    output_required=False,
)
def leave_balances(
    context: dg.AssetExecutionContext,
    config: LeaveBalancesConfig,
    dingtalk: DingTalkResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.MaterializeResult]:
    """Every active employee's balance of every leave type, replaced whole (a snapshot).

    Cost: one metered call per leave type per 50 employees a pull; off unless
    ATTENDANCE_LEAVE_BALANCES=true (`dingtalk-attendance plan` states the month).
    """
    if not dingtalk.leave_balances_enabled():
        context.log.info("leave balances are off (ATTENDANCE_LEAVE_BALANCES): skipped, no call")
        return
    store = warehouse.store()
    op_userid = config.op_userid or loaders.roster(store)[0]
    with dingtalk.client() as client, client.track_calls() as spent:
        count = load_leave_balances(client, store, op_userid)
    ensure_views(warehouse.path)
    yield dg.MaterializeResult(
        metadata=metadata(
            {},
            spent.metered,
            store.read(Asset.LEAVE_BALANCES),
            unpartitioned_rows(store, Asset.LEAVE_BALANCES, count),
        )
    )
