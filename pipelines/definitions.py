"""The one place the Dagster definitions are built (loaded by workspace.yaml)."""

from __future__ import annotations

import dagster as dg

from assets.attendance import (
    attendance_approvals,
    attendance_punches,
    attendance_report_values,
    attendance_results,
    employees,
    report_columns,
)
from assets.marts import attendance_daily, attendance_monthly
from pipelines.jobs import attendance_refresh_job
from pipelines.resources import resources_from_environment

ATTENDANCE_ASSETS = [
    employees,
    report_columns,
    attendance_results,
    attendance_punches,
    attendance_report_values,
    attendance_approvals,
    attendance_daily,
    attendance_monthly,
]

defs = dg.Definitions(
    assets=ATTENDANCE_ASSETS,
    jobs=[attendance_refresh_job],
    resources=resources_from_environment(),
)
