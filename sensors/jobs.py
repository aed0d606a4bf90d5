"""The jobs the event sensor and the refresh schedules launch besides `attendance_refresh_job`.

Selections name asset keys as strings so that `sensors/` never imports `assets/` (only
`pipelines/definitions.py` sees both).
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

from pipelines.refresh.actions import ResolveApproval

APPROVAL_ASSET = "approval_resolution"
RECONCILIATION_ASSET = "failed_push_reconciliation"

approval_resolution_job = dg.define_asset_job(
    "approval_resolution_job",
    selection=dg.AssetSelection.assets(APPROVAL_ASSET),
    executor_def=dg.in_process_executor,
    description="Fetch changed approval instances and queue refreshes of the days they cover.",
)

report_columns_job = dg.define_asset_job(
    "report_columns_job",
    selection=dg.AssetSelection.assets("report_columns"),
    executor_def=dg.in_process_executor,
    description="Re-pull the report column catalogue after DingTalk announced a change.",
)

failed_push_reconciliation_job = dg.define_asset_job(
    "failed_push_reconciliation_job",
    selection=dg.AssetSelection.assets(RECONCILIATION_ASSET),
    executor_def=dg.in_process_executor,
    description="Drain DingTalk's failed-push list into the inbox.",
)


def approval_run_config(approvals: Iterable[ResolveApproval]) -> dict:
    """Run config for `approval_resolution_job`: the instances to resolve and why."""
    instances = [
        {"process_instance_id": a.process_instance_id, "kind": a.kind, "status": a.status}
        for a in approvals
    ]
    return {"ops": {APPROVAL_ASSET: {"config": {"instances": instances}}}}


EVENT_JOBS = [approval_resolution_job, report_columns_job, failed_push_reconciliation_job]
