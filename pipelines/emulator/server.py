"""`EmulatorServer`: the whole emulator (HTTP API, control, Stream gateway) on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time

import uvicorn

from pipelines.emulator.app import build_app
from pipelines.emulator.config import EmulatorConfig, Faults
from pipelines.emulator.state import EmulatorState
from pipelines.emulator.stream import GatewayConfig, StreamGateway

__all__ = ["EmulatorConfig", "EmulatorServer", "Faults", "build_gateway"]


def build_gateway(config: EmulatorConfig, corp_id: str) -> StreamGateway:
    """The Stream gateway for these credentials, announcing the org's corp id."""
    stream = config.stream if config.stream is not None else GatewayConfig(seed=config.seed)
    stream = stream.model_copy(update={"corp_id": corp_id})
    return StreamGateway({config.client_id: config.secret}, stream)


class EmulatorServer:
    """Runs the emulator with uvicorn in a background thread on `config.host` (127.0.0.1).

    Use as a context manager; once started: `api_base_url`, `oapi_base_url`, `control_url`,
    `client_id`, `client_secret`, `state` (the in-process `EmulatorState`), `gateway`.
    """

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.state: EmulatorState | None = None
        self.gateway: StreamGateway | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0

    @property
    def api_base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def oapi_base_url(self) -> str:
        return f"{self.api_base_url}/oapi"

    @property
    def control_url(self) -> str:
        return f"{self.api_base_url}/_emulator"

    @property
    def client_id(self) -> str:
        return self.config.client_id

    @property
    def client_secret(self) -> str:
        return self.config.secret

    def connection_info(self) -> dict[str, str]:
        """What a client needs: the two base URLs and the credentials."""
        return {
            "api_base_url": self.api_base_url,
            "oapi_base_url": self.oapi_base_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    def start(self, timeout: float = 15.0) -> EmulatorServer:
        """Build the org, bind the socket and serve until `stop()`."""
        state = EmulatorState(self.config)
        self.gateway = build_gateway(self.config, state.org.corp_id)
        state.gateway = self.gateway
        self.state = state
        app = build_app(state, self.gateway.routes, lifespan=self._lifespan)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self.config.host, self.config.port))
        self.port = self._socket.getsockname()[1]
        uv_config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self._server = uvicorn.Server(uv_config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="emulator",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator server did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and join the thread (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    @property
    def running(self) -> bool:
        """True while the server thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self) -> None:
        """Block until the server thread ends (the command's main loop)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app):
        assert self.gateway is not None and self.state is not None
        await self.gateway.startup()
        pump = asyncio.get_running_loop().create_task(self._pump_forever(self.state))
        try:
            yield
        finally:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
            await self.gateway.shutdown()

    async def _pump_forever(self, state: EmulatorState) -> None:
        # The clock advances on its own at `speed`; hand due events to the gateway as it does.
        while True:
            if state.clock.speed > 0:
                state.pump()
            await asyncio.sleep(self.config.pump_interval_seconds)
