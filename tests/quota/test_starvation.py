"""Push starvation, end to end: a real listener process receives the morning's punches over
Stream until the emulator's push quota runs out mid-month (silence mode); the polling sensor's
hourly probes notice within an hour of work time that polls find punches the Stream never
pushed, record and log it, and switch to polling, which keeps today's punches fresh."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dagster as dg
import pytest

from pipelines.days import SHANGHAI
from pipelines.definitions import defs
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.quota.profile import write_profile
from pipelines.resources import resources_from_settings
from pipelines.settings import load_settings
from pipelines.state.push_ledger import SqlitePushLedger
from pipelines.warehouse import ParquetStore
from sensors.polling import build_polling_sensor
from tests.sensors.pipeline import FAST_GATEWAY, EventPipeline

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 17)  # a Tuesday
SILENCED_AT = datetime(2026, 11, 17, 8, 30, tzinfo=SHANGHAI)
STEP = timedelta(minutes=10)
POLLS_AFTER = 4  # polls on consecutive ticks once starvation is noticed
PUSH_PROFILE = {"profile": "push", "calls_quota": 200_000, "pushes_quota": 3_000}


def tick(pipeline: EventPipeline, sensor, cursor: str | None):
    context = dg.build_sensor_context(
        instance=pipeline.instance,
        cursor=cursor,
        definitions=defs,
        resources=resources_from_settings(load_settings()),
    )
    return sensor.evaluate_tick(context)


def polled_punch_ids(data_dir) -> set[int]:
    table = ParquetStore(data_dir).read("attendance_punches", DAY)
    return set(table["record_id"].to_pylist())


def test_silenced_pushes_are_noticed_within_an_hour_and_polling_keeps_up(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    config = EmulatorConfig(
        employees=60,
        start=DAY - timedelta(days=1),
        days=2,
        clock_start=datetime(2026, 11, 17, 7, 50, tzinfo=SHANGHAI),
        stream=FAST_GATEWAY,
    )
    with EmulatorServer(config) as server, dg.DagsterInstance.ephemeral() as instance:
        pipeline = EventPipeline.bind(server, data_dir, monkeypatch, instance)
        monkeypatch.delenv("ATTENDANCE_PROFILE", raising=False)
        write_profile(data_dir / "profile.json", PUSH_PROFILE)
        pipeline.control("push_quota", {"enforced": False})
        pipeline.load_catalogue()
        clock = [config.clock_start]
        sensor = build_polling_sensor(clock=lambda: clock[0])
        listener = pipeline.start_listener()
        cursor, polls, starved_at = None, [], None
        try:
            moment = config.clock_start
            # Until a few polls after starvation have run (or 11:00, where the asserts fail).
            while moment < datetime(2026, 11, 17, 11, 0, tzinfo=SHANGHAI) and (
                sum(reason == "starved" for _, reason in polls) < POLLS_AFTER
            ):
                moment += STEP
                clock[0] = moment
                pipeline.advance_to(moment.strftime("%Y-%m-%dT%H:%M:%S"))
                if moment <= SILENCED_AT:
                    pipeline.wait_for_events()
                if moment == SILENCED_AT:  # the month's pushes are spent: DingTalk goes quiet
                    spent = {"quota": 1, "used": 1, "enforced": True, "on_exhausted": "silence"}
                    pipeline.control("push_quota", spent)
                result = tick(pipeline, sensor, cursor)
                cursor = result.cursor or cursor
                for run in result.run_requests:
                    pipeline.execute(run)
                    polls.append((moment, run.tags["attendance/reason"]))
                with SqlitePushLedger.in_data_dir(data_dir) as ledger:
                    starved_at = starved_at or ledger.starved_since()
            truth = pipeline.truth(DAY.isoformat())
            silenced = pipeline.control("stats")["push_quota"]
        finally:
            listener.terminate()
    assert silenced["enforced"] and silenced["quota"] == 1
    # Probes before the silence found nothing unpushed; starvation noticed within an hour.
    assert starved_at is not None and SILENCED_AT < starved_at <= SILENCED_AT + timedelta(hours=1)
    after = [m for m, reason in polls if reason == "starved"]
    # Probes before starvation was noticed (the p95-optimal placement may put none before the
    # silence) never claimed it: each ran as an ordinary push-profile probe.
    assert all(reason == "push" for m, reason in polls if m < starved_at)
    # Once starved, a poll every tick (the budget allows it): the warehouse keeps up.
    assert len(after) == POLLS_AFTER and after == [
        after[0] + STEP * index for index in range(POLLS_AFTER)
    ]
    assert after[-1] == moment
    with SqlitePushLedger.in_data_dir(data_dir) as ledger:
        assert ledger.starved_since() == starved_at
    punched = {
        p["record_id"]
        for day in truth
        for p in day["punches"]
        if datetime.fromisoformat(p["user_check_time"]).replace(tzinfo=SHANGHAI) <= moment
    }
    assert punched and punched <= polled_punch_ids(data_dir)
