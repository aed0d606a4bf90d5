"""`failed_push_reconciliation`: DingTalk's failed-push list drained into the inbox (scheduled).

Events DingTalk could not deliver over Stream (listener down, ACK lost) land in its failed-push
list; this asset drains the list, keeping every raw page before parsing it, and writes the
entries to the inbox with source `failed_push`, where the events sensor treats them like any
other event.
"""

from contextlib import closing

import dagster as dg

from pipelines.catalogue import Asset, Group, Pool
from pipelines.quota.profile import load_profile, profile_file
from pipelines.quota.pushes import push_status, push_usage
from pipelines.refresh.failed_push import reconcile_failed_pushes
from pipelines.resources import DataDirResource, DingTalkResource, RefreshResource


@dg.asset(
    name=Asset.FAILED_PUSH_RECONCILIATION,
    group_name=Group.ATTENDANCE_EVENTS,
    kinds={"dingtalk", "sqlite"},
    pool=Pool.DINGTALK_API,
    check_specs=[
        dg.AssetCheckSpec(
            "push_quota_projection",
            asset=Asset.FAILED_PUSH_RECONCILIATION,
            description="Stream pushes projected to month end stay under 80 % of the quota.",
        )
    ],
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
        },
        check_results=[_push_quota_check(dingtalk, data_dir)],
    )


def _push_quota_check(dingtalk: DingTalkResource, data_dir: DataDirResource) -> dg.AssetCheckResult:
    """WARN once the push ledger projects 80 % of the profile's push quota by month end."""
    with closing(data_dir.state().push_ledger()) as ledger:
        usage = push_usage(ledger, load_profile(profile_file(dingtalk.settings())).pushes_quota)
    status, line = push_status(usage)
    return dg.AssetCheckResult(
        check_name="push_quota_projection",
        passed=status == "ok",
        severity=dg.AssetCheckSeverity.WARN,
        description=line,
        metadata={
            "pushes": usage.used,
            "projected": usage.projected,
            "quota": usage.quota,
            "by_event_type": dg.MetadataValue.json(usage.by_endpoint),
        },
    )
