"""Schedules of the refresh: failed-push reconciliation, settlement (D-1, D-2), nightly sweep.

Settlement and sweep launch range runs of `attendance_refresh_job` (one run for consecutive
days), so the batched endpoints pull several days per call (`attendance/list` takes 7 days x 50
users): a 5-day sweep costs about what one day costs, not five times that.

On a frugal profile (`poll`, `push`: docs/quota.md) the schedules are the daily close the quota
was planned with: the settlement pulls D-1 for everyone and the later settlement days only for
the users whose daily row is not settled yet (overnight shifts, late approvals); the nightly
sweep and the weekly report re-pull do not run (they re-read what polls, events and the
settlement already pulled: bench/month.py --real measured 28 and 129 calls a run at 200
employees); the month close still runs.
"""

from __future__ import annotations

import inspect
import time
from datetime import date, datetime, timedelta

import dagster as dg

from pipelines.catalogue import Asset, Schedule, Scope, Scopes, Tag
from pipelines.days import SHANGHAI
from pipelines.extract.loaders import roster
from pipelines.extract.strategies.plans import PlanCache, decode_plan
from pipelines.jobs import (
    attendance_refresh_job,
    failed_push_reconciliation_job,
    refresh_run_config,
)
from pipelines.partitions import TIMEZONE
from pipelines.quota.profile import Profile, load_profile, profile_file
from pipelines.refresh.budget import discretionary_skip_reason
from pipelines.refresh.config import RefreshSettings
from pipelines.refresh.failed_push import should_poll
from pipelines.refresh.scopes import assets_for
from pipelines.resources import DataDirResource, RefreshResource, WarehouseResource
from pipelines.warehouse.marts import SETTLE_GRACE
from pipelines.warehouse.store import ParquetStore

# The warehouse marks a day settled once SETTLE_GRACE has passed after its end; settle half an
# hour later so that the re-pull is the one that `attendance_daily.settled` describes.
_SETTLE_AT = SETTLE_GRACE + timedelta(minutes=30)
SETTLEMENT_CRON = f"{_SETTLE_AT.seconds // 60 % 60} {_SETTLE_AT.seconds // 3600} * * *"
SWEEP_CRON = "0 3 * * *"
REPORT_SETTLEMENT_CRON = "0 7 * * *"
RECONCILIATION_CRON = "*/10 * * * *"


def _schedule(**kwargs):
    """`dg.schedule` whose description (shown in the UI's schedule list) is the docstring."""

    def decorate(function):
        description = inspect.cleandoc(function.__doc__ or "")
        return dg.schedule(description=description, **kwargs)(function)

    return decorate


