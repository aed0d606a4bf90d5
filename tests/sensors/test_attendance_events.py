"""The events sensor drains a real inbox into coalesced, well-keyed run requests (no API call)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, datetime, timedelta

import dagster as dg
import pytest

from pipelines import days as pipeline_days
from pipelines.definitions import defs
from pipelines.jobs import REFRESH_ASSETS
from pipelines.refresh.requests import RefreshRequest
from pipelines.refresh.tick import REFRESH_REQUEST_EVENT, SensorCursor
from pipelines.resources import resources_for_data_dir
from pipelines.state.plan_cache import SqlitePlanCache
from pipelines.state.refresh_requests import RefreshRequestQueue
from pipelines.stream.inbox import Inbox
from pipelines.stream.models import SHANGHAI, NewEvent
from sensors.attendance_events import SENSOR_NAME, attendance_events_sensor

DAY = date(2026, 11, 2)


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def inbox(data_dir):
    with Inbox.in_data_dir(data_dir) as opened:
        yield opened


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


@pytest.fixture(autouse=True)
def _no_window(monkeypatch):
    monkeypatch.setenv("ATTENDANCE_COALESCE_SECONDS", "0")


def _ms(day: date, hour: int, minute: int = 0) -> int:
    return int(
        datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).timestamp() * 1000
    )


def _event(event_type: str, payload: dict, source: str = "stream") -> NewEvent:
    return NewEvent(
        event_id=uuid.uuid4().hex,
        event_type=event_type,
        born_at=datetime.now(tz=SHANGHAI),
        payload=payload,
        source=source,
    )


def punch(userid: str, day: date = DAY, hour: int = 9) -> NewEvent:
    return _event(
        "attendance_check_record", {"dataList": [{"userId": userid, "checkTime": _ms(day, hour)}]}
    )


DEFINITIONS = defs


def selected(run: dg.RunRequest) -> set[str]:
    return {key.to_user_string() for key in run.asset_selection}


def tick(data_dir, instance, cursor: str | None = None):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources=resources_for_data_dir(data_dir),
        definitions=DEFINITIONS,
    )
    return attendance_events_sensor.evaluate_tick(context)


def test_punches_of_one_day_become_one_targeted_run(data_dir, inbox, instance):
    inbox.add([punch("u1"), punch("u2"), punch("u1", hour=18)])
    result = tick(data_dir, instance)
    [run] = result.run_requests
    assert run.job_name == "attendance_refresh_job" and run.partition_key == "2026-11-02"
    assert run.run_config["ops"]["attendance_results"]["config"]["users"] == ["u1", "u2"]
    assert run.run_key == "refresh:2026-11-02:3-0-0"
    assert run.tags["attendance/events"] == "3" and run.tags["attendance/users"] == "2"
    # A punch changes check points only: report values (a call per user) are not re-pulled.
    # The monthly marts follow in their own run once this one succeeded (monthly_marts_sensor).
    assert selected(run) == {"attendance_results", "attendance_punches", "attendance_daily"}
    assert SensorCursor.from_json(result.cursor).seq == 3
    assert inbox.consumed_seq(SENSOR_NAME) == 3


def test_events_wait_for_the_window_then_launch_once(data_dir, inbox, instance, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_COALESCE_SECONDS", "3600")
    inbox.add([punch("u1")])
    first = tick(data_dir, instance)
    assert first.run_requests == [] and "waiting" in first.skip_message
    inbox.add([punch("u2")])
    second = tick(data_dir, instance, first.cursor)
    assert second.run_requests == []
    monkeypatch.setenv("ATTENDANCE_COALESCE_SECONDS", "0")
    [run] = tick(data_dir, instance, second.cursor).run_requests
    assert run.run_config["ops"]["attendance_results"]["config"]["users"] == ["u1", "u2"]


def test_a_later_event_for_the_same_day_gets_a_new_run_key(data_dir, inbox, instance):
    inbox.add([punch("u1")])
    first = tick(data_dir, instance)
    inbox.add([punch("u1", hour=18)])
    second = tick(data_dir, instance, first.cursor)
    assert first.run_requests[0].run_key != second.run_requests[0].run_key


def test_evaluating_the_same_cursor_again_gives_the_same_run_keys(data_dir, inbox, instance):
    inbox.add([punch("u1"), punch("u2", day=DAY + timedelta(days=1))])
    keys = [sorted(r.run_key for r in tick(data_dir, instance).run_requests) for _ in range(2)]
    assert keys[0] == keys[1] and len(keys[0]) == 2


def test_approval_events_launch_resolution_runs_without_calling_dingtalk(data_dir, inbox, instance):
    change = {"processInstanceId": "p1", "status": "finish", "approveType": "LEAVE"}
    bpms = {"processInstanceId": "p2", "type": "terminate", "bizCategoryId": "attendance.supply"}
    inbox.add(
        [
            _event("attendance_approve_status_change", change),
            _event("attendance_approve_status_change", change),  # same instance and status
            _event("bpms_instance_change", bpms),
            _event(
                "attendance_approve_status_change",
                {**change, "processInstanceId": "p3", "status": "start"},
            ),
        ]
    )
    [run] = tick(data_dir, instance).run_requests
    assert run.job_name == "approval_resolution_job" and run.run_key == "approvals:1-3"
    assert run.tags["dagster/max_retries"] == "3"  # the cursor moved on: retry, not forget
    instances = run.run_config["ops"]["approval_resolution"]["config"]["instances"]
    assert [(i["process_instance_id"], i["status"]) for i in instances] == [
        ("p1", "finish"),
        ("p2", "terminate"),
    ]


def test_column_change_refreshes_the_catalogue(data_dir, inbox, instance):
    inbox.add([_event("attendance_report_column_change", {"columnId": "1", "type": "ADD"})])
    [run] = tick(data_dir, instance).run_requests
    assert run.job_name == "report_columns_job" and run.run_key == "report-columns:1"


def test_refresh_requests_and_request_events_join_the_same_coalescing(data_dir, inbox, instance):
    with RefreshRequestQueue.in_data_dir(data_dir) as queue:
        queue.add([RefreshRequest(DAY, frozenset({"u9"}), "approval p1 finish")])
    payload = {"workDates": ["2026-11-02"], "userIds": ["u8"]}
    inbox.add([punch("u1"), _event(REFRESH_REQUEST_EVENT, payload)])
    [run] = tick(data_dir, instance).run_requests
    assert run.run_config["ops"]["attendance_results"]["config"]["users"] == ["u1", "u8", "u9"]
    assert run.run_key == "refresh:2026-11-02:2-1-0"
    assert "attendance_report_values" in selected(run)  # an approval changes leave hours


def test_a_connection_gap_refreshes_the_whole_days_it_covered(data_dir, inbox, instance):
    connection = inbox.record_connection("listener-a", 1, gap_threshold_s=0)
    inbox.record_disconnection(connection.id, "test")
    time.sleep(0.01)  # the journal counts a gap only when time passed with nobody connected
    reconnected = inbox.record_connection("listener-a", 1, gap_threshold_s=0)
    assert reconnected.gap is not None
    [run] = tick(data_dir, instance).run_requests
    assert run.partition_key == reconnected.gap.end.date().isoformat()
    assert run.run_config["ops"]["attendance_results"]["config"]["users"] == []
    assert run.tags["attendance/users"] == "all"
    assert selected(run) == set(REFRESH_ASSETS) - {"attendance_report_values"}


def test_a_tick_reads_a_bounded_batch(data_dir, inbox, instance, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_SENSOR_BATCH", "10")
    inbox.add([punch(f"u{n}") for n in range(25)])
    first = tick(data_dir, instance)
    assert SensorCursor.from_json(first.cursor).seq == 10
    second = tick(data_dir, instance, first.cursor)
    assert SensorCursor.from_json(second.cursor).seq == 20


def test_a_burst_of_a_thousand_events_makes_a_handful_of_runs(data_dir, inbox, instance):
    days = [DAY + timedelta(days=n) for n in range(3)]
    inbox.add([punch(f"u{n % 40}", day=days[n % 3], hour=9 + n % 9) for n in range(1000)])
    cursor, runs = None, []
    for _ in range(3):  # the default batch of 500 drains the burst in two ticks
        result = tick(data_dir, instance, cursor)
        cursor, runs = result.cursor, runs + list(result.run_requests)
    assert len({r.run_key for r in runs}) == len(runs) <= 6
    assert sum(int(r.tags["attendance/events"]) for r in runs) == 1000


def test_unknown_and_useless_events_skip_with_a_reason(data_dir, inbox, instance):
    inbox.add([_event("user_add_org", {"userId": ["u1"]})])
    result = tick(data_dir, instance)
    assert result.run_requests == [] and "nothing to refresh" in result.skip_message
    again = tick(data_dir, instance, result.cursor)
    assert again.skip_message == "no new events"


def test_days_before_the_first_partition_are_skipped(data_dir, inbox, instance):
    inbox.add([punch("u1", day=date(2020, 1, 6))])
    result = tick(data_dir, instance)
    assert result.run_requests == []
    assert json.loads(result.cursor)["pending"] == {}


def test_a_group_change_forgets_the_plans_polls_keep(data_dir, inbox, instance):
    today = datetime.now(tz=SHANGHAI).date()
    with SqlitePlanCache.in_data_dir(data_dir) as plans:
        plans.write(today, {"u1": "{}", "u2": "{}"}, plans.marker())
        plans.write(today - timedelta(days=1), {"u1": "{}"}, plans.marker())
    inbox.add([punch("u1")])
    first = tick(data_dir, instance)
    with SqlitePlanCache.in_data_dir(data_dir) as plans:
        assert set(plans.read(today, ["u1", "u2"])) == {"u1", "u2"}  # a punch changes no plan
    inbox.add([_event("attend_group_change", {"id": 11112222, "action": "attend_group_update"})])
    result = tick(data_dir, instance, first.cursor)
    assert not result.run_requests  # nothing to re-pull now: the next poll re-reads the plans
    with SqlitePlanCache.in_data_dir(data_dir) as plans:
        assert plans.read(today, ["u1", "u2"]) == {}
        assert set(plans.read(today - timedelta(days=1), ["u1"])) == {"u1"}


def test_days_after_the_pipelines_today_are_skipped(data_dir, inbox, instance, monkeypatch):
    # Today is the pipeline's (a bench's simulated day), not the machine's: no partition exists
    # after it, so an event naming a later day (a leave approved ahead) refreshes nothing yet.
    monkeypatch.setattr(
        pipeline_days, "pipeline_now", lambda: datetime(2026, 11, 2, 12, tzinfo=SHANGHAI)
    )
    inbox.add([punch("u1"), punch("u2", day=DAY + timedelta(days=2))])
    [run] = tick(data_dir, instance).run_requests
    assert run.partition_key == DAY.isoformat()
