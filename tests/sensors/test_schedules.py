"""Settlement, sweep and reconciliation schedules launch the right range runs at the right time."""

from __future__ import annotations

import os
import time
from datetime import date, datetime

import dagster as dg

from pipelines.dingtalk.ledger import QuotaLedger
from pipelines.resources import resources_for_data_dir
from pipelines.state.failed_push_pages import FailedPushPages
from pipelines.stream.inbox import Inbox
from pipelines.stream.models import SHANGHAI
from sensors.schedules import (
    SETTLEMENT_CRON,
    day_ranges,
    failed_push_reconciliation_schedule,
    nightly_sweep_schedule,
    report_settlement_schedule,
    settlement_schedule,
    sweep_days,
)

NIGHT = datetime(2026, 11, 28, 6, 30, tzinfo=SHANGHAI)


def evaluate(schedule, when: datetime = NIGHT):
    resources = resources_for_data_dir(os.environ["ATTENDANCE_DATA_DIR"])
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=when, resources=resources
        )
        return schedule.evaluate_tick(context)


def spend(calls: int, when: datetime = NIGHT) -> None:
    """Put `calls` billed metered calls of this month into the project's quota ledger."""
    ledger = QuotaLedger.in_data_dir(os.environ["ATTENDANCE_DATA_DIR"])
    for _ in range(calls):
        ledger.record("/attendance/list", True, "ok", at=when)
    ledger.close()


def selected(run: dg.RunRequest) -> set[str]:
    return {key.to_user_string() for key in run.asset_selection}


def ranges(result) -> list[tuple[str, str, str]]:
    return [
        (
            r.tags["dagster/asset_partition_range_start"],
            r.tags["dagster/asset_partition_range_end"],
            r.tags["attendance/trigger"],
        )
        for r in result.run_requests
    ]


def test_settlement_re_pulls_d_minus_one_and_two_in_one_whole_day_run():
    result = evaluate(settlement_schedule)
    assert ranges(result) == [("2026-11-26", "2026-11-27", "settlement")]
    [run] = result.run_requests
    assert run.job_name == "attendance_refresh_job"
    assert run.run_config["ops"]["attendance_results"]["config"]["users"] == []
    assert run.run_key == "settlement:2026-11-26..2026-11-27:2026-11-28"
    # Batched endpoints only: report values (a call per user) settle weekly.
    assert "attendance_report_values" not in selected(run)
    assert {"attendance_results", "attendance_approvals", "attendance_daily"} <= selected(run)


def test_settlement_runs_after_the_warehouse_considers_a_day_settled():
    assert SETTLEMENT_CRON == "30 6 * * *"
    assert settlement_schedule.execution_timezone == "Asia/Shanghai"


def test_settlement_days_are_configurable(monkeypatch):
    monkeypatch.setenv("ATTENDANCE_SETTLEMENT_DAYS", "[1, 3]")
    assert ranges(evaluate(settlement_schedule)) == [
        ("2026-11-25", "2026-11-25", "settlement"),
        ("2026-11-27", "2026-11-27", "settlement"),
    ]


def test_the_sweep_re_pulls_the_week_the_settlement_does_not():
    assert ranges(evaluate(nightly_sweep_schedule)) == [("2026-11-21", "2026-11-25", "sweep")]


def test_the_sweep_depth_is_configurable_and_may_cover_nothing(monkeypatch):
    monkeypatch.setenv("ATTENDANCE_SWEEP_DAYS", "2")
    result = evaluate(nightly_sweep_schedule)
    assert result.run_requests == [] and "settlement" in result.skip_message


def reconcile_tick(data_dir, when: datetime = NIGHT):
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=when,
            resources=resources_for_data_dir(data_dir),
        )
        return failed_push_reconciliation_schedule.evaluate_tick(context)


