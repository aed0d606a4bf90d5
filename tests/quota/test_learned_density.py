"""The governor learns the punch density from the warehouse's last four weeks of punches, and
`plan` places its polls by the same density, saying which one it used."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from typer.testing import CliRunner

from pipelines.catalogue import Asset
from pipelines.cli import _register_commands, app
from pipelines.days import SHANGHAI
from pipelines.dingtalk.ledger import shanghai_now
from pipelines.quota import governor
from pipelines.quota.density import LEARN_DAYS, density_in, learned_density
from pipelines.quota.editions import edition
from pipelines.quota.plan import make_plan
from pipelines.warehouse.store import ParquetStore

TODAY = date(2026, 11, 16)


def punches(day: date, hour: int, minute: int, count: int) -> list[dict]:
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
    return [
        {"userid": f"u{i}", "record_id": i, "user_check_time": at, "check_type": "OnDuty"}
        for i in range(count)
    ]


def test_the_last_four_weeks_of_punches_place_the_polls(tmp_path):
    store = ParquetStore(tmp_path)
    for back in range(1, LEARN_DAYS + 1):
        day = TODAY - timedelta(days=back)
        store.write(Asset.ATTENDANCE_PUNCHES, punches(day, 10, 32, 400), day)
    # Older days and today's partial day are not the last four weeks: ignored.
    old = TODAY - timedelta(days=LEARN_DAYS + 1)
    store.write(Asset.ATTENDANCE_PUNCHES, punches(old, 15, 0, 50_000), old)
    store.write(Asset.ATTENDANCE_PUNCHES, punches(TODAY, 16, 0, 50_000), TODAY)
    density = learned_density(store, TODAY)
    assert density != governor.DEFAULT_DENSITY
    assert density[(2 * 60 + 30) // governor.LEARNED_BIN_MINUTES] == 1.0  # 10:30-10:45
    assert governor.poll_minutes(1, density) == [165.0]  # 10:45, after every punch


def test_without_enough_punches_the_default_density_stands(tmp_path):
    store = ParquetStore(tmp_path)
    day = TODAY - timedelta(days=1)
    store.write(Asset.ATTENDANCE_PUNCHES, punches(day, 10, 32, 10), day)
    assert learned_density(store, TODAY) == governor.DEFAULT_DENSITY
    assert learned_density(ParquetStore(tmp_path / "empty"), TODAY) == governor.DEFAULT_DENSITY


def test_plan_places_polls_by_the_density_the_sensor_will_learn(tmp_path, monkeypatch):
    today = shanghai_now().date()
    store = ParquetStore(tmp_path)
    for back in range(1, LEARN_DAYS + 1):
        day = today - timedelta(days=back)
        store.write(Asset.ATTENDANCE_PUNCHES, punches(day, 10, 32, 400), day)
    found = density_in(store, today)
    assert found.learned and found.punches == 400 * LEARN_DAYS
    assert found.bins == learned_density(store, today)
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path))
    _register_commands()
    result = CliRunner().invoke(app, ["plan", "--employees", "300", "--json", "--no-write"])
    assert result.exit_code == 0, result.output
    profile = json.loads(result.output)["profile"]
    assert profile["density"] == found.describe()
    assert "learned from 11,200 punches" in profile["density"]
    # Every punch at 10:32: a couple of polls around it meet 15 min, the default needs many more.
    learned = make_plan(300, edition("standard"), 15, found.bins).chosen
    assert profile["polls_per_day"] == learned.polls_per_day
    assert profile["p95_staleness_minutes"] == round(learned.p95_minutes, 1) <= 15
    assert learned.polls_per_day < make_plan(300, edition("standard"), 15).chosen.polls_per_day


def test_plan_says_when_it_keeps_the_default_density(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_DATA_DIR", str(tmp_path))
    _register_commands()
    result = CliRunner().invoke(app, ["plan", "--employees", "300", "--no-write"])
    assert result.exit_code == 0, result.output
    assert "punch-time density: default (hourly): 0 punches" in result.output
