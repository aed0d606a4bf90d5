"""The calls of a block are counted with the work dates they asked about, and a run's calls are
attributed to its days by those dates (even shares within a call; the shares add up)."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

import pytest

from pipelines.days import SHANGHAI
from pipelines.dingtalk import DingTalkClient
from pipelines.dingtalk.counters import CallCounter, calls_per_day, covering
from pipelines.emulator.app import mock_transport
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.state import EmulatorState

NOV = [date(2026, 11, 1) + timedelta(days=n) for n in range(14)]


def test_each_window_of_a_range_pull_is_counted_with_its_days(fake, make_client):
    client = make_client()
    with client.track_calls() as spent:
        client.list_attendance_results(["u1", "u2"], NOV[0], NOV[9])
    # Two windows (7 days, then 3), each one page: every call is counted with its window.
    assert spent.metered_by_days == {(NOV[0], NOV[6]): 1, (NOV[7], NOV[9]): 1}
    assert fake.count("/attendance/list") == 2


def test_a_day_probe_and_a_leave_window_name_their_own_days():
    state = EmulatorState(EmulatorConfig(employees=3, days=14))
    config, first = state.config, state.config.start
    userid = state.org.employees[0].userid
    transport = mock_transport(state)
    with (
        DingTalkClient(
            config.client_id, config.secret, "http://emu", "http://emu/oapi", transport=transport
        ) as client,
        client.track_calls() as spent,
    ):
        client.get_update_data(userid, first + timedelta(days=3))
        start = datetime.combine(first, time(), tzinfo=SHANGHAI)
        client.get_leave_status([userid], start, start + timedelta(days=3))
    # The leave window ends at midnight after its third day: that day is its last.
    assert spent.metered_by_days == {
        (first + timedelta(days=3), first + timedelta(days=3)): 1,
        (first, first + timedelta(days=2)): 1,
    }


def test_calls_outside_a_covering_block_name_no_days_and_threads_keep_their_own():
    counter = CallCounter()
    mark = counter.mark()

    def in_thread() -> None:
        with covering(NOV[5], NOV[5]):
            counter.add("/attendance/list", True, "ok")

    with covering(NOV[0], NOV[6]):
        counter.add("/attendance/list", True, "ok")
        worker = threading.Thread(target=in_thread)
        worker.start()
        worker.join()
    counter.add("/topapi/attendance/getattcolumns", True, "ok")
    counter.add("/attendance/list", True, "throttled")  # not billed: not attributed
    spent = counter.since(mark)
    assert spent.metered_by_days == {(NOV[0], NOV[6]): 1, (NOV[5], NOV[5]): 1, None: 1}


def test_shares_follow_the_days_each_call_covered_and_add_up_to_the_calls():
    by_days = {(NOV[0], NOV[6]): 7, (NOV[7], NOV[13]): 14, (NOV[2], NOV[2]): 3}
    shares = calls_per_day(by_days, NOV)
    assert shares[NOV[0]] == pytest.approx(1.0)
    assert shares[NOV[2]] == pytest.approx(4.0)
    assert shares[NOV[13]] == pytest.approx(2.0)
    assert sum(shares.values()) == pytest.approx(24)


def test_calls_without_days_or_outside_the_run_are_spread_over_every_day():
    run = NOV[:4]
    shares = calls_per_day({None: 2, (NOV[10], NOV[12]): 2, (NOV[3], NOV[5]): 1}, run)
    # 4 calls over 4 days evenly; the call over the 4th..6th has only the 4th in the run.
    assert shares == {NOV[0]: 1.0, NOV[1]: 1.0, NOV[2]: 1.0, NOV[3]: 2.0}
