"""Every job: the refresh job, the monthly marts' job and the event jobs the sensor and the
schedules launch.

`attendance_refresh_job` re-pulls one day (or a range) of the daily assets; with
`refresh_run_config(users)` only those users are re-pulled and only their rows replaced.
The event jobs run in process: their steps are short and mostly wait on the network, and a
process per step would cost more than the work itself. `attendance_backfill_job` (the sync
command's ranges) is the exception: there each API's step waits minutes on its own rate limit,
so the independent steps run side by side in processes (bounded), each API within its limit
through the shared cross-process limiter, and one step's CPU work overlaps another's waits.
With a Celery broker configured every job's steps go to Celery workers instead
(`pipelines/executors.py`).
Selections name asset keys from the catalogue so that neither this module nor `sensors/`
imports `assets/` (only `pipelines/definitions.py` sees both).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import dagster as dg

from pipelines.catalogue import Asset, Job, Tag
from pipelines.executors import celery_or
from pipelines.partitions import month_key
from pipelines.refresh.actions import ResolveApproval

# The daily-partitioned assets a refresh or a backfill materializes. The monthly marts are
# monthly-partitioned and an asset job holds one partitions definition, so they have a job of
# their own, launched for the months of a daily run once it succeeded (sensors/monthly_marts.py,
# and the sync command).
REFRESH_ASSETS = (
    Asset.ATTENDANCE_RESULTS,
    Asset.ATTENDANCE_PUNCHES,
    Asset.ATTENDANCE_REPORT_VALUES,
    Asset.ATTENDANCE_APPROVALS,
    Asset.ATTENDANCE_DAILY,
)
MONTHLY_MART_ASSETS = (Asset.ATTENDANCE_MONTHLY, Asset.ATTENDANCE_MONTHLY_DEPARTMENT)


def _in_process_job(name: str, assets: Iterable[str], description: str):
    return dg.define_asset_job(
        name,
        selection=dg.AssetSelection.assets(*assets),
        executor_def=celery_or(dg.in_process_executor),
        description=description,
    )


attendance_refresh_job = _in_process_job(
    Job.ATTENDANCE_REFRESH,
    REFRESH_ASSETS,
    "Re-pull a day of attendance (optionally only some users) and rebuild the daily mart.",
)
attendance_monthly_marts_job = _in_process_job(
    Job.ATTENDANCE_MONTHLY_MARTS,
    MONTHLY_MART_ASSETS,
    "Rebuild the monthly marts of the months a daily run touched (no API calls).",
)
# Results, punches and report values are independent (approvals and the marts wait for them):
# three API steps at once; a fourth slot lets the daily mart start while an API step still runs.
BACKFILL_MAX_CONCURRENT = 4

attendance_backfill_job = dg.define_asset_job(
    Job.ATTENDANCE_BACKFILL,
    selection=dg.AssetSelection.assets(*REFRESH_ASSETS),
    executor_def=celery_or(dg.multiprocess_executor).configured(
        # forkserver with the definitions preloaded: a step forks in ~0.1 s sharing the imports'
        # pages, where a spawned one spent ~3.4 s CPU and ~190 MiB importing them. A forkserver
        # keeps the environment it started with, so the sync command stops it after each run
        # (`pipelines.cli.sync`) and the next sync's steps see that sync's settings.
        {
            "max_concurrent": BACKFILL_MAX_CONCURRENT,
            "start_method": {"forkserver": {"preload_modules": ["pipelines.definitions"]}},
        }
    ),
    description="Pull a range of days (the sync command) with the API steps side by side.",
)
approval_resolution_job = _in_process_job(
    Job.APPROVAL_RESOLUTION,
    [Asset.APPROVAL_RESOLUTION],
    "Fetch changed approval instances and queue refreshes of the days they cover.",
)
report_columns_job = _in_process_job(
    Job.REPORT_COLUMNS,
    [Asset.REPORT_COLUMNS],
    "Re-pull the report column catalogue after DingTalk announced a change.",
)
# A poll: today's check points and punches (one frugal pull) and the daily mart, no report
# values and no approvals (those follow their events); launched by the polling sensor.
POLL_ASSETS = (Asset.ATTENDANCE_RESULTS, Asset.ATTENDANCE_PUNCHES, Asset.ATTENDANCE_DAILY)
attendance_poll_job = _in_process_job(
    Job.ATTENDANCE_POLL,
    POLL_ASSETS,
    "Poll today's check points and punches at the governor's times (the polling sensor).",
)
failed_push_reconciliation_job = _in_process_job(
    Job.FAILED_PUSH_RECONCILIATION,
    [Asset.FAILED_PUSH_RECONCILIATION],
    "Drain DingTalk's failed-push list into the inbox.",
)
leave_balances_job = _in_process_job(
    Job.LEAVE_BALANCES,
    [Asset.LEAVE_BALANCES],
    "Pull every employee's leave balances (optional: ATTENDANCE_LEAVE_BALANCES).",
)

JOBS = [
    attendance_refresh_job,
    attendance_backfill_job,
    attendance_monthly_marts_job,
    approval_resolution_job,
    report_columns_job,
    failed_push_reconciliation_job,
    attendance_poll_job,
    leave_balances_job,
]


def refresh_run_config(
    users: Iterable[str] | None = None, assets: Iterable[str] = REFRESH_ASSETS
) -> dict:
    """Run config for `attendance_refresh_job` (or any subset of its assets).

    Args:
        users: DingTalk userids to re-pull; None or empty refreshes every employee of the day.
        assets: the asset names the run selects (default: the whole refresh job).

    Returns:
        A run config dict for `RunRequest(partition_key=..., run_config=...)` or `materialize`.
    """
    chosen = sorted(set(users or ()))
    return {"ops": {name: {"config": {"users": chosen}} for name in assets}}


def approval_run_config(approvals: Iterable[ResolveApproval]) -> dict:
    """Run config for `approval_resolution_job`: the instances to resolve and why."""
    instances = [
        {"process_instance_id": a.process_instance_id, "kind": a.kind, "status": a.status}
        for a in approvals
    ]
    return {"ops": {Asset.APPROVAL_RESOLUTION: {"config": {"instances": instances}}}}


def monthly_marts_tags(first: date, last: date) -> dict[str, str]:
    """Tags of one `attendance_monthly_marts_job` run over the months of the days first..last."""
    return {Tag.RANGE_START: month_key(first), Tag.RANGE_END: month_key(last)}
