"""A merged refresh run spends only the calls of its users' own scopes (counted at the emulator):
one user's full refresh folded into another user's punch refresh costs one getcolumnval, not two."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import httpx
import pytest

from pipelines.definitions import ATTENDANCE_ASSETS
from pipelines.jobs import refresh_run_config
from pipelines.refresh.actions import RefreshDay
from pipelines.refresh.coalesce import Coalescer
from pipelines.refresh.scopes import assets_for
from sensors.attendance_events import _with_user_scopes
from tests.dagster.conftest import resources_for

pytestmark = pytest.mark.integration

UNPARTITIONED = [a for a in ATTENDANCE_ASSETS if a.partitions_def is None]
COLUMNS = "old:/topapi/attendance/getcolumnval"


def _metered(emulator) -> dict[str, int]:
    return httpx.get(f"{emulator.control_url}/stats").json()["metered_calls"]


def _run(emulator, data_dir, day: date, *refreshes: RefreshDay) -> dict[str, int]:
    coalescer = Coalescer()
    for seq, refresh in enumerate(refreshes, start=1):
        coalescer.add(refresh, seq, now=0.0)
    [due] = coalescer.pop_due(now=10.0, window_seconds=0.0)
    selection = assets_for(due.scope)
    config = _with_user_scopes(refresh_run_config(due.users, selection), due)
    before = _metered(emulator)
    result = dg.materialize(
        ATTENDANCE_ASSETS,
        selection=list(selection),
        resources=resources_for(emulator, data_dir),
        partition_key=day.isoformat(),
        run_config=config,
    )
    assert result.success
    after = _metered(emulator)
    return {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key)}


def test_a_merged_run_spends_only_each_users_own_scope(emulator, tmp_path):
    dg.materialize(UNPARTITIONED, resources=resources_for(emulator, tmp_path))
    day = emulator.config.start + timedelta(days=2)
    punch = RefreshDay(day, frozenset({"user0001", "user0002", "user0003"}), "checks")
    overtime = RefreshDay(day, frozenset({"user0004"}), "full")
    spent = _run(emulator, tmp_path, day, punch, overtime)
    assert spent[COLUMNS] == 1  # user0004 only; the punch users' scope has no report values
    alone = _run(emulator, tmp_path, day, overtime)
    assert alone[COLUMNS] == spent[COLUMNS]


def test_a_whole_day_refresh_with_one_full_user_pulls_report_values_for_that_user(
    emulator, tmp_path
):
    dg.materialize(UNPARTITIONED, resources=resources_for(emulator, tmp_path))
    day = emulator.config.start + timedelta(days=3)
    gap = RefreshDay(day, None, "approvals")
    overtime = RefreshDay(day, frozenset({"user0004"}), "full")
    spent = _run(emulator, tmp_path, day, gap, overtime)
    assert spent[COLUMNS] == 1
