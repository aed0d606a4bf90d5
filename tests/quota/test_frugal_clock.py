"""The frugal pull judges "past DingTalk's cut-off" and stamps `pulled_at` by the pipeline's
present (`pipelines.days.pipeline_now`), as the other loaders do: under an emulator clock that is
not the machine's (bench/month_real.py), a morning pull must not read the day as closed."""

from __future__ import annotations

from datetime import date, datetime, time

import dagster as dg
import pytest

from pipelines import days as pipeline_days
from pipelines.catalogue import Asset
from pipelines.days import SHANGHAI
from pipelines.definitions import ATTENDANCE_ASSETS, CATALOGUE_ASSETS, DAILY_ASSETS
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.quota.editions import edition
from pipelines.quota.plan import make_plan
from pipelines.quota.profile import write_profile
from pipelines.warehouse import ParquetStore
from tests.dagster.conftest import resources_for

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 5)  # a Thursday, a work day of the emulator starting Nov 1
MORNING = datetime.combine(DAY, time(10), SHANGHAI)


def test_a_morning_pull_is_dated_and_judged_by_the_pipelines_clock(tmp_path, monkeypatch):
    write_profile(tmp_path / "profile.json", make_plan(20, edition("standard"), 15).profile())
    monkeypatch.delenv("ATTENDANCE_PROFILE", raising=False)
    monkeypatch.setattr(pipeline_days, "pipeline_now", lambda: MORNING)
    config = EmulatorConfig(employees=20, start=date(2026, 11, 1), days=7, clock_start=MORNING)
    with EmulatorServer(config) as server:
        resources = resources_for(server, tmp_path)
        assert dg.materialize(CATALOGUE_ASSETS, resources=resources).success
        daily = dg.materialize(
            ATTENDANCE_ASSETS,
            selection=[a.key for a in DAILY_ASSETS],
            partition_key=DAY.isoformat(),
            resources=resources,
        )
    assert daily.success
    store = ParquetStore(tmp_path)
    results = store.read(Asset.ATTENDANCE_RESULTS, DAY).to_pylist()
    assert results and {row["pulled_at"] for row in results} == {MORNING}
    # 10:00: the evening's OffDuty is before its cut-off, so DingTalk shows it missing nowhere.
    off = [r for r in results if r["check_type"] == "OffDuty"]
    assert not [r for r in off if r["time_result"] == "NotSigned"]
    rows = store.read(Asset.ATTENDANCE_DAILY, DAY).to_pylist()
    scheduled = [row for row in rows if row["scheduled"]]
    assert scheduled and not any(row["settled"] for row in scheduled)
    assert not any(row["off_missing_count"] for row in rows)
    approvals = store.read(Asset.ATTENDANCE_APPROVALS, DAY).to_pylist()
    assert approvals and {row["pulled_at"] for row in approvals} == {MORNING}
