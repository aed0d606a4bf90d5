"""Report values and results are converted and held per batch, not per range: the report-values
loader stages at most B users at a time and publishes no partition before every user was asked,
and what it writes equals a one-batch pull (emulator API in process, no socket)."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta

import pytest

from pipelines.days import DayRange
from pipelines.dingtalk.client import DingTalkClient
from pipelines.emulator.app import mock_transport
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.state import EmulatorState
from pipelines.extract import loaders
from pipelines.extract.report_batches import user_batches
from pipelines.warehouse import ParquetStore
from pipelines.warehouse.staging import ORPHAN_SECONDS, STAGING_DIR, DayStage

RV = "attendance_report_values"
EMPLOYEES = 30


@pytest.fixture(scope="module")
def state():
    return EmulatorState(EmulatorConfig(employees=EMPLOYEES, days=14))


@pytest.fixture
def client(state):
    config = state.config
    with DingTalkClient(
        config.client_id,
        config.secret,
        "http://emu",
        "http://emu/oapi",
        transport=mock_transport(state),
    ) as client:
        yield client


def _store(path, state, client) -> ParquetStore:
    store = ParquetStore(path)
    loaders.load_employees(client, store)
    loaders.load_report_columns(client, store, state.org.admin_userid)
    return store


def _partitions(store: ParquetStore, days: DayRange) -> dict[str, list[dict]]:
    return {day.isoformat(): store.read(RV, day).to_pylist() for day in days.days()}


def test_report_values_are_staged_per_batch_and_published_whole(
    client, state, tmp_path, monkeypatch
):
    days = DayRange(state.config.start, state.config.start + timedelta(days=9))
    whole = _store(tmp_path / "whole", state, client)
    loaders.load_report_values(client, whole, days, None, batch_users=1000)

    batched = _store(tmp_path / "batched", state, client)
    batches: list[set[str]] = []
    published_while_staging: list[int] = []
    original = DayStage.add

    def add(stage: DayStage, by_day) -> None:
        batches.append({row["userid"] for found in by_day.values() for row in found})
        published_while_staging.append(sum(batched.read(RV, d).num_rows for d in days.days()))
        original(stage, by_day)

    monkeypatch.setattr(DayStage, "add", add)
    counts = loaders.load_report_values(client, batched, days, None, batch_users=7)

    assert [len(users) for users in batches] == [7, 7, 7, 7, 2]
    assert set().union(*batches) == {e.userid for e in state.org.employees}
    assert published_while_staging == [0] * len(batches)  # no partition seen half-written
    assert _partitions(batched, days) == _partitions(whole, days)
    assert sum(counts.values()) > EMPLOYEES * len(days.days())
    assert not any((tmp_path / "batched" / STAGING_DIR).rglob("*.parquet"))


def test_user_batches_keep_a_users_tasks_together():
    tasks = [("values", "a"), ("leave", "a"), ("values", "b"), ("values", "c"), ("leave", "c")]
    day = date(2026, 11, 2)
    answers = [{day: [{"userid": userid, "api": api}]} for api, userid in tasks]
    batches = list(user_batches(tasks, answers, 2))
    users = [sorted({row["userid"] for row in batch[day]}) for batch in batches]
    assert users == [["a", "b"], ["c"]]
    assert [len(batch[day]) for batch in batches] == [3, 2]


def test_a_stage_left_by_a_killed_loader_is_removed_by_the_next(tmp_path):
    store = ParquetStore(tmp_path)
    with DayStage(store, RV) as running:
        old = running.folder.parent / "killed"
        old.mkdir()
        day_ago = time.time() - ORPHAN_SECONDS - 60
        os.utime(old, (day_ago, day_ago))
        with DayStage(store, RV):
            assert not old.exists() and running.folder.exists()
    assert not running.folder.exists()