def test_reconciliation_reads_the_list_only_when_it_may_hold_events(tmp_path, monkeypatch):
    assert failed_push_reconciliation_schedule.cron_schedule == "*/10 * * * *"
    assert failed_push_reconciliation_schedule.job_name == "failed_push_reconciliation_job"
    [first] = reconcile_tick(tmp_path).run_requests  # never read yet
    assert first.tags["attendance/reason"] == "never read"
    with Inbox.in_data_dir(tmp_path) as inbox, FailedPushPages.in_data_dir(tmp_path) as pages:
        connection = inbox.record_connection("listener-a", 1, gap_threshold_s=60)
        time.sleep(0.01)
        pages.save({"failed_list": [], "has_more": False})  # a read after the connection
        skipped = reconcile_tick(tmp_path)
        assert skipped.run_requests == [] and "connected" in skipped.skip_message

        monkeypatch.setenv("ATTENDANCE_FAILED_PUSH_MAX_INTERVAL_SECONDS", "0.001")
        assert reconcile_tick(tmp_path).run_requests  # a periodic read all the same
        monkeypatch.delenv("ATTENDANCE_FAILED_PUSH_MAX_INTERVAL_SECONDS")

        inbox.record_disconnection(connection.id, "test")
        [run] = reconcile_tick(tmp_path).run_requests
        assert run.tags["attendance/reason"] == "no listener connected"
        inbox.record_connection("listener-a", 1, gap_threshold_s=60)
        [run] = reconcile_tick(tmp_path).run_requests
        assert "disconnected" in run.tags["attendance/reason"]


def test_day_ranges_group_consecutive_days():
    days = [date(2026, 11, d) for d in (5, 1, 2, 3)]
    assert day_ranges(days) == [
        (date(2026, 11, 1), date(2026, 11, 3)),
        (date(2026, 11, 5), date(2026, 11, 5)),
    ]
    assert sweep_days(date(2026, 11, 28), 3, [1]) == [date(2026, 11, 26), date(2026, 11, 25)]


def test_report_values_are_re_pulled_weekly_and_at_month_close():
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=SHANGHAI)
    result = evaluate(report_settlement_schedule, monday)
    assert ranges(result) == [("2026-11-23", "2026-11-29", "report_settlement")]
    assert "attendance_report_values" in selected(result.run_requests[0])
    month_close = datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI)
    assert ranges(evaluate(report_settlement_schedule, month_close)) == [
        ("2026-11-01", "2026-11-30", "report_settlement")
    ]
    tuesday = datetime(2026, 12, 1, 7, 0, tzinfo=SHANGHAI)
    assert evaluate(report_settlement_schedule, tuesday).run_requests == []


def test_the_sweep_yields_to_the_monthly_quota_and_resumes_on_pace(monkeypatch):
    monkeypatch.setenv("DINGTALK_MONTHLY_API_QUOTA", "100")
    spend(60)  # by the 28th: projects to ~66 of 100, under the 80 % line
    assert ranges(evaluate(nightly_sweep_schedule)) == [("2026-11-21", "2026-11-25", "sweep")]
    spend(30)  # 90 by the 28th projects to ~99: the sweep keeps the rest for events
    result = evaluate(nightly_sweep_schedule)
    assert result.run_requests == []
    assert "ATTENDANCE_DISCRETIONARY_QUOTA_SHARE" in result.skip_message
    monkeypatch.setenv("ATTENDANCE_DISCRETIONARY_QUOTA_SHARE", "1.0")
    assert evaluate(nightly_sweep_schedule).run_requests


def test_month_close_report_settlement_runs_even_over_budget(monkeypatch):
    monkeypatch.setenv("DINGTALK_MONTHLY_API_QUOTA", "100")
    month_close = datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI)
    spend(95, month_close)
    assert ranges(evaluate(report_settlement_schedule, month_close)) == [
        ("2026-11-01", "2026-11-30", "report_settlement")
    ]
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=SHANGHAI)
    spend(95, monday)
    assert evaluate(report_settlement_schedule, monday).run_requests == []
