"""The emulator's clock and the listener process, as the live part of the demo drives them."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import Any

import httpx

from pipelines.demo.processes import Child, ProcessGroup

SETTLE_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 30.0
POLL_S = 0.1


class DemoError(Exception):
    """The demo cannot go on; the message says what went wrong, in one line."""


class EmulatorControl:
    """The emulator's control endpoints (`/_emulator/...`), loopback only."""

    def __init__(self, control_url: str) -> None:
        self._http = httpx.Client(base_url=control_url, timeout=30)

    def stats(self) -> dict[str, Any]:
        answer = self._http.get("/stats")
        answer.raise_for_status()
        return answer.json()

    def now(self) -> datetime:
        return datetime.fromisoformat(self.stats()["now"])

    def advance(self, seconds: float) -> int:
        """Move the simulated clock; the events that became due are published. Returns them."""
        answer = self._http.post("/clock", json={"advance_seconds": seconds})
        answer.raise_for_status()
        return int(answer.json().get("emitted", 0))

    def wait_until_delivered(self, timeout: float = SETTLE_TIMEOUT_S) -> dict[str, Any]:
        """Wait until every published event was ACKed by a listener or landed in the failed list."""
        deadline = time.monotonic() + timeout
        while True:
            stream = self.stats().get("stream") or {}
            done = stream.get("events_delivered", 0) + stream.get("failed_total", 0)
            if stream.get("in_flight", 0) == 0 and done >= stream.get("events_published", 0):
                return stream
            if time.monotonic() > deadline:
                raise DemoError(f"events still in flight after {timeout:.0f} s: {stream}")
            time.sleep(POLL_S)

    def wait_connections(self, expected: int, timeout: float = CONNECT_TIMEOUT_S) -> None:
        """Wait until `expected` Stream connections are open."""
        deadline = time.monotonic() + timeout
        while self.stats().get("connections_open", 0) != expected:
            if time.monotonic() > deadline:
                raise DemoError(f"the listener did not reach {expected} connection(s) in time")
            time.sleep(POLL_S)

    def close(self) -> None:
        self._http.close()


class ListenerProcess:
    """`dingtalk-attendance listen` as a child process, stopped and restarted for the outage."""

    def __init__(self, group: ProcessGroup, env: dict[str, str], log_path) -> None:
        self._group = group
        self._env = env
        self._log_path = log_path
        self._child: Child | None = None

    def start(self, control: EmulatorControl) -> None:
        with open(self._log_path, "ab") as log:
            self._child = self._group.spawn(
                "listener",
                [sys.executable, "-m", "pipelines", "listen"],
                self._env,
                stdout=log,
                stderr=log,
            )
        control.wait_connections(1)

    def stop(self, control: EmulatorControl) -> None:
        if self._child is not None:
            self._group.stop(self._child)
            self._group.children.remove(self._child)
            self._child = None
        control.wait_connections(0)
