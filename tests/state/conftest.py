"""Every state test runs on both backends: SQLite in a temporary data dir, and PostgreSQL in
a schema of its own (random name, dropped afterwards)."""

from __future__ import annotations

import pytest

from pipelines.state.factory import StateLocation
from tests.services import postgres_schema

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture
def postgres_url():
    with postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_state(tmp_path, postgres_url) -> StateLocation:
    return StateLocation(tmp_path / "data", postgres_url)


@pytest.fixture(params=BACKENDS)
def state(request, tmp_path) -> StateLocation:
    if request.param == "sqlite":
        return StateLocation(tmp_path / "data")
    return StateLocation(tmp_path / "data", request.getfixturevalue("postgres_url"))


@pytest.fixture
def inbox(state):
    with state.inbox() as opened:
        yield opened


@pytest.fixture
def pages(state):
    with state.failed_push_pages() as opened:
        yield opened
