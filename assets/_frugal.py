"""The frugal profile's loaders for the attendance assets (ATTENDANCE_PROFILE, docs/quota.md).

A frugal profile (`poll` or `push`, written by `dingtalk-attendance plan`) pulls check points
and punches in one row-dense pull, derives every monthly figure from results and approvals, and
pulls DingTalk's report values only for a sample of users, which the `report_values_agree`
check reconciles with the derived figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import date
from typing import cast

import dagster as dg

from assets._support import RefreshConfig
from pipelines import days as days_module
from pipelines.catalogue import Asset, Job, Scope
from pipelines.days import DayRange
from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.models import LeaveStatus
from pipelines.extract import loaders
from pipelines.extract.strategies.approvals import leave_status, load_approvals_frugal
from pipelines.extract.strategies.plans import Plans, kept_leaves
from pipelines.extract.strategies.pull import load_results_and_punches
from pipelines.quota.profile import Profile, load_profile, profile_file, reconciliation_users
from pipelines.refresh.scopes import users_needing
from pipelines.resources import DingTalkResource
from pipelines.state.factory import StateLocation
from pipelines.warehouse.store import ParquetStore

Loader = Callable[[DingTalkClient, ParquetStore, DayRange, Sequence[str] | None], dict[date, int]]


def profile(dingtalk: DingTalkResource) -> Profile:
    """The profile the settings point at (a bad file fails the run with a one-line error)."""
    return load_profile(profile_file(dingtalk.settings()))


def in_run(context: dg.AssetExecutionContext, table: str) -> bool:
    """Whether `table` is materialized by this run too (the run's selection, or the assets its
    job executes: `materialize` leaves the selection empty)."""
    selected = context.run.asset_selection or context.job_def.asset_layer.executable_asset_keys
    return dg.AssetKey(table) in selected


def frugal_points(
    context: dg.AssetExecutionContext, config: RefreshConfig, dingtalk: DingTalkResource
) -> Loader:
    """attendance_results' loader: one pull writing results and, for the users the punches
    asset needs in this run, punches. Every pull keeps the plans (schedules and leaves) it
    read; only a poll reuses them, every other run reads DingTalk's (pipelines/extract/
    strategies/plans.py)."""
    with_punches = in_run(context, Asset.ATTENDANCE_PUNCHES)
    reuse = context.job_def.name == Job.ATTENDANCE_POLL
    state = StateLocation.from_settings(dingtalk.settings())

    def load(
        client: DingTalkClient, store: ParquetStore, days: DayRange, users: Sequence[str] | None
    ) -> dict[date, int]:
        if with_punches and users is not None:
            # The run config carries Scope values (refresh_run_config); Dagster types them str.
            scopes = cast(dict[str, Scope], config.scopes)
            others = cast(Scope, config.others_scope)
            more = users_needing(Asset.ATTENDANCE_PUNCHES, config.users, scopes, others)
            users = None if more is None else sorted(set(users) | set(more))
        admin = loaders.roster(store)[0]
        with closing(state.plan_cache()) as cache:
            plans = Plans(cache, reuse)
            # The pipeline's present, not the machine's: it decides which check points are
            # past DingTalk's cut-off and stamps `pulled_at` (a bench's clock is not the machine's).
            now = days_module.pipeline_now()
            pulled = load_results_and_punches(client, store, days, admin, users, now, plans)
        counts: dict[date, int] = {}
        for result in pulled.results:
            counts[result.work_date] = counts.get(result.work_date, 0) + 1
        return counts

    return load


def frugal_approvals(context: dg.AssetExecutionContext, dingtalk: DingTalkResource) -> Loader:
    """attendance_approvals' loader: leaves from the plans this run's results pull just read
    and kept (when attendance_results is in the run), getleavestatus only for users it did not
    keep; no second getleavestatus for what the settlement already read."""
    if not in_run(context, Asset.ATTENDANCE_RESULTS):
        return load_approvals_frugal
    state = StateLocation.from_settings(dingtalk.settings())

    def leaves_of(
        client: DingTalkClient, users: Sequence[str], days: DayRange
    ) -> list[LeaveStatus]:
        with closing(state.plan_cache()) as cache:
            kept, missing = kept_leaves(cache, users, days.first, days.last)
        return kept + leave_status(client, missing, days)

    def load(
        client: DingTalkClient, store: ParquetStore, days: DayRange, users: Sequence[str] | None
    ) -> dict[date, int]:
        return load_approvals_frugal(client, store, days, users, leaves_of)

    return load


def already_pulled(
    client: DingTalkClient, store: ParquetStore, days: DayRange, users: Sequence[str] | None
) -> dict[date, int]:
    """attendance_punches' loader when attendance_results' frugal pull wrote them this run."""
    return {day: store.read(Asset.ATTENDANCE_PUNCHES, day).num_rows for day in days.days()}


def sampled_report_values(size: int) -> Loader:
    """The report values of a sample of the roster only (every figure is derived; the sample
    feeds the reconciliation check)."""

    def load(
        client: DingTalkClient, store: ParquetStore, days: DayRange, users: Sequence[str] | None
    ) -> dict[date, int]:
        chosen = reconciliation_users(loaders.roster(store), size)
        if users is not None:
            chosen = [user for user in chosen if user in set(users)]
        return loaders.load_report_values(client, store, days, chosen) if chosen else {}

    return load
