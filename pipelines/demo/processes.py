"""Child processes that stop together: each in its own process group, stopped group by group.

Dagster's webserver and daemon start their own children (code servers, run workers); signalling
the whole group of each child reaches those too, so nothing outlives `stop_all`.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 20.0


@dataclass
class Child:
    """A started child: its name (for messages) and its process (leader of its own group)."""

    name: str
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid


class ProcessGroup:
    """Starts children in new sessions and stops every one of them (and their descendants)."""

    def __init__(self) -> None:
        self.children: list[Child] = []

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        stdout: IO[Any] | int | None = None,
        stderr: IO[Any] | int | None = None,
    ) -> Child:
        """Start `argv` as the leader of a new process group (a terminal's Ctrl-C skips it)."""
        process = subprocess.Popen(
            list(argv), env=dict(env), start_new_session=True, cwd=cwd, stdout=stdout, stderr=stderr
        )
        child = Child(name, process)
        self.children.append(child)
        log.info("started %s (pid %d)", name, process.pid)
        return child

    def exited(self) -> list[Child]:
        """Children that have stopped on their own."""
        return [child for child in self.children if child.process.poll() is not None]

    def stop(self, child: Child, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop one child and its group (SIGTERM, then SIGKILL at `timeout`)."""
        _signal_group(child, signal.SIGTERM)
        try:
            child.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s; killing it", child.name, timeout)
        _signal_group(child, signal.SIGKILL)
        if child.process.poll() is None:
            child.process.wait(5)

    def stop_all(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM every group (last started first), then SIGKILL whatever is left at `timeout`."""
        for child in reversed(self.children):
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0f s; killing it", child.name, timeout)
        # The leaders have exited; their descendants may not have: kill each group outright.
        for child in self.children:
            _signal_group(child, signal.SIGKILL)
            if child.process.poll() is None:
                child.process.wait(5)

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()


def _signal_group(child: Child, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
