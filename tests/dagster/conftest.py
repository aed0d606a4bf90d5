"""Fixtures: one emulator on loopback and Dagster resources pointing at it."""

from __future__ import annotations

import pytest

from pipelines.emulator.server import EmulatorConfig, EmulatorServer
from pipelines.resources import DingTalkResource, WarehouseResource


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(EmulatorConfig(employees=30, days=14)) as server:
        yield server


def resources_for(server: EmulatorServer, data_dir) -> dict:
    """Resources bound to the emulator (plain values: the same fields the EnvVars fill)."""
    return {
        "dingtalk": DingTalkResource(
            client_id=server.client_id,
            client_secret=server.client_secret,
            api_base_url=server.api_base_url,
            oapi_base_url=server.oapi_base_url,
            qps_per_api="20",
            data_dir=str(data_dir),
        ),
        "warehouse": WarehouseResource(data_dir=str(data_dir)),
    }
