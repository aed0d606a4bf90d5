"""`failed_push_reconciliation`: DingTalk's failed-push list drained into the inbox (scheduled).

Events DingTalk could not deliver over Stream (listener down, ACK lost) land in its failed-push
list; this asset drains the list, keeping every raw page before parsing it, and writes the
entries to the inbox with source `failed_push`, where the events sensor treats them like any
other event.
"""

import dagster as dg

from pipelines.catalogue import Asset, Group, Pool
from pipelines.refresh.failed_push import reconcile_failed_pushes
from pipelines.resources import DataDirResource, DingTalkResource, RefreshResource


@dg.asset(
    name=Asset.FAILED_PUSH_RECONCILIATION,
    group_name=Group.ATTENDANCE_EVENTS,
    kinds={"dingtalk", "sqlite"},
    pool=Pool.DINGTALK_API,
)
def failed_push_reconciliation(
    context: dg.AssetExecutionContext,
    dingtalk: DingTalkResource,
    data_dir: DataDirResource,
    refresh: RefreshResource,
) -> dg.MaterializeResult:
    """Failed pushes recovered from get_call_back_failed_result into the event inbox."""
    settings = refresh.settings()
    with (
        dingtalk.client() as client,
        client.track_calls() as spent,
        data_dir.failed_push_pages() as pages,
        data_dir.inbox() as inbox,
    ):
        result = reconcile_failed_pushes(
            client.fetch_failed_push_body, pages, inbox, settings.failed_push_max_pages
        )
    if result.quarantined:
        context.log.warning(f"{result.quarantined} failed-push entries quarantined (see inbox)")
    return dg.MaterializeResult(
        metadata={
            "pages": dg.MetadataValue.int(result.pages),
            "resumed_pages": dg.MetadataValue.int(result.resumed_pages),
            "entries": dg.MetadataValue.int(result.entries),
            "inserted": dg.MetadataValue.int(result.inserted),
            "duplicates": dg.MetadataValue.int(result.duplicates),
            "already_streamed": dg.MetadataValue.int(result.already_streamed),
            "quarantined": dg.MetadataValue.int(result.quarantined),
            "event_types": dg.MetadataValue.json(result.types),
            "metered_calls": dg.MetadataValue.int(sum(spent.metered.values())),
            "metered_calls_by_endpoint": dg.MetadataValue.json(dict(spent.metered)),
        }
    )
