"""Run a `StreamGateway` alone on loopback, in a background thread (tests, benchmarks).

The full emulator mounts the gateway in its own app; this is the smallest app that does.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from pipelines.emulator.stream.gateway import StreamGateway


def gateway_app(gateway: StreamGateway) -> Starlette:
    """A Starlette app serving only the gateway's routes, with its lifespan hooks."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):
        await gateway.startup()
        try:
            yield
        finally:
            await gateway.shutdown()

    return Starlette(routes=gateway.routes, lifespan=lifespan)


@contextlib.contextmanager
def serve_gateway(
    gateway: StreamGateway, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0
) -> Iterator[str]:
    """Serve ``gateway`` with uvicorn in a thread; yields the base URL ``http://host:port``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(gateway_app(gateway), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="stream-gateway", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the Stream gateway server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
