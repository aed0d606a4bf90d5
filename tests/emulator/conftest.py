"""Fixtures of the emulator tests: an in-process emulator reached through httpx.MockTransport."""

from __future__ import annotations

import httpx
import pytest

from pipelines.emulator.app import mock_transport
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.state import EmulatorState


class Emu:
    """An emulator state, an httpx client on it and a token, with call helpers."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.state = EmulatorState(config)
        self.http = httpx.Client(transport=mock_transport(self.state), base_url="http://emu")
        self.token = self.http.get(
            "/oapi/gettoken",
            params={"appkey": self.state.client_id, "appsecret": self.state.client_secret},
        ).json()["access_token"]

    def oapi(self, path: str, body: dict | None = None, **kwargs) -> dict:
        response = self.http.post(
            "/oapi" + path, params={"access_token": self.token}, json=body or {}, **kwargs
        )
        assert response.status_code == 200
        return response.json()

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"x-acs-dingtalk-access-token": self.token}
        return self.http.request(method, path, headers=headers, **kwargs)

    def control(self, method: str, name: str, **kwargs) -> httpx.Response:
        return self.http.request(method, f"/_emulator/{name}", **kwargs)


@pytest.fixture
def emu_factory():
    made: list[Emu] = []

    def make(**overrides) -> Emu:
        emu = Emu(EmulatorConfig(**overrides))
        made.append(emu)
        return emu

    yield make
    for emu in made:
        emu.http.close()


@pytest.fixture
def emu(emu_factory) -> Emu:
    return emu_factory()
