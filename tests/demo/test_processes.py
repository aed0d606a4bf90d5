"""Stopping serve's children reaches their descendants (whole process groups), and `serve`
against DingTalk without credentials refuses in one line before starting anything."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from pipelines.demo.processes import ProcessGroup


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_stop_all_ends_children_and_their_descendants(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    # The child ignores SIGTERM and leaves a grandchild behind: both must still be gone.
    script = f"trap '' TERM; sleep 60 & echo $! > {pid_file}; wait"
    group = ProcessGroup()
    child = group.spawn("stubborn", ["sh", "-c", script], os.environ)
    polite = group.spawn(
        "polite", [sys.executable, "-c", "import time; time.sleep(60)"], os.environ
    )
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    group.stop_all(timeout=1)
    time.sleep(0.2)
    assert not _alive(child.pid) and not _alive(polite.pid) and not _alive(grandchild)
    assert polite.process.returncode == -15  # SIGTERM was enough for a polite child


@pytest.mark.integration
def test_serve_without_credentials_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pipelines", "serve", "--port", "9"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "DINGTALK_CLIENT_ID" in lines[0]
    assert not (tmp_path / "data").exists()  # nothing created before the refusal
