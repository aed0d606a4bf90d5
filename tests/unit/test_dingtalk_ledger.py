"""The quota ledger counts calls per endpoint, day and outcome, safely across processes."""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime

import pytest

from pipelines import days as pipeline_days
from pipelines.days import SHANGHAI
from pipelines.dingtalk.counters import CallCounter
from pipelines.dingtalk.ledger import QuotaLedger


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=SHANGHAI)


def test_month_to_date_counts_billed_metered_calls_of_this_month_only(tmp_path):
    ledger = QuotaLedger(tmp_path / "ledger.sqlite")
    ledger.record("/attendance/list", True, "ok", at(3))
    ledger.record("/attendance/list", True, "ok", at(28))
    ledger.record("/attendance/list", True, "error", at(28))
    ledger.record("/attendance/list", True, "throttled", at(28))  # not billed by DingTalk
    ledger.record("/attendance/list", True, "unreachable", at(28))
    ledger.record("/attendance/list", True, "ok", at(30, month=10))  # last month
    ledger.record("/attendance/list", True, "ok", at(29))  # after `now`
    ledger.record("/gettoken", False, "ok", at(28))  # not metered
    assert ledger.month_to_date(at(28)) == {"/attendance/list": 3}
    outcomes = ledger.outcomes(date(2026, 11, 28), date(2026, 11, 28))
    assert outcomes[("/attendance/list", "throttled")] == 1
    assert outcomes[("/gettoken", "ok")] == 1


def test_month_boundary_follows_shanghai_time(tmp_path):
    ledger = QuotaLedger(tmp_path / "ledger.sqlite")
    # 2026-11-30 17:00 UTC is already 2026-12-01 in Shanghai.
    utc_evening = datetime.fromisoformat("2026-11-30T17:00:00+00:00")
    ledger.record("/attendance/list", True, "ok", utc_evening)
    assert ledger.month_to_date(at(1, month=12)) == {"/attendance/list": 1}


def test_unknown_outcomes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown outcome"):
        QuotaLedger(tmp_path / "l.sqlite").record("/x", True, "maybe")


def _record_many(path: str, count: int) -> None:
    ledger = QuotaLedger(path)
    for _ in range(count):
        ledger.record("/attendance/list", True, "ok", at(28))
    ledger.close()


def test_several_processes_add_to_one_ledger(tmp_path):
    path = str(tmp_path / "ledger.sqlite")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_record_many, args=(path, 150)) for _ in range(3)]
    for worker in workers:
        worker.start()
    _record_many(path, 150)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert QuotaLedger(path).month_to_date(at(28)) == {"/attendance/list": 600}


def test_counter_reports_what_a_block_spent():
    counter = CallCounter()
    counter.add("/attendance/list", True, "ok")
    with counter.track() as spent:
        counter.add("/attendance/list", True, "ok")
        counter.add("/attendance/list", True, "throttled")
        counter.add("/topapi/v2/user/get", False, "ok")
        counter.add("/topapi/attendance/getupdatedata", True, "error")
    assert spent.metered == {"/attendance/list": 1, "/topapi/attendance/getupdatedata": 1}
    assert spent.metered_total == 2
    assert spent.by_outcome[("/attendance/list", "throttled")] == 1


def test_calls_are_dated_by_the_pipelines_clock(tmp_path, monkeypatch):
    # A bench moves the pipeline's present (pipelines.days.pipeline_now): a call is counted on
    # the day its pull's rows say they were read, and "this month" is the simulated one.
    monkeypatch.setattr(pipeline_days, "pipeline_now", lambda: at(3))
    ledger = QuotaLedger(tmp_path / "ledger.sqlite")
    ledger.record("/attendance/list", True, "ok")
    assert ledger.outcomes(date(2026, 11, 3), date(2026, 11, 3)) == {("/attendance/list", "ok"): 1}
    assert ledger.month_to_date() == {"/attendance/list": 1}
