"""The monthly marts' run-status sensor asks for exactly the months a succeeded refresh run
covered: a day of the events sensor, the settlement's D-1/D-2 across a month boundary, and the
month close's whole previous month."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
from dagster._core.events import DagsterEventType

from pipelines.catalogue import Asset, Job, Tag
from pipelines.stream.models import SHANGHAI
from sensors.monthly_marts import monthly_marts_sensor
from sensors.schedules import report_settlement_schedule, settlement_schedule
from tests.sensors.test_schedules import evaluate


def run_of(request: dg.RunRequest, job_name: str = Job.ATTENDANCE_REFRESH) -> dg.DagsterRun:
    """The run the daemon would launch for `request` (a single partition becomes its tag)."""
    tags = dict(request.tags)
    if request.partition_key is not None:
        tags[Tag.PARTITION] = request.partition_key
    selection = frozenset(request.asset_selection) if request.asset_selection else None
    return dg.DagsterRun(job_name=job_name, tags=tags, asset_selection=selection)


def react(run: dg.DagsterRun) -> dg.RunRequest | dg.SkipReason:
    event = dg.DagsterEvent(DagsterEventType.RUN_SUCCESS.value, job_name=run.job_name)
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_run_status_sensor_context(
            sensor_name=monthly_marts_sensor.name,
            dagster_event=event,
            dagster_instance=instance,
            dagster_run=run,
        )
        return monthly_marts_sensor(context)


def months(answer: dg.RunRequest | dg.SkipReason) -> tuple[str, str]:
    assert isinstance(answer, dg.RunRequest), answer
    assert answer.job_name == Job.ATTENDANCE_MONTHLY_MARTS
    return answer.tags[Tag.RANGE_START], answer.tags[Tag.RANGE_END]


def test_a_refreshed_day_rebuilds_its_month_once_per_run():
    request = dg.RunRequest(
        job_name=Job.ATTENDANCE_REFRESH,
        partition_key="2026-11-05",
        asset_selection=[
            dg.AssetKey(Asset.ATTENDANCE_RESULTS),
            dg.AssetKey(Asset.ATTENDANCE_DAILY),
        ],
        tags={Tag.TRIGGER: "events"},
    )
    run = run_of(request)
    answer = react(run)
    assert months(answer) == ("2026-11-01", "2026-11-01")
    assert isinstance(answer, dg.RunRequest)
    assert answer.run_key == f"monthly-marts:{run.run_id}"
    assert answer.tags[Tag.TRIGGER] == "events"


def test_the_settlement_across_a_month_boundary_rebuilds_both_months():
    second = datetime(2026, 12, 2, 6, 30, tzinfo=SHANGHAI)
    [request] = evaluate(settlement_schedule, second).run_requests
    assert months(react(run_of(request))) == ("2026-11-01", "2026-12-01")
    first = datetime(2026, 12, 1, 6, 30, tzinfo=SHANGHAI)
    [request] = evaluate(settlement_schedule, first).run_requests
    assert months(react(run_of(request))) == ("2026-11-01", "2026-11-01")


def test_the_month_close_rebuilds_the_closed_month_only():
    month_close = datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI)
    [request] = evaluate(report_settlement_schedule, month_close).run_requests
    assert months(react(run_of(request))) == ("2026-11-01", "2026-11-01")


def test_a_whole_job_run_counts_as_refreshing_the_daily_mart():
    tags = {Tag.PARTITION: "2026-11-05"}
    # execute_in_process of the whole job records an empty selection.
    run = dg.DagsterRun(job_name=Job.ATTENDANCE_REFRESH, tags=tags, asset_selection=frozenset())
    assert months(react(run)) == ("2026-11-01", "2026-11-01")


def test_runs_that_wrote_no_daily_mart_or_are_not_refreshes_are_skipped():
    columns_only = dg.RunRequest(
        partition_key="2026-11-05", asset_selection=[dg.AssetKey(Asset.ATTENDANCE_RESULTS)]
    )
    assert isinstance(react(run_of(columns_only)), dg.SkipReason)
    backfill = dg.RunRequest(partition_key="2026-11-05")  # sync runs the monthly job itself
    assert isinstance(react(run_of(backfill, Job.ATTENDANCE_BACKFILL)), dg.SkipReason)


def test_a_poll_rebuilds_its_month():
    # A poll rewrites today's daily rows: the month's row must hold today, saying not final.
    poll = dg.RunRequest(partition_key="2026-11-05", tags={Tag.TRIGGER: "poll"})
    answer = react(run_of(poll, Job.ATTENDANCE_POLL))
    assert months(answer) == ("2026-11-01", "2026-11-01")
    assert isinstance(answer, dg.RunRequest) and answer.tags[Tag.TRIGGER] == "poll"
