"""`monthly_marts_sensor`: rebuilds the monthly marts of the months a refresh or poll run
touched, once that run has succeeded.

Why a run-status sensor: the events sensor and the schedules launch daily refresh runs, and the
polling sensor poll runs, that the daemon starts and finishes in its own time, and an asset job
holds one partitions definition, so the monthly marts cannot ride in the daily run. A monthly
run requested in the same tick could start before its days are written; reacting to the daily
run's success starts it on complete days, for exactly the months the run covered, with the
daily run's id as run key so that a tick evaluated twice launches nothing twice. The sync
command runs the same job itself right after its daily runs (it needs no daemon); its
`attendance_backfill_job` runs are therefore not monitored here.
"""

from __future__ import annotations

from datetime import date

import dagster as dg

from pipelines.catalogue import Asset, Sensor, Tag
from pipelines.jobs import (
    attendance_monthly_marts_job,
    attendance_poll_job,
    attendance_refresh_job,
    monthly_marts_tags,
)

# The jobs whose runs write `attendance_daily`. A poll rewrites today's daily rows: without a
# rebuild after it the month's row would leave today out and still read final all day.
DAILY_JOBS = (attendance_refresh_job, attendance_poll_job)


def daily_run_days(run: dg.DagsterRun) -> tuple[date, date] | None:
    """The first and last day a refresh or poll run materialized `attendance_daily` for, or None.

    The daemon only hands this sensor those runs; the job is checked again so that a driver
    evaluating the sensor after any run (the demo) gets the same answer.
    """
    if run.job_name not in {job.name for job in DAILY_JOBS}:
        return None
    # No selection (None, or empty for a whole-job run in process) means every asset of the job.
    selection = run.asset_selection
    if selection and dg.AssetKey(Asset.ATTENDANCE_DAILY) not in selection:
        return None
    tags = run.tags
    if Tag.RANGE_START in tags and Tag.RANGE_END in tags:
        first, last = tags[Tag.RANGE_START], tags[Tag.RANGE_END]
    elif Tag.PARTITION in tags:
        first = last = tags[Tag.PARTITION]
    else:
        return None
    return date.fromisoformat(first), date.fromisoformat(last)


# Dagster's signature holds a bare `os.PathLike` (metadata), unknown to strict checking.
@dg.run_status_sensor(  # pyright: ignore[reportUnknownMemberType]
    name=Sensor.MONTHLY_MARTS,
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=list(DAILY_JOBS),
    request_job=attendance_monthly_marts_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a refresh or poll run succeeded: rebuild the monthly marts of its months.",
)
def monthly_marts_sensor(context: dg.RunStatusSensorContext):
    run = context.dagster_run
    days = daily_run_days(run)
    if days is None:
        return dg.SkipReason(f"run {run.run_id} refreshed no day of {Asset.ATTENDANCE_DAILY}")
    trigger = run.tags.get(Tag.TRIGGER, "refresh")
    return dg.RunRequest(
        run_key=f"monthly-marts:{run.run_id}",
        job_name=attendance_monthly_marts_job.name,
        tags={**monthly_marts_tags(*days), Tag.TRIGGER: trigger, Tag.MAX_RETRIES: "3"},
    )
