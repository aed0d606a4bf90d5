"""`approval_resolution`: resolve changed approvals into refresh requests (launched by the sensor).

The events sensor cannot call DingTalk in its tick, so it launches this asset with the instances
to resolve; the asset fetches each once, reads the days it covers, and queues refresh requests
that the sensor folds into the same coalesced day runs as punch events.
"""

import dagster as dg

from pipelines.catalogue import Asset, Group, Pool
from pipelines.refresh.actions import ResolveApproval
from pipelines.refresh.resolution import resolve_approvals, warehouse_written_days
from pipelines.resources import DataDirResource, DingTalkResource, WarehouseResource


class ApprovalInstance(dg.Config):
    """One changed approval: its id, kind (approveType or bizCategoryId) and new status."""

    process_instance_id: str
    kind: str = ""
    status: str = "finish"


class ApprovalResolutionConfig(dg.Config):
    """The approvals to resolve (the sensor fills this in)."""

    instances: list[ApprovalInstance] = []


@dg.asset(
    name=Asset.APPROVAL_RESOLUTION,
    group_name=Group.ATTENDANCE_EVENTS,
    kinds={"dingtalk"},
    pool=Pool.DINGTALK_API,
)
def approval_resolution(
    context: dg.AssetExecutionContext,
    config: ApprovalResolutionConfig,
    dingtalk: DingTalkResource,
    warehouse: WarehouseResource,
    data_dir: DataDirResource,
) -> dg.MaterializeResult:
    """Approval instances resolved to the days and users they cover, queued as refresh requests."""
    changes = [
        ResolveApproval(item.process_instance_id, item.kind, item.status)
        for item in config.instances
    ]
    with dingtalk.client() as client, client.track_calls() as spent:

        def fetch(instance_id: str) -> dict:
            instance = client.get_process_instance(instance_id)
            return instance.model_dump(by_alias=True, mode="json")

        resolution = resolve_approvals(changes, fetch, warehouse_written_days(warehouse.store()))
    # An approval binds or covers check points: polls must re-read those users' plans.
    with data_dir.plan_cache() as plans:
        for request in resolution.requests:
            plans.forget(request.work_date, request.users)
    with data_dir.refresh_requests() as queue:
        queue.add(resolution.requests)
    for request in resolution.requests:
        context.log.info(f"queued refresh of {request.work_date} ({request.reason})")
    return dg.MaterializeResult(
        metadata={
            "instances": dg.MetadataValue.int(len({c.process_instance_id for c in changes})),
            "fetched": dg.MetadataValue.int(resolution.fetched),
            "missing": dg.MetadataValue.json(resolution.missing),
            "unresolved": dg.MetadataValue.json(resolution.unresolved),
            "requests": dg.MetadataValue.int(len(resolution.requests)),
            "days": dg.MetadataValue.int(resolution.days),
            "metered_calls": dg.MetadataValue.int(sum(spent.metered.values())),
            "metered_calls_by_endpoint": dg.MetadataValue.json(dict(spent.metered)),
        }
    )
