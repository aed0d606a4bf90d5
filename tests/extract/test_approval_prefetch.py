"""Approvals pulled ahead by the results and report-values loaders (two spools on one file, as
two step processes have) write the rows a plain pull writes, asking each approval-day once, and
the approvals loader asks only what the spool lacks (real emulator on loopback)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx

from pipelines.days import SHANGHAI, DayRange
from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.endpoints import UPDATE_DATA
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.extract import loaders
from pipelines.extract.approval_prefetch import Prefetcher, Spool
from pipelines.warehouse import ParquetStore

APPROVALS = "attendance_approvals"


def test_each_user_day_is_claimed_once_across_spools_and_rows_round_trip(tmp_path):
    path = tmp_path / "spool.sqlite"
    first, second = Spool(path), Spool(path)
    day = date(2026, 1, 5)
    assert first.claim([("a", day), ("b", day)]) == [("a", day), ("b", day)]
    assert second.claim([("b", day), ("c", day)]) == [("c", day)]
    begin = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
    row = {"userid": "a", "begin_time": begin, "end_time": None, "duration": 1.5, "pulled_at": 1}
    first.put("a", day, [row])
    # "b" is claimed but unanswered (a failed prefetch): the approvals step must pull it.
    assert second.take() == {("a", day): [{k: v for k, v in row.items() if k != "pulled_at"}]}
    first.close()
    second.remove()
    assert not path.exists()


def _client(server: EmulatorServer) -> DingTalkClient:
    return DingTalkClient(
        server.client_id, server.client_secret, server.api_base_url, server.oapi_base_url
    )


def _catalogue(client: DingTalkClient, server: EmulatorServer, store: ParquetStore) -> None:
    loaders.load_employees(client, store)
    loaders.load_report_columns(client, store, server.state.org.admin_userid)  # type: ignore[union-attr]


def _approvals(data_dir: Path, days: DayRange) -> list[list[dict]]:
    store = ParquetStore(data_dir)
    return [
        [{k: v for k, v in row.items() if k != "pulled_at"} for row in rows.to_pylist()]
        for rows in (store.read(APPROVALS, day) for day in days.days())
    ]


def _update_data_calls(server: EmulatorServer) -> int:
    calls = httpx.get(f"{server.control_url}/stats").json()["metered_calls"]
    return sum(n for api, n in calls.items() if api.endswith(UPDATE_DATA.path))


def test_prefetched_approvals_equal_a_plain_pull_with_the_same_calls(tmp_path):
    with EmulatorServer(EmulatorConfig(employees=40, days=14)) as server:
        days = DayRange(server.config.start, server.config.start + timedelta(days=9))
        plain = ParquetStore(tmp_path / "plain")
        with _client(server) as client:
            _catalogue(client, server, plain)
            loaders.load_results(client, plain, days, None)
            loaders.load_report_values(client, plain, days, None)
            before = _update_data_calls(server)
            loaders.load_approvals(client, plain, days, None)
        plain_calls = _update_data_calls(server) - before

        ahead = ParquetStore(tmp_path / "ahead")
        spool_path = tmp_path / "spool.sqlite"
        with _client(server) as client:
            _catalogue(client, server, ahead)
            before = _update_data_calls(server)
            # Two spools on one file: the results and report-values steps' processes.
            results_spool, values_spool = Spool(spool_path), Spool(spool_path)
            results_ahead = Prefetcher(client, results_spool, None, threads=2)
            loaders.load_results(client, ahead, days, None, prefetch=results_ahead)
            values_ahead = Prefetcher(client, values_spool, None, threads=2)
            loaders.load_report_values(client, ahead, days, None, prefetch=values_ahead)
            results_ahead.wait()
            values_ahead.wait()
            prefetched = _update_data_calls(server) - before
            # One answer never parked (as after a failed prefetch): the loader asks for it alone.
            userid, day = sorted(values_spool.take())[0]
            with closing(sqlite3.connect(spool_path)) as db, db:
                db.execute(
                    "UPDATE claims SET rows = NULL WHERE userid = ? AND work_date = ?",
                    (userid, day.isoformat()),
                )
            before = _update_data_calls(server)
            loaders.load_approvals(client, ahead, days, None, spool=Spool(spool_path))
            asked_after = _update_data_calls(server) - before
    assert plain_calls > 1
    assert prefetched == plain_calls and asked_after == 1
    assert _approvals(tmp_path / "ahead", days) == _approvals(tmp_path / "plain", days)
