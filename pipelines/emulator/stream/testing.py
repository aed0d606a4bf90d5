"""Helpers to drive the gateway from tests and benchmarks: ticket requests, the official SDK in a
thread that can be stopped, and handlers that record what the SDK received.

The SDK's own entry point (`start_forever`) never returns and swallows one cancellation per
reconnect attempt, so `SdkRunner` keeps cancelling until the client's task is really done.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

# reference 9: the SDK's reconnect loop names websockets.exceptions without importing it
import websockets.exceptions  # noqa: F401
from dingtalk_stream import AckMessage, DingTalkStreamClient, EventHandler, EventMessage

from pipelines.emulator.stream.gateway import OPEN_PATH

Verdict = Literal["ack", "later", "error", "raise"]


def open_ticket(
    base_url: str, client_id: str, client_secret: str, events: bool = True
) -> tuple[str, str]:
    """Register like the SDK does; returns ``(endpoint, ticket)``; raises on a non-2xx answer."""
    subscriptions = [{"type": "EVENT", "topic": "*"}] if events else []
    body = {"clientId": client_id, "clientSecret": client_secret, "subscriptions": subscriptions}
    response = httpx.post(base_url + OPEN_PATH, json=body, timeout=5)
    response.raise_for_status()
    answer = response.json()
    return answer["endpoint"], answer["ticket"]


def sdk_ack(frame: dict) -> str:
    """The ACK SDK 0.24.3 sends for an EVENT frame it handled: code 200, payload echoed."""
    return json.dumps(
        {
            "code": 200,
            "headers": {
                "messageId": frame["headers"]["messageId"],
                "contentType": "application/json",
            },
            "message": "OK",
            "data": frame["data"],
        }
    )


@dataclass(frozen=True)
class Received:
    """One EVENT the SDK handed to a handler (headers as the SDK copied them from the frame)."""

    event_id: object
    message_id: object
    event_type: object
    data: dict


class RecordingHandler(EventHandler):
    """An SDK event handler that records every event and answers as ``decide`` says.

    ``later`` overrides the SDK's ACK with ``{"status": "LATER"}`` (as reference 4.4 suggests a
    listener should), ``error`` returns code 500, ``raise`` raises so the SDK sends no ACK.
    """

    def __init__(self, decide: Callable[[EventMessage], Verdict] | None = None) -> None:
        super().__init__()
        self.decide = decide or (lambda _event: "ack")
        self.received: list[Received] = []
        self._lock = threading.Lock()

    async def process(self, event: EventMessage):
        verdict = self.decide(event)
        with self._lock:
            self.received.append(
                Received(
                    event.headers.event_id,
                    event.headers.message_id,
                    event.headers.event_type,
                    event.data,
                )
            )
        if verdict == "raise":
            raise RuntimeError("handler refused the event (test)")
        if verdict == "error":
            return AckMessage.STATUS_SYSTEM_EXCEPTION, "error"
        return AckMessage.STATUS_OK, "later" if verdict == "later" else "OK"

    async def raw_process(self, event_message: EventMessage):
        ack = await super().raw_process(event_message)
        if ack is not None and ack.message == "later":
            ack.data = {"status": "LATER", "message": "later"}
        return ack

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)


class SdkRunner:
    """Runs `DingTalkStreamClient.start()` on its own loop in a thread; `stop()` ends it."""

    def __init__(self, client: DingTalkStreamClient) -> None:
        self.client = client
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sdk-client", daemon=True)

    def __enter__(self) -> SdkRunner:
        self._thread.start()
        self._started.wait(5)
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._task = self._loop.create_task(self.client.start())
        self._started.set()
        try:
            self._loop.run_until_complete(self._task)
        except BaseException:  # noqa: S110 - cancellation is how this thread ends
            pass
        finally:
            leftovers = asyncio.all_tasks(self._loop)  # the SDK's untracked keepalive/handlers
            for task in leftovers:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            self._loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel the client (repeatedly: the SDK swallows one cancel per retry) and join."""
        deadline = time.monotonic() + timeout
        while self._thread.is_alive() and time.monotonic() < deadline:
            task = self._task
            if task is not None and not self._loop.is_closed():
                try:
                    self._loop.call_soon_threadsafe(task.cancel)
                except RuntimeError:
                    pass  # loop closed between the check and the call
            self._thread.join(0.05)
        if self._thread.is_alive():
            raise RuntimeError("the SDK client thread did not stop")


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, every: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout``; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()
