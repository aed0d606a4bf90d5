"""The backfill job's approvals prefetch (pipelines/extract/approval_prefetch.py) for the assets.

Only in `attendance_backfill_job`, whose results, report-values and approvals steps run in
separate processes of one run: there the first two pull getupdatedata ahead and the approvals
step takes what they parked. Every other run keeps the plain loaders (nothing to overlap in
process, and a targeted refresh stays exactly as it was).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import date
from typing import cast

import dagster as dg

from assets._support import RefreshConfig
from pipelines.catalogue import Asset, Job, Scope
from pipelines.days import DayRange
from pipelines.dingtalk.client import DingTalkClient
from pipelines.extract import loaders
from pipelines.extract.approval_prefetch import Spool, prefetching, spool_path
from pipelines.refresh.scopes import users_needing
from pipelines.warehouse.store import ParquetStore

Loader = Callable[[DingTalkClient, ParquetStore, DayRange, Sequence[str] | None], dict[date, int]]


def in_backfill(context: dg.AssetExecutionContext) -> bool:
    """Whether this step is part of a backfill run that materializes the approvals too."""
    selected = context.run.asset_selection or context.job_def.asset_layer.executable_asset_keys
    is_backfill = context.job_def.name == Job.ATTENDANCE_BACKFILL
    return is_backfill and dg.AssetKey(Asset.ATTENDANCE_APPROVALS) in selected


def prefetching_loader(
    context: dg.AssetExecutionContext,
    config: RefreshConfig,
    loader: Callable[..., dict[date, int]],
) -> Loader:
    """`loader` (load_results or load_report_values) handing approval user-days to a prefetch
    of the users the run's approvals step pulls."""
    scopes, others = cast(dict[str, Scope], config.scopes), cast(Scope, config.others_scope)
    wanted = users_needing(Asset.ATTENDANCE_APPROVALS, config.users, scopes, others)

    def load(
        client: DingTalkClient, store: ParquetStore, days: DayRange, users: Sequence[str] | None
    ) -> dict[date, int]:
        if wanted is not None and not wanted:
            return loader(client, store, days, users)
        chosen = set(wanted) if wanted is not None else None
        with prefetching(client, context.run_id, chosen) as prefetch:
            return loader(client, store, days, users, prefetch=prefetch)

    return load


def spooled_approvals(context: dg.AssetExecutionContext) -> Loader:
    """load_approvals taking the user-days the run's other steps pulled ahead."""

    def load(
        client: DingTalkClient, store: ParquetStore, days: DayRange, users: Sequence[str] | None
    ) -> dict[date, int]:
        spool = Spool(spool_path(context.run_id))
        with closing(spool):
            counts = loaders.load_approvals(client, store, days, users, spool=spool)
        spool.remove()
        return counts

    return load
