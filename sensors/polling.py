"""`polling_sensor`: polls today's results and punches at the times the budget governor picks.

Every tick reads the profile (ATTENDANCE_PROFILE), the month's calls (the call ledger), the
roster size and the last four weeks' punch times (the warehouse), and the Stream's health (the
inbox), then launches at most one `attendance_poll_job` run for today: when one of the
governor's poll moments has passed since the last poll (`pipelines.quota.polling`).
Starvation of the Stream (push profile only) is logged, recorded in the push ledger for `usage`
and `doctor`, and answered by polling at the poll profile's rate. It never calls DingTalk itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime

import dagster as dg

from pipelines.catalogue import Asset, Sensor, Tag
from pipelines.dingtalk.ledger import shanghai_now
from pipelines.jobs import attendance_poll_job
from pipelines.quota import polling
from pipelines.quota.density import learned_density
from pipelines.quota.profile import Profile, load_profile, profile_file
from pipelines.quota.pushes import starvation_line
from pipelines.resources import DataDirResource, WarehouseResource
from pipelines.warehouse.store import ParquetStore

Clock = Callable[[], datetime]
NO_CREDENTIALS = (
    "set {} in the Dagster daemon's environment (or .env) to the app's Client ID and Secret;"
    " a poll run calls DingTalk"
)


def build_polling_sensor(clock: Clock = shanghai_now, interval_seconds: int = 60):
    """The polling sensor; tests pass the emulator's clock."""

    @dg.sensor(
        name=Sensor.POLLING,
        job=attendance_poll_job,
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(__doc__ or "").split("\n\n")[1],
    )
    def polling_sensor(
        context: dg.SensorEvaluationContext,
        warehouse: WarehouseResource,
        data_dir: DataDirResource,
    ):
        # Not the `dingtalk` resource: its credentials are EnvVars, and an unset one would fail
        # every tick before this body runs. Without credentials a poll run could only fail.
        settings = data_dir.settings()
        missing = settings.missing_credentials()
        if missing:
            return dg.SkipReason(f"no poll: {NO_CREDENTIALS.format(' and '.join(missing))}")
        profile = load_profile(profile_file(settings))
        now = clock().astimezone(polling.SHANGHAI)
        last_poll = _last_poll(context.cursor)
        if profile.strategy == "today" or not polling.in_poll_hours(now):
            return dg.SkipReason(f"no poll: profile {profile.strategy}, {now:%a %H:%M}")
        store = warehouse.store()
        starved = _starvation(context, data_dir, store, now, profile)
        with data_dir.ledger() as ledger:
            used = sum(ledger.month_to_date().values())
        employees = _employees(store)
        affordable = polling.budget(profile, used, employees, now.date()).polls_per_day()
        polls = polling.polls_today(profile, affordable, starved)
        density = learned_density(store, now.date())
        due = polling.due_poll(now, last_poll, polls, density)
        if due is None:
            reason = "the reserve is reached" if affordable == 0 else f"{polls} polls today"
            return dg.SkipReason(f"no poll due ({reason}, {used} calls spent this month)")
        context.log.info(f"poll of {now.date()} ({polls} today, {used} calls spent)")
        run = dg.RunRequest(
            run_key=f"poll-{now.date()}-{due:%H%M}",
            job_name=attendance_poll_job.name,
            partition_key=now.date().isoformat(),
            tags={Tag.TRIGGER: "poll", Tag.REASON: "starved" if starved else profile.strategy},
        )
        return dg.SensorResult(
            run_requests=[run], cursor=json.dumps({"last_poll": now.isoformat()})
        )

    return polling_sensor


def _last_poll(cursor: str | None) -> datetime | None:
    if not cursor:
        return None
    value = json.loads(cursor).get("last_poll")
    return datetime.fromisoformat(value) if value else None


def _employees(store: ParquetStore) -> int:
    table = store.read(Asset.EMPLOYEES)
    return sum(active is not False for active in table["active"].to_pylist()) if table else 0


def _newest_punch(store: ParquetStore, day: date) -> datetime | None:
    times = [
        t for t in store.read(Asset.ATTENDANCE_PUNCHES, day)["user_check_time"].to_pylist() if t
    ]
    return max(times) if times else None


def _starvation(
    context: dg.SensorEvaluationContext,
    data_dir: DataDirResource,
    store: ParquetStore,
    now: datetime,
    profile: Profile,
) -> bool:
    """Whether the Stream is starved now (push profile), recorded and logged on a change."""
    if profile.strategy != "push":
        return False
    with data_dir.inbox() as inbox:
        stats = inbox.stats()
    health = polling.StreamHealth(
        connected=stats.open_connections > 0,
        last_event_at=stats.last_event_at,
        newest_polled_punch=_newest_punch(store, now.date()),
    )
    starved = polling.is_starved(health, now)
    with closing(data_dir.state().push_ledger()) as ledger:
        since = ledger.starved_since()
        if starved and since is None:
            ledger.set_starved(now)
            context.log.warning(starvation_line(now))
        elif not starved and since is not None:
            ledger.set_starved(None)
            context.log.info("Stream pushes are back: polling at the push profile's rate")
    return starved


polling_sensor = build_polling_sensor()