@_schedule(
    name=Schedule.FAILED_PUSH_RECONCILIATION,
    job=failed_push_reconciliation_job,
    cron_schedule=RECONCILIATION_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def failed_push_reconciliation_schedule(
    context: dg.ScheduleEvaluationContext, data_dir: DataDirResource, refresh: RefreshResource
):
    """Every 10 minutes: drain the failed-push list into the inbox when it may hold events.

    Reading the list is a metered call; polling it blindly every 10 minutes would spend 4,320
    calls a month, most of the 5,000 quota, so a run is launched only after a listener
    disconnected, while none is connected, or when the list was not read for a while.
    """
    settings = refresh.settings()
    with data_dir.inbox() as inbox, data_dir.failed_push_pages() as pages:
        decision = should_poll(
            inbox,
            pages.last_fetch_ms(),
            int(time.time() * 1000),
            settings.failed_push_max_interval_seconds,
            settings.failed_push_settle_seconds,
        )
    if not decision.poll:
        return dg.SkipReason(decision.reason)
    scheduled = context.scheduled_execution_time or datetime.now(tz=SHANGHAI)
    return dg.RunRequest(
        run_key=f"failed-push:{scheduled.isoformat()}",
        tags={Tag.TRIGGER: "reconciliation", Tag.REASON: decision.reason},
    )


def day_ranges(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days grouped into inclusive (first, last) ranges, oldest first."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def range_run(
    first: date,
    last: date,
    trigger: str,
    scheduled: date,
    scope: Scope,
    users: list[str] | None = None,
) -> dg.RunRequest:
    """A refresh run of the days first..last, limited to `scope`: the whole organisation, or
    `users` only."""
    who = "" if users is None else f":{len(users)} users"
    return dg.RunRequest(
        run_key=f"{trigger}:{first.isoformat()}..{last.isoformat()}:{scheduled.isoformat()}{who}",
        job_name=attendance_refresh_job.name,
        run_config=refresh_run_config(users),
        asset_selection=[dg.AssetKey(name) for name in assets_for(scope)],
        tags={
            Tag.RANGE_START: first.isoformat(),
            Tag.RANGE_END: last.isoformat(),
            Tag.TRIGGER: trigger,
            Tag.MAX_RETRIES: "3",
            Tag.SCOPE: scope,
        },
    )


def settlement_days(today: date, offsets: list[int]) -> list[date]:
    return [today - timedelta(days=offset) for offset in offsets if offset > 0]


def sweep_days(today: date, depth: int, settled_offsets: list[int]) -> list[date]:
    """The last `depth` days before today, minus those the settlement re-pulls that night."""
    skip = set(settlement_days(today, settled_offsets))
    return [
        today - timedelta(days=n)
        for n in range(1, depth + 1)
        if today - timedelta(days=n) not in skip
    ]


@_schedule(
    name=Schedule.SETTLEMENT,
    job=attendance_refresh_job,
    cron_schedule=SETTLEMENT_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def settlement_schedule(
    context: dg.ScheduleEvaluationContext,
    data_dir: DataDirResource,
    refresh: RefreshResource,
    warehouse: WarehouseResource,
):
    """Re-pull D-1 and D-2 (ATTENDANCE_SETTLEMENT_DAYS) after DingTalk settled them; on a
    frugal profile the days after D-1 only for the users whose daily row is not settled."""
    today = _scheduled_day(context)
    offsets = refresh.settings().settlement_days
    if not _profile(data_dir).frugal:
        days = settlement_days(today, offsets)
        return [range_run(a, b, "settlement", today, Scopes.APPROVALS) for a, b in day_ranges(days)]
    runs = [
        range_run(day, day, "settlement", today, Scopes.APPROVALS)
        for day in settlement_days(today, [o for o in offsets if o == 1])
    ]
    store = warehouse.store()
    for day in settlement_days(today, [o for o in offsets if o > 1]):
        with data_dir.plan_cache() as plans:
            open_users = unsettled_users(store, day, plans)
        if open_users:
            runs.append(range_run(day, day, "settlement", today, Scopes.APPROVALS, open_users))
    if not runs:
        return dg.SkipReason("every settlement day beyond D-1 is settled in the warehouse")
    return runs


def unsettled_users(store: ParquetStore, day: date, plans: PlanCache | None = None) -> list[str]:
    """The roster's users whose `day` the D-1 settlement may have read before DingTalk settled
    it: without a settled `attendance_daily` row (everyone when the day was never loaded), or
    with a check point planned after the day ended (an overnight shift's OffDuty, read at
    06:30 before its punch), in the results or in the plans the pulls kept. A night shift
    nobody punched by 06:30 has no result row at all (DingTalk shows a missed point only after
    its cut-off) and its daily row reads settled by the clock: only its kept plan shows it."""
    daily = store.read(Asset.ATTENDANCE_DAILY, day)
    settled: set[object] = set()
    if daily is not None and daily.num_rows:
        flags = zip(daily["userid"].to_pylist(), daily["settled"].to_pylist(), strict=True)
        settled = {userid for userid, done in flags if done}
    ends = datetime.combine(day + timedelta(days=1), datetime.min.time())
    results = store.read(Asset.ATTENDANCE_RESULTS, day)
    if results is not None and results.num_rows:
        users, times = results["userid"].to_pylist(), results["plan_check_time"].to_pylist()
        late = zip(users, times, strict=True)
        settled -= {userid for userid, plan in late if plan and plan.replace(tzinfo=None) >= ends}
    users = roster(store)
    if plans is not None:
        for userid, text in plans.read(day, users).items():
            times = [s.plan_check_time for s in decode_plan(text).schedules]
            if any(plan and plan.replace(tzinfo=None) >= ends for plan in times):
                settled.discard(userid)
    return [user for user in users if user not in settled]


def _profile(data_dir: DataDirResource) -> Profile:
    return load_profile(profile_file(data_dir.settings()))


@_schedule(
    name=Schedule.NIGHTLY_SWEEP,
    job=attendance_refresh_job,
    cron_schedule=SWEEP_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_sweep_schedule(
    context: dg.ScheduleEvaluationContext, data_dir: DataDirResource, refresh: RefreshResource
):
    """Re-pull the last N days (ATTENDANCE_SWEEP_DAYS) to catch what no event announced, while
    the month's metered calls stay on pace (ATTENDANCE_DISCRETIONARY_QUOTA_SHARE)."""
    today = _scheduled_day(context)
    if _profile(data_dir).frugal:
        return dg.SkipReason(
            "a frugal profile's polls, events and settlement cover the days (month close: the"
            " report settlement)"
        )
    settings = refresh.settings()
    days = sweep_days(today, settings.sweep_days, settings.settlement_days)
    if not days:
        return dg.SkipReason("sweep depth covers no day beyond the settlement days")
    over_budget = _over_budget(context, data_dir, refresh, settings, "the nightly sweep")
    if over_budget:
        return dg.SkipReason(over_budget)
    return [range_run(a, b, "sweep", today, Scopes.APPROVALS) for a, b in day_ranges(days)]


def report_settlement_days(today: date, weekday: int, month_day: int) -> list[date]:
    """Days whose report values are re-pulled today: the past week on `weekday` (0 = Monday),
    the whole previous month on day `month_day` of a month (payroll close)."""
    days: set[date] = set()
    if today.weekday() == weekday:
        days.update(today - timedelta(days=n) for n in range(1, 8))
    if today.day == month_day:
        last = today.replace(day=1) - timedelta(days=1)
        days.update(last.replace(day=n) for n in range(1, last.day + 1))
    return sorted(days)


@_schedule(
    name=Schedule.REPORT_SETTLEMENT,
    job=attendance_refresh_job,
    cron_schedule=REPORT_SETTLEMENT_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def report_settlement_schedule(
    context: dg.ScheduleEvaluationContext, data_dir: DataDirResource, refresh: RefreshResource
):
    """Weekly and at month close: re-pull report values (one call per user per range). The
    month close always runs (payroll); the weekly re-pull yields to the quota like the sweep."""
    today = _scheduled_day(context)
    settings = refresh.settings()
    days = report_settlement_days(
        today, settings.report_settlement_weekday, settings.report_settlement_month_day
    )
    if not days:
        return dg.SkipReason("report values are re-pulled weekly and at month close only")
    if today.day != settings.report_settlement_month_day:
        if _profile(data_dir).frugal:
            return dg.SkipReason(
                "a frugal profile re-pulls report values at month close only (the settlement"
                " pulled the week's check points and approvals)"
            )
        over_budget = _over_budget(
            context, data_dir, refresh, settings, "the weekly report re-pull"
        )
        if over_budget:
            return dg.SkipReason(over_budget)
    runs = day_ranges(days)
    return [range_run(a, b, "report_settlement", today, Scopes.FULL) for a, b in runs]


def _over_budget(
    context: dg.ScheduleEvaluationContext,
    data_dir: DataDirResource,
    refresh: RefreshResource,
    settings: RefreshSettings,
    what: str,
) -> str | None:
    now = context.scheduled_execution_time or datetime.now(tz=SHANGHAI)
    share = settings.discretionary_quota_share
    with data_dir.ledger() as ledger:
        return discretionary_skip_reason(ledger, refresh.quota(), share, now, what)


def _scheduled_day(context: dg.ScheduleEvaluationContext) -> date:
    moment = context.scheduled_execution_time
    if moment is None:
        raise ValueError("schedule evaluated without a scheduled execution time")
    return moment.astimezone(SHANGHAI).date()


REFRESH_SCHEDULES = [
    failed_push_reconciliation_schedule,
    settlement_schedule,
    nightly_sweep_schedule,
    report_settlement_schedule,
]
