"""Test helpers: listener processes (`python -m pipelines listen`) against a loopback gateway."""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path

CLIENT_ID = "listener-test-app"
CLIENT_SECRET = "listener-test-secret"


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, every: float = 0.05):
    """Poll until `predicate()` is truthy; return its value or raise AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


_STARTED: weakref.WeakSet[ListenerProcess] = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:
    """No listener outlives the test session, whatever happened in the tests."""
    for listener in list(_STARTED):
        listener.stop_if_running()


class ListenerProcess:
    """One `dingtalk-attendance listen` process; stderr (JSON logs) is kept in a file."""

    def __init__(
        self,
        base_url: str,
        data_dir: Path,
        log_path: Path,
        credentials: tuple[str, str] = (CLIENT_ID, CLIENT_SECRET),
        **tuning: object,
    ):
        env = dict(os.environ)
        env.update(
            DINGTALK_CLIENT_ID=credentials[0],
            DINGTALK_CLIENT_SECRET=credentials[1],
            DINGTALK_API_BASE_URL=base_url,
            ATTENDANCE_DATA_DIR=str(data_dir),
            LISTENER_BACKOFF_INITIAL_S="0.2",
            LISTENER_HEARTBEAT_S="0.5",
        )
        env.update({f"LISTENER_{key.upper()}": str(value) for key, value in tuning.items()})
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in wait()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelines", "listen"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        _STARTED.add(self)

    def __enter__(self) -> ListenerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_if_running()

    def stop_if_running(self) -> None:
        """Kill the process if a test left it running (a failed assertion, a timeout)."""
        if self.process.poll() is None:
            self.process.kill()
            self.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> int:
        self.process.kill()
        return self.wait(10)

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is not None:
                self._log.close()
                _STARTED.discard(self)

    def logs(self) -> list[dict]:
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def final_counts(self) -> dict:
        (stopped,) = [entry for entry in self.logs() if entry["msg"] == "listener stopped"]
        return stopped
