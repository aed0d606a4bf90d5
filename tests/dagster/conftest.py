"""Fixtures: one emulator on loopback and Dagster resources pointing at it."""

from __future__ import annotations

import pytest

from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.resources import resources_from_settings
from pipelines.settings import load_settings


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(EmulatorConfig(employees=30, days=14)) as server:
        yield server


def resources_for(server: EmulatorServer, data_dir) -> dict:
    """Resources bound to the emulator (plain values: the same fields the EnvVars fill)."""
    return resources_from_settings(
        load_settings(
            dingtalk_client_id=server.client_id,
            dingtalk_client_secret=server.client_secret,
            dingtalk_api_base_url=server.api_base_url,
            dingtalk_oapi_base_url=server.oapi_base_url,
            attendance_data_dir=str(data_dir),
        )
    )
