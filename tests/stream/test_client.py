"""The hardened client: registration timeout, jittered backoff, bounded handlers, clean stop."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest
from dingtalk_stream import Credential

from pipelines.emulator.stream import GatewayConfig, StreamGateway
from pipelines.emulator.stream.standalone import serve_gateway
from pipelines.stream.client import HardenedStreamClient, backoff_delay
from pipelines.stream.config import ListenerConfig
from pipelines.stream.handler import InboxEventHandler, build_ack
from pipelines.stream.inbox import Inbox
from pipelines.stream.writer import BatchWriter


def client_for(base_url: str, tmp_path, handler=None, secret="s", **config) -> HardenedStreamClient:
    inbox = Inbox.in_data_dir(tmp_path)
    handler = handler or InboxEventHandler(inbox, BatchWriter(inbox))
    return HardenedStreamClient(
        Credential("app", secret), base_url, handler, ListenerConfig(**config)
    )


def test_backoff_grows_with_attempts_is_capped_and_jittered():
    assert all(0 <= backoff_delay(0, 1, 60) <= 1 for _ in range(100))
    assert all(0 <= backoff_delay(10, 1, 60) <= 60 for _ in range(100))
    spread = {round(backoff_delay(4, 1, 60), 3) for _ in range(50)}
    assert len(spread) > 10 and max(spread) > 8  # jittered, and larger than attempt 0 allows


@pytest.mark.integration
def test_registration_times_out_on_a_server_that_never_answers(tmp_path):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections (kernel backlog) but never answers
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        client = client_for(base, tmp_path, connect_timeout_s=0.3)
        started = time.monotonic()
        assert asyncio.run(client.open_connection_async()) is None
        assert time.monotonic() - started < 3


@pytest.mark.integration
def test_bad_credentials_back_off_and_stop_ends_the_loop_promptly(tmp_path, caplog):
    gateway = StreamGateway({"app": "right"}, GatewayConfig(ping_interval=None))
    with serve_gateway(gateway) as base:
        client = client_for(base, tmp_path, secret="wrong", backoff_initial_s=0.05)

        async def run_then_stop() -> float:
            task = asyncio.create_task(client.run())
            await asyncio.sleep(1.0)
            stopped_at = time.monotonic()
            client.stop()
            await asyncio.wait_for(task, timeout=5)
            return time.monotonic() - stopped_at

        with caplog.at_level("INFO", logger="pipelines.stream.client"):
            elapsed = asyncio.run(run_then_stop())
    attempts = [r.attempt for r in caplog.records if r.getMessage() == "reconnecting"]
    assert elapsed < 1.0
    assert attempts[:3] == [1, 2, 3]  # unhealthy sessions grow the backoff
    assert gateway.stats()["tickets_issued"] == 0
    assert "wrong" not in caplog.text  # the secret never reaches a log line


class SlowHandler(InboxEventHandler):
    """Holds every event for a while and records how many are held at once."""

    def __init__(self):
        self.counters = None
        self.running = 0
        self.peak = 0
        self.handled = 0

    async def raw_process(self, event_message):
        self.running += 1
        self.peak = max(self.peak, self.running)
        await asyncio.sleep(0.02)
        self.running -= 1
        self.handled += 1
        return build_ack(event_message.headers.message_id, "SUCCESS")


class FakeSocket:
    """Just enough of a WebSocket connection for `_pump`: frames in, ACKs out."""

    def __init__(self, frames: list[str]):
        self.frames = frames
        self.sent: list[str] = []

    def __aiter__(self):
        return self._frames()

    async def _frames(self):
        for frame in self.frames:
            yield frame

    async def send(self, text: str) -> None:
        self.sent.append(text)


def test_concurrent_handlers_are_bounded(tmp_path):
    handler = SlowHandler()
    client = client_for("http://127.0.0.1:9", tmp_path, handler=handler, max_in_flight=4)
    frames = [
        json.dumps({"type": "EVENT", "headers": {"messageId": f"m{n}"}, "data": "{}"})
        for n in range(40)
    ]
    socket_ = FakeSocket(frames)

    async def pump() -> None:
        await client._pump(socket_)
        await client._drain()

    asyncio.run(pump())
    assert handler.handled == 40 and len(socket_.sent) == 40
    assert handler.peak == 4


def test_stop_before_run_returns_without_connecting(tmp_path):
    client = client_for("http://127.0.0.1:9", tmp_path)
    client.stop()
    asyncio.run(asyncio.wait_for(client.run(), timeout=2))
    assert client.frames == 0


@pytest.mark.integration
def test_stop_abandons_a_registration_that_hangs(tmp_path):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        client = client_for(
            f"http://127.0.0.1:{silent.getsockname()[1]}", tmp_path, connect_timeout_s=60
        )

        async def run_then_stop() -> float:
            task = asyncio.create_task(client.run())
            await asyncio.sleep(0.3)
            stopped_at = time.monotonic()
            client.stop()
            await asyncio.wait_for(task, timeout=5)
            return time.monotonic() - stopped_at

        assert asyncio.run(run_then_stop()) < 1.0
