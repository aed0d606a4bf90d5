"""Fixtures: a warehouse loaded from a small emulated org through the Dagster assets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import CATALOGUE_ASSETS
from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from tests.dagster.conftest import materialize_range, resources_for

MONTH = "2026-11"  # the emulator's (and the demo's) month


@dataclass(frozen=True)
class Loaded:
    """The loaded data dir, the range run's result and the window it covered."""

    data_dir: Path
    result: dg.ExecuteInProcessResult
    first: date
    last: date


@pytest.fixture(scope="session")
def loaded(tmp_path_factory) -> Loaded:
    """12 employees x 14 days of the emulator, loaded as `dingtalk-attendance sync` would."""
    data_dir = tmp_path_factory.mktemp("reports") / "data"
    with EmulatorServer(EmulatorConfig(employees=12, days=14)) as server:
        resources = resources_for(server, data_dir)
        first = server.config.start
        last = first + timedelta(days=server.config.days - 1)
        dg.materialize(CATALOGUE_ASSETS, resources=resources)
        result = materialize_range(resources, first, last)
    return Loaded(data_dir, result, first, last)


def mart_rows(data_dir: Path, sql: str, params: list | None = None) -> list[dict]:
    """Rows of `sql` over the warehouse views, as dicts (read-only, like an analyst)."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as connection:
        connection.execute("SET TimeZone = 'Asia/Shanghai'")
        cursor = connection.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
