"""Recovery over loopback: with the listener stopped, events reach the warehouse through the
failed-push list and the reconciliation schedule; a connection gap makes its days re-pulled;
a burst of 1,000 events is coalesced into a handful of runs."""

from __future__ import annotations

import random
import time
from datetime import datetime

import dagster as dg
import httpx
import pytest

from pipelines.definitions import defs
from pipelines.emulator.stream import GatewayConfig
from pipelines.resources import resources_for_data_dir
from pipelines.stream.inbox import Inbox
from pipelines.stream.models import SHANGHAI
from tests.sensors.pipeline import EventPipeline, emulator
from tests.stream.harness import wait_for

pytestmark = pytest.mark.integration

DAY = "2026-11-05"


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def _reconciliation_run(instance, data_dir) -> dg.RunRequest:
    schedule = defs.resolve_schedule_def("failed_push_reconciliation_schedule")
    context = dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=datetime.now(tz=SHANGHAI),
        resources=resources_for_data_dir(data_dir),
    )
    [run] = schedule.evaluate_tick(context).run_requests
    return dg.RunRequest(job_name=schedule.job_name, run_config=run.run_config, tags=run.tags)


def test_with_the_listener_stopped_reconciliation_brings_the_warehouse_to_the_truth(
    tmp_path, monkeypatch, instance
):
    gateway = GatewayConfig(redelivery_delay=0.2, max_attempts=2, ping_interval=2)
    with emulator(datetime(2026, 11, 5, 8, 0), gateway) as server:
        pipeline = EventPipeline.bind(server, tmp_path / "data", monkeypatch, instance)
        pipeline.load_catalogue()
        assert pipeline.start_listener().terminate() == 0
        emitted = pipeline.advance_to("2026-11-05T09:30:00")
        assert emitted > 0
        wait_for(lambda: pipeline.control("stats")["failed_list_size"] >= emitted, timeout=30)

        before = pipeline.metered_calls()
        pipeline.execute(_reconciliation_run(instance, pipeline.data_dir))
        spent = {
            k: v - before.get(k, 0)
            for k, v in pipeline.metered_calls().items()
            if v != before.get(k)
        }
        assert spent == {"old:/call_back/get_call_back_failed_result": 1}
        with Inbox.in_data_dir(pipeline.data_dir) as inbox:
            events = inbox.read_after(0)
        assert len(events) == emitted and {e.source for e in events} == {"failed_push"}
        punchers = {
            row["userId"]
            for e in events
            if e.event_type == "attendance_check_record"
            for row in e.payload["dataList"]
        }
        pipeline.settle()
        assert punchers
        for userid in punchers:
            expected = pipeline.truth_points(DAY, userid)
            assert expected and pipeline.warehouse_points(DAY, userid) == expected


def test_a_disconnect_gap_makes_its_days_re_pulled(tmp_path, monkeypatch, instance):
    with emulator(datetime(2026, 11, 5, 8, 0)) as server:
        pipeline = EventPipeline.bind(server, tmp_path / "data", monkeypatch, instance)
        pipeline.load_catalogue()
        assert pipeline.start_listener(gap_threshold_s=0.5).terminate() == 0
        time.sleep(1.0)  # longer than the threshold with nobody connected
        listener = pipeline.start_listener("second.log", gap_threshold_s=0.5)
        assert listener.terminate() == 0
        with Inbox.in_data_dir(pipeline.data_dir) as inbox:
            [gap] = inbox.gaps_after(0)
        runs = pipeline.settle()
    [run] = runs
    assert run.partition_key == gap.end.date().isoformat()
    assert run.run_config["ops"]["attendance_results"]["config"]["users"] == []
    assert run.tags["attendance/users"] == "all"


def test_a_burst_of_a_thousand_events_makes_far_fewer_runs(tmp_path, monkeypatch, instance):
    with emulator(datetime(2026, 11, 15, 20, 0)) as server:
        pipeline = EventPipeline.bind(server, tmp_path / "data", monkeypatch, instance)
        pipeline.load_catalogue()
        listener = pipeline.start_listener()
        draw = random.Random(6)
        days = [
            datetime(2026, 11, 13, 9, tzinfo=SHANGHAI),
            datetime(2026, 11, 14, 9, tzinfo=SHANGHAI),
        ]
        try:
            with httpx.Client(base_url=server.control_url) as control:
                for n in range(1000):
                    moment = days[n % 2].timestamp() + draw.randint(0, 9 * 3600)
                    row = {
                        "userId": f"user{draw.randint(1, 30):04d}",
                        "checkTime": int(moment * 1000),
                    }
                    body = {"event_type": "attendance_check_record", "data": {"dataList": [row]}}
                    control.post("/emit", json=body).raise_for_status()
            pipeline.emitted += 1000
            pipeline.wait_for_events(timeout=60)
        finally:
            assert listener.terminate() == 0
        with Inbox.in_data_dir(pipeline.data_dir) as inbox:
            received = inbox.stats().received  # the 1,000 plus what the timeline had due
        # Ticks inside the coalescing window drain the burst (500 events per tick)...
        monkeypatch.setenv("ATTENDANCE_COALESCE_SECONDS", "3600")
        assert [pipeline.tick().run_requests for _ in range(3)] == [[], [], []]
        # ...and once the window has passed, one run per day carries all of it.
        monkeypatch.setenv("ATTENDANCE_COALESCE_SECONDS", "0")
        runs = pipeline.settle()
    folded = sum(int(r.tags["attendance/events"]) for r in runs)
    print(f"\nburst: {received} events -> {len(runs)} runs ({folded} refresh actions folded)")
    assert received >= 1000 and folded >= 1000
    assert sorted(r.partition_key for r in runs) == ["2026-11-13", "2026-11-14"]
