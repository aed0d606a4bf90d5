"""The one place the Dagster definitions are built (loaded by workspace.yaml)."""

from __future__ import annotations

import dagster as dg

from assets.approval_resolution import approval_resolution
from assets.attendance import (
    attendance_approvals,
    attendance_punches,
    attendance_report_values,
    attendance_results,
    employees,
    report_columns,
)
from assets.leave_balances import leave_balances
from assets.marts import attendance_daily, attendance_monthly, attendance_monthly_department
from assets.reconciliation import failed_push_reconciliation
from assets.reports import monthly_report
from pipelines.catalogue import Job
from pipelines.jobs import JOBS
from pipelines.resources import resources_from_environment
from sensors.attendance_events import attendance_events_sensor
from sensors.compaction import warehouse_compaction_schedule
from sensors.leave_balances import leave_balances_schedule
from sensors.monthly_marts import monthly_marts_sensor
from sensors.polling import polling_sensor
from sensors.schedules import REFRESH_SCHEDULES

CATALOGUE_ASSETS = [employees, report_columns]  # unpartitioned: the roster and the columns
DAILY_ASSETS = [
    attendance_results,
    attendance_punches,
    attendance_report_values,
    attendance_approvals,
    attendance_daily,
]
MONTHLY_ASSETS = [attendance_monthly, attendance_monthly_department]
ATTENDANCE_ASSETS = CATALOGUE_ASSETS + DAILY_ASSETS + MONTHLY_ASSETS

EVENT_ASSETS = [approval_resolution, failed_push_reconciliation]
# Optional (ATTENDANCE_LEAVE_BALANCES): always defined, skipped without a call while off.
OPTIONAL_ASSETS = [leave_balances]

defs = dg.Definitions(
    assets=ATTENDANCE_ASSETS + EVENT_ASSETS + OPTIONAL_ASSETS + [monthly_report],
    jobs=JOBS,
    sensors=[attendance_events_sensor, polling_sensor, monthly_marts_sensor],
    schedules=[*REFRESH_SCHEDULES, leave_balances_schedule, warehouse_compaction_schedule],
    resources=resources_from_environment(),
)


def attendance_backfill_job() -> dg.JobDefinition:
    """The backfill job, resolved; `dg.reconstructable` of this lets its step processes find it."""
    return defs.resolve_job_def(Job.ATTENDANCE_BACKFILL)
