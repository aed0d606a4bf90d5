"""Every name the pipeline's parts share, written out once: tables, assets, jobs, instigators,
refresh scopes, pools, groups and run tags.

The sensor, the jobs, the refresh scopes, approval resolution and the warehouse refer to these
constants instead of repeating the strings, so a rename is one edit and a typo is a NameError
(tests/unit/test_catalogue.py keeps every literal here). Nothing here imports dagster: the
warehouse and the refresh libraries read it too.
"""

from __future__ import annotations

from typing import Final, Literal


class Table:
    """The warehouse tables (Parquet folders and DuckDB views); each is the asset that writes it."""

    EMPLOYEES: Final = "employees"
    REPORT_COLUMNS: Final = "report_columns"
    LEAVE_BALANCES: Final = "leave_balances"  # optional: ATTENDANCE_LEAVE_BALANCES
    ATTENDANCE_RESULTS: Final = "attendance_results"
    ATTENDANCE_PUNCHES: Final = "attendance_punches"
    ATTENDANCE_REPORT_VALUES: Final = "attendance_report_values"
    ATTENDANCE_APPROVALS: Final = "attendance_approvals"
    ATTENDANCE_DAILY: Final = "attendance_daily"
    ATTENDANCE_MONTHLY: Final = "attendance_monthly"
    ATTENDANCE_MONTHLY_DEPARTMENT: Final = "attendance_monthly_department"


class Asset(Table):
    """The Dagster asset keys: one per warehouse table, plus the two event assets."""

    APPROVAL_RESOLUTION: Final = "approval_resolution"
    FAILED_PUSH_RECONCILIATION: Final = "failed_push_reconciliation"
    MONTHLY_REPORT: Final = "monthly_report"  # the HR page and workbook of a month (no table)


class Job:
    """The jobs the sensor, the schedules and the sync command launch."""

    ATTENDANCE_REFRESH: Final = "attendance_refresh_job"
    ATTENDANCE_BACKFILL: Final = "attendance_backfill_job"
    ATTENDANCE_MONTHLY_MARTS: Final = "attendance_monthly_marts_job"
    APPROVAL_RESOLUTION: Final = "approval_resolution_job"
    REPORT_COLUMNS: Final = "report_columns_job"
    FAILED_PUSH_RECONCILIATION: Final = "failed_push_reconciliation_job"
    ATTENDANCE_POLL: Final = "attendance_poll_job"
    LEAVE_BALANCES: Final = "leave_balances_job"
    WAREHOUSE_COMPACTION: Final = "warehouse_compaction_job"


class Sensor:
    ATTENDANCE_EVENTS: Final = "attendance_events_sensor"
    MONTHLY_MARTS: Final = "monthly_marts_sensor"
    POLLING: Final = "polling_sensor"


class Schedule:
    FAILED_PUSH_RECONCILIATION: Final = "failed_push_reconciliation_schedule"
    SETTLEMENT: Final = "settlement_schedule"
    NIGHTLY_SWEEP: Final = "nightly_sweep_schedule"
    REPORT_SETTLEMENT: Final = "report_settlement_schedule"
    LEAVE_BALANCES: Final = "leave_balances_schedule"
    WAREHOUSE_COMPACTION: Final = "warehouse_compaction_schedule"


# How much of a day a refresh re-pulls, cheapest first (pipelines/refresh/scopes.py maps each to
# its assets; docs/events.md): check points only; plus approvals; plus report values (a metered
# call per user, so only approvals and the report settlement ask for it).
Scope = Literal["checks", "approvals", "full"]


class Scopes:
    CHECKS: Final = "checks"
    APPROVALS: Final = "approvals"
    FULL: Final = "full"


SCOPES: tuple[Scope, ...] = (Scopes.CHECKS, Scopes.APPROVALS, Scopes.FULL)


class Pool:
    """Dagster pools: steps that call DingTalk share its QPS; steps computing marts share CPU."""

    DINGTALK_API: Final = "dingtalk_api"
    DUCKDB_WRITER: Final = "duckdb_writer"


class Group:
    ATTENDANCE: Final = "attendance"
    ATTENDANCE_EVENTS: Final = "attendance_events"
    REPORTS: Final = "reports"


class Tag:
    """Run tags the sensor and the schedules set (read by the demo report and the UI)."""

    TRIGGER: Final = "attendance/trigger"
    SCOPE: Final = "attendance/scope"
    EVENTS: Final = "attendance/events"
    USERS: Final = "attendance/users"
    REASON: Final = "attendance/reason"
    # Honoured when the instance enables run retries (dagster.yaml `run_retries`).
    MAX_RETRIES: Final = "dagster/max_retries"
    PARTITION: Final = "dagster/partition"
    RANGE_START: Final = "dagster/asset_partition_range_start"
    RANGE_END: Final = "dagster/asset_partition_range_end"


def names_of(kind: type) -> tuple[str, ...]:
    """The string constants a catalogue class defines (inherited ones included)."""
    return tuple(
        value
        for name in dir(kind)
        if name.isupper() and isinstance(value := getattr(kind, name), str)
    )
