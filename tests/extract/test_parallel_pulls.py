"""Report values and approvals pulled from a few threads per API write exactly the rows one
thread writes, and stay within the emulator's 20 QPS per API (real server on loopback)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from pipelines.days import DayRange
from pipelines.dingtalk.client import DingTalkClient
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.extract import loaders
from pipelines.extract.parallel import ordered_map, ordered_stream
from pipelines.warehouse import ParquetStore

TABLES = ("attendance_report_values", "attendance_approvals")


def test_ordered_map_runs_calls_side_by_side_and_keeps_input_order():
    together = threading.Barrier(3, timeout=30)  # broken unless three calls are in flight at once

    def call(item: int) -> int:
        if item < 3:
            together.wait()
        return item * 10

    assert ordered_map(call, range(8), threads=3) == [i * 10 for i in range(8)]


def test_ordered_map_raises_the_first_failure_and_cancels_the_calls_not_started():
    started: list[int] = []

    def call(item: int) -> int:
        started.append(item)
        if item == 0:
            raise ValueError("refused")
        time.sleep(0.2)  # the rest are slow calls: most are still queued when 0 fails
        return item

    with pytest.raises(ValueError, match="refused"):
        ordered_map(call, range(50), threads=2)
    assert len(started) < 50


def test_ordered_stream_submits_a_bounded_window_ahead_of_the_caller():
    drawn: list[int] = []

    def items():
        for item in range(100):
            drawn.append(item)
            yield item

    stream = ordered_stream(lambda item: item, items(), threads=2, ahead=10)
    assert next(stream) == 0
    assert len(drawn) == 11  # the window, plus the one submitted as the first was taken
    assert list(stream) == list(range(1, 100))


def _pull(server: EmulatorServer, data_dir: Path, days: DayRange, threads: int) -> set[str]:
    """Pull every table of `days` into `data_dir`; return the names of the calling threads."""
    store = ParquetStore(data_dir)
    callers: set[str] = set()
    with DingTalkClient(
        server.client_id, server.client_secret, server.api_base_url, server.oapi_base_url
    ) as client:
        original = client.get_column_values

        def recorded(*args, **kwargs):
            callers.add(threading.current_thread().name)
            return original(*args, **kwargs)

        client.get_column_values = recorded  # type: ignore[method-assign]
        loaders.load_employees(client, store)
        loaders.load_report_columns(client, store, server.state.org.admin_userid)  # type: ignore[union-attr]
        loaders.load_results(client, store, days, None)
        loaders.load_report_values(client, store, days, None, threads=threads)
        loaders.load_approvals(client, store, days, None, threads=threads)
    return callers


def _rows(data_dir: Path, days: DayRange) -> dict[tuple[str, str], list[dict]]:
    store = ParquetStore(data_dir)
    return {
        (table, day.isoformat()): [
            {k: v for k, v in row.items() if k != "pulled_at"}
            for row in store.read(table, day).to_pylist()
        ]
        for table in TABLES
        for day in days.days()
    }


@pytest.mark.integration
def test_threaded_pulls_write_the_sequential_rows_without_rejections(tmp_path):
    with EmulatorServer(EmulatorConfig(employees=40, days=14)) as server:
        days = DayRange(server.config.start, server.config.start + timedelta(days=9))
        one = _pull(server, tmp_path / "one", days, threads=1)
        many = _pull(server, tmp_path / "many", days, threads=4)
        stats = httpx.get(f"{server.control_url}/stats").json()
    assert len(one) == 1 and len(many) > 1
    sequential = _rows(tmp_path / "one", days)
    assert sum(len(rows) for rows in sequential.values()) > 0
    assert any(rows for (table, _), rows in sequential.items() if table == TABLES[1])
    assert _rows(tmp_path / "many", days) == sequential  # row for row, in order
    assert stats["rejected"].get("qps", 0) == 0
