"""The refresh job that the event sensor (issue 6), schedules and the sync command launch.

`attendance_refresh_job` re-pulls one day (or a range) of the daily assets; with
`refresh_run_config(users)` only those users are re-pulled and only their rows replaced.
The job runs in process: its six steps are short and mostly wait on the network, and a process
per step would cost more than the work itself.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

REFRESH_ASSETS = (
    "attendance_results",
    "attendance_punches",
    "attendance_report_values",
    "attendance_approvals",
    "attendance_daily",
    "attendance_monthly",
)

attendance_refresh_job = dg.define_asset_job(
    "attendance_refresh_job",
    selection=dg.AssetSelection.assets(*REFRESH_ASSETS),
    executor_def=dg.in_process_executor,
    description="Re-pull a day of attendance (optionally only some users) and rebuild the marts.",
)


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
