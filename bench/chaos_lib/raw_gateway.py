"""A Stream gateway that sends any text at all: hostile frames for the listener, on loopback.

The emulator's gateway only sends well-formed frames; this one registers any client, sends the
queued frames as they are (invalid JSON, 10 MB, lone surrogates) and records every ACK's
messageId and status. It answers nothing else (no pings): the listener's watchdog is long.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


class RawFrameGateway:
    """Frames queued with `send` go to the connected listener; ACKs land in `acks`."""

    def __init__(self) -> None:
        self.base_url = ""
        self.acks: dict[str, str] = {}
        self.statuses: Counter[str] = Counter()
        self.connections = 0
        self.sent = 0
        self._frames: list[str] = []
        self._lock = threading.Lock()

    def send(self, frames: list[str]) -> None:
        with self._lock:
            self._frames.extend(frames)

    def pending(self) -> int:
        with self._lock:
            return len(self._frames)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1.0/gateway/connections/open", self._open, methods=["POST"]),
                WebSocketRoute("/raw", self._connect),
            ]
        )

    async def _open(self, request: Request) -> JSONResponse:
        await request.body()
        endpoint = self.base_url.replace("http://", "ws://") + "/raw"
        return JSONResponse({"endpoint": endpoint, "ticket": "raw-ticket"})

    async def _connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.connections += 1
        reader = asyncio.create_task(self._read_acks(websocket))
        try:
            while not reader.done():
                with self._lock:
                    batch, self._frames = self._frames[:50], self._frames[50:]
                for frame in batch:
                    await websocket.send_text(frame)
                    self.sent += 1
                await asyncio.sleep(0 if batch else 0.05)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            reader.cancel()

    async def _read_acks(self, websocket: WebSocket) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                ack = json.loads(await websocket.receive_text())
                message_id = ack.get("headers", {}).get("messageId", "")
                data = ack.get("data")
                status = json.loads(data).get("status", "?") if isinstance(data, str) else "?"
                self.acks[message_id] = status
                self.statuses[status] += 1


@contextlib.contextmanager
def serve(gateway: RawFrameGateway) -> Iterator[str]:
    """Serve the gateway on 127.0.0.1 in a thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        gateway.app(), log_level="warning", ws_max_size=256 * 2**20, ws_ping_interval=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    gateway.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        yield gateway.base_url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
