"""Fuzzed frames and a 10 MB-frame flood through a real WebSocket into a real listener process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from chaos_lib.fuzz import flood_frames, fuzzed_frames
from chaos_lib.raw_gateway import RawFrameGateway, serve
from pipelines.stream.inbox import Inbox


def _listener(base_url: str, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DINGTALK_CLIENT_ID": "chaos-app",
        "DINGTALK_CLIENT_SECRET": "chaos-listener-secret",
        "DINGTALK_API_BASE_URL": base_url,
        "ATTENDANCE_DATA_DIR": str(data_dir),
        "LISTENER_WATCHDOG_S": "600",
        "LISTENER_INBOX_SYNCHRONOUS": "NORMAL",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines", "listen"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _landed(data_dir: Path) -> int:
    with Inbox.in_data_dir(data_dir) as inbox:
        stats = inbox.stats()
        quarantined = sum(row["count"] for row in inbox.quarantined(limit=10**7))
    return stats.received + stats.duplicates + quarantined


def _wait_landed(data_dir: Path, expected: int, timeout: float) -> int:
    deadline, landed = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        landed = _landed(data_dir)
        if landed >= expected:
            return landed
        time.sleep(0.5)
    return landed


def run(work: Path, frames: int, flood: int, flood_size: int) -> dict[str, object]:
    """Fuzz, then flood; returns the measured figures."""
    data_dir = work / "listener"
    data_dir.mkdir(parents=True)
    fuzzed, per_kind = fuzzed_frames(frames)
    gateway = RawFrameGateway()
    with serve(gateway) as base_url:
        listener = _listener(base_url, data_dir, work / "listener.log")
        try:
            started = time.monotonic()
            gateway.send(fuzzed)
            landed = _wait_landed(data_dir, frames, timeout=600)
            fuzz_s = time.monotonic() - started
            rss_before_flood = peak_rss_mb(listener.pid)
            gateway.send(flood_frames(flood, flood_size))
            flood_landed = _wait_landed(data_dir, frames + flood, timeout=600) - landed
            peak = peak_rss_mb(listener.pid)
        finally:
            listener.terminate()
            listener.wait(30)
    with Inbox.in_data_dir(data_dir) as inbox:
        stats = inbox.stats()
    return {
        "frames": frames,
        "frames_by_kind": per_kind,
        "stored": stats.received,
        "quarantined": stats.quarantined,
        "neither": frames - landed,
        "fuzz_seconds": round(fuzz_s, 1),
        "flood_frames": flood,
        "flood_frame_bytes": flood_size,
        "flood_neither": flood - flood_landed,
        "connections": gateway.connections,
        "acks": dict(gateway.statuses),
        "peak_rss_mb_before_flood": round(rss_before_flood, 1),
        "peak_rss_mb": round(peak, 1),
    }
