"""`attendance_events_sensor`: drains the inbox and launches coalesced refresh runs.

One tick reads a bounded batch of inbox events, refresh requests (from approval resolution) and
connection gaps after its cursor, maps them to (work_date, users), folds them into the coalescer
kept in the cursor, and launches one `attendance_refresh_job` run per day whose window elapsed.
It never calls DingTalk: approvals are resolved by `approval_resolution_job`, in a run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import dagster as dg

from pipelines import days
from pipelines.catalogue import Sensor, Tag
from pipelines.jobs import (
    approval_resolution_job,
    approval_run_config,
    attendance_refresh_job,
    refresh_run_config,
    report_columns_job,
)
from pipelines.partitions import daily_partitions
from pipelines.refresh.coalesce import DueRefresh
from pipelines.refresh.mapping import MappingRules
from pipelines.refresh.overnight import warehouse_overnight_lookup
from pipelines.refresh.scopes import assets_for
from pipelines.refresh.tick import SensorCursor, TickPlan, plan_tick, refresh_run_key
from pipelines.resources import DataDirResource, RefreshResource, WarehouseResource

SENSOR_NAME = Sensor.ATTENDANCE_EVENTS
RETRIES = {Tag.MAX_RETRIES: "3"}


def build_attendance_events_sensor(
    refresh_job: dg.UnresolvedAssetJobDefinition = attendance_refresh_job,
    partitions_def: dg.PartitionsDefinition = daily_partitions,
    run_config_for: Callable[[Iterable[str] | None], dict] = refresh_run_config,
    minimum_interval_seconds: int = 10,
) -> dg.SensorDefinition:
    """The events sensor, wired to the refresh job (tests may pass a smaller one)."""

    @dg.sensor(
        name=SENSOR_NAME,
        jobs=[refresh_job, approval_resolution_job, report_columns_job],
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(__doc__ or "").split("\n\n")[1],
    )
    def attendance_events_sensor(
        context: dg.SensorEvaluationContext,
        warehouse: WarehouseResource,
        data_dir: DataDirResource,
        refresh: RefreshResource,
    ):
        settings = refresh.settings()
        rules = MappingRules(
            overnight_cutoff_hour=settings.overnight_cutoff_hour,
            overnight=warehouse_overnight_lookup(warehouse.store()),
        )
        cursor = SensorCursor.from_json(context.cursor)
        with data_dir.inbox() as inbox, data_dir.refresh_requests() as requests:
            plan = plan_tick(cursor, inbox, requests, settings, time.time(), rules)
            # Informational for `inbox stats`: events up to here are folded into the cursor.
            inbox.mark_consumed(plan.cursor.seq, consumer=SENSOR_NAME)
        if plan.plans_changed:  # polls re-read everyone's schedules from today on
            with data_dir.plan_cache() as plans:
                plans.forget(days.shanghai_today(), None)
        # Today by the pipeline's clock: a bench's simulated day has no partitions after it.
        known_days = set(partitions_def.get_partition_keys(current_time=days.pipeline_now()))
        runs = _refresh_runs(context, plan.due, known_days, refresh_job.name, run_config_for)
        runs += _other_runs(plan)
        _log_plan(context, plan, len(runs))
        if runs:
            return dg.SensorResult(run_requests=runs, cursor=plan.cursor.to_json())
        return dg.SensorResult(skip_reason=_skip_reason(plan), cursor=plan.cursor.to_json())

    return attendance_events_sensor


def _refresh_runs(context, due: list[DueRefresh], known_days, job_name, run_config_for):
    runs = []
    for refresh in due:
        day = refresh.work_date.isoformat()
        if day not in known_days:
            context.log.warning(f"skipping refresh of {day}: outside the daily partitions")
            continue
        runs.append(
            dg.RunRequest(
                run_key=refresh_run_key(refresh),
                job_name=job_name,
                partition_key=day,
                # The config names every asset of the job, so a driver that ignores the
                # selection still runs a correct (only costlier) refresh.
                run_config=_with_user_scopes(run_config_for(refresh.users), refresh),
                asset_selection=[dg.AssetKey(name) for name in assets_for(refresh.scope)],
                tags={
                    Tag.TRIGGER: "events",
                    **RETRIES,
                    Tag.SCOPE: refresh.scope,
                    Tag.EVENTS: str(refresh.events),
                    Tag.USERS: "all" if refresh.users is None else str(len(refresh.users)),
                },
            )
        )
    return runs


def _with_user_scopes(run_config: dict, refresh: DueRefresh) -> dict:
    """Each op's config also carries every user's own scope (assets pull only what it needs)."""
    extra = {
        "scopes": dict(refresh.user_scopes),
        "others_scope": refresh.others_scope or refresh.scope,
    }
    for op in run_config.get("ops", {}).values():
        op.setdefault("config", {}).update(extra)
    return run_config


def _other_runs(plan: TickPlan) -> list[dg.RunRequest]:
    runs = []
    if plan.approvals:
        first, last = plan.approval_seqs
        runs.append(
            dg.RunRequest(
                run_key=f"approvals:{first}-{last}",
                job_name=approval_resolution_job.name,
                run_config=approval_run_config(plan.approvals),
                # The sensor's cursor has moved past these events: a failed run must be retried
                # (when run retries are enabled on the instance) or re-executed, not forgotten.
                tags={Tag.TRIGGER: "events", Tag.EVENTS: str(len(plan.approvals)), **RETRIES},
            )
        )
    if plan.columns_seq:
        runs.append(
            dg.RunRequest(
                run_key=f"report-columns:{plan.columns_seq}",
                job_name=report_columns_job.name,
                tags={Tag.TRIGGER: "events", **RETRIES},
            )
        )
    return runs


def _log_plan(context: dg.SensorEvaluationContext, plan: TickPlan, runs: int) -> None:
    if plan.read:
        context.log.info(
            f"read {dict(plan.read)}; {runs} runs; {plan.waiting} days waiting for their window"
        )
    for reason, count in plan.ignored.most_common(5):
        context.log.info(f"ignored {count} event(s): {reason}")


def _skip_reason(plan: TickPlan) -> str:
    if plan.waiting:
        return f"{plan.waiting} day(s) waiting for the coalescing window to close"
    if plan.read:
        return f"nothing to refresh in {sum(plan.read.values())} new item(s)"
    return "no new events"


attendance_events_sensor = build_attendance_events_sensor()
