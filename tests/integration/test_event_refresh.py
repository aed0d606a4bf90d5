"""End to end over loopback: emulator -> official-SDK listener -> inbox -> events sensor ->
Dagster runs -> warehouse, for punches, approvals (finish, revoke, make-up punch on a holiday),
failed pushes while the listener is down, and a connection gap."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import pytest

from pipelines.stream.inbox import Inbox
from pipelines.warehouse import ParquetStore
from tests.sensors.pipeline import EventPipeline, emulator

pytestmark = pytest.mark.integration


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def test_punch_events_reach_attendance_results(tmp_path, monkeypatch, instance):
    with emulator(datetime(2026, 11, 5, 8, 0)) as server:
        pipeline = EventPipeline.bind(server, tmp_path / "data", monkeypatch, instance)
        pipeline.load_catalogue()
        listener = pipeline.start_listener()
        try:
            pipeline.advance_to("2026-11-05T09:30:00")
            pipeline.wait_for_events()
        finally:
            assert listener.terminate() == 0
        with Inbox.in_data_dir(pipeline.data_dir) as inbox:
            punchers = {
                row["userId"]
                for event in inbox.read_after(0)
                if event.event_type == "attendance_check_record"
                for row in event.payload["dataList"]
            }
        assert punchers
        runs = pipeline.settle()
        [refresh] = [r for r in runs if r.job_name == "attendance_refresh_job"]
        assert refresh.partition_key == "2026-11-05"
        assert set(refresh.run_config["ops"]["attendance_results"]["config"]["users"]) == punchers
        for userid in punchers:
            expected = pipeline.truth_points("2026-11-05", userid)
            assert expected and pipeline.warehouse_points("2026-11-05", userid) == expected
        # Once the refresh succeeded, the run-status sensor rebuilt its month, and only it.
        [monthly] = [r for r in pipeline.launched if r.job_name == "attendance_monthly_marts_job"]
        assert monthly.tags["dagster/asset_partition_range_start"] == "2026-11-01"
        assert monthly.tags["dagster/asset_partition_range_end"] == "2026-11-01"
        marts = instance.get_materialized_partitions(dg.AssetKey("attendance_monthly"))
        assert marts == {"2026-11-01"}


def _approvals(pipeline: EventPipeline, day: str, userid: str) -> set[str]:
    rows = ParquetStore(pipeline.data_dir).read("attendance_approvals", day).to_pylist()
    return {row["proc_inst_id"] for row in rows if row["userid"] == userid}


def _truth_approvals(pipeline: EventPipeline, day: str, userid: str) -> set[str]:
    [employee_day] = [d for d in pipeline.truth(day) if d["userid"] == userid]
    return {approval["proc_inst_id"] for approval in employee_day["approvals"]}


ANNUAL_LEAVE = ("user0021", ("2026-11-05", "2026-11-06", "2026-11-09"))  # 年假, approved 11-03
LIEU_LEAVE = ("user0008", "2026-11-06")  # 调休 approved 11-04 20:45, revoked 11-05 20:30


def test_a_finished_leave_refreshes_its_days_and_a_revoked_one_disappears(
    tmp_path, monkeypatch, instance
):
    with emulator(datetime(2026, 11, 3, 20, 0)) as server:
        pipeline = EventPipeline.bind(server, tmp_path / "data", monkeypatch, instance)
        pipeline.load_catalogue()
        listener = pipeline.start_listener()
        try:
            pipeline.advance_to("2026-11-03T21:00:00")
            pipeline.wait_for_events()
            pipeline.settle()
            userid, days = ANNUAL_LEAVE
            for day in days:
                expected = _truth_approvals(pipeline, day, userid)
                assert expected and _approvals(pipeline, day, userid) == expected

            userid, day = LIEU_LEAVE
            pipeline.advance_to("2026-11-04T21:00:00")
            pipeline.wait_for_events()
            pipeline.settle()
            approved = _approvals(pipeline, day, userid)
            assert approved and approved == _truth_approvals(pipeline, day, userid)

            pipeline.advance_to("2026-11-05T21:00:00")
            pipeline.wait_for_events()
            runs = pipeline.settle()
        finally:
            assert listener.terminate() == 0
        resolved = [r for r in runs if r.job_name == "approval_resolution_job"]
        statuses = {
            i["status"]
            for r in resolved
            for i in r.run_config["ops"]["approval_resolution"]["config"]["instances"]
        }
        assert "terminate" in statuses
        assert _approvals(pipeline, day, userid) == _truth_approvals(pipeline, day, userid)
        assert not approved & _approvals(pipeline, day, userid)


def test_a_make_up_punch_approved_on_a_holiday_appears(tmp_path, monkeypatch, instance):
    userid, day = "user0009", "2026-11-02"  # night shift whose OffDuty (11-03 06:00) was missed
    with emulator(datetime(2026, 11, 4, 10, 0)) as server:
        pipeline = EventPipeline.bind(server, tmp_path / "data", monkeypatch, instance)
        pipeline.load_catalogue()
        pipeline.execute(
            dg.RunRequest(job_name="attendance_refresh_job", partition_key=day, run_key="base")
        )
        before = pipeline.warehouse_points(day, userid)
        assert ("OffDuty", "NotSigned") in {(p[0], p[1]) for p in before}
        listener = pipeline.start_listener()
        try:
            pipeline.advance_to("2026-11-04T10:10:00")
            pipeline.wait_for_events()
        finally:
            assert listener.terminate() == 0
        with Inbox.in_data_dir(pipeline.data_dir) as inbox:
            events = inbox.read_after(0)
        assert not [e for e in events if e.event_type == "attendance_check_record"]
        assert any(e.payload.get("bizCategoryId") == "attendance.supply" for e in events)
        pipeline.settle()
        after = pipeline.warehouse_points(day, userid)
        assert after == pipeline.truth_points(day, userid)
        assert ("OffDuty", "Normal", "APPROVE") in {p[:3] for p in after}
