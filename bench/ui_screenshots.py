"""Screenshots of the Dagster UI after a `sync` of an emulated week, for docs/dagster.md.

What it runs: the emulator on 127.0.0.1, `dingtalk-attendance sync` of its first week into a
temporary data dir (so into that dir's `dagster_home`, the instance every command shares), then
`dagster-webserver` on a free loopback port over that instance, and headless Chromium taking one
PNG per page: the asset graph, the partitions of `attendance_daily`, and its Plots tab (the
numeric per-partition metadata: row count, late minutes, absences, metered calls).
Nothing is written outside the temporary dir except the PNGs.

    .venv/bin/python -m bench.ui_screenshots [--out docs] [--budget-ms 20000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from bench.ui_devtools import CHROMIUM_FLAGS, clicked_screenshot
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.server import EmulatorServer

REPO = Path(__file__).resolve().parents[1]
LOCATION = "pipelines.definitions"  # the code location workspace.yaml loads
PLOTTED = "attendance_daily"
PAGES = {  # file name -> path in the UI (Dagster 1.13); {day} is a synced partition
    "ui-asset-graph.png": f"/locations/{LOCATION}/asset-groups/attendance",
    "ui-partitions.png": f"/assets/{PLOTTED}?view=partitions&partition={{day}}",
}
# The Plots toggle of an asset's metadata is component state, not a URL: it is clicked.
PLOTS_PAGE = ("ui-plots.png", f"/assets/{PLOTTED}?view=overview")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sync_week(server: EmulatorServer, data_dir: Path, days: int) -> dict[str, str]:
    """Sync the emulator's first `days` days; the environment the webserver needs too."""
    env = {
        **os.environ,
        "DINGTALK_CLIENT_ID": server.client_id,
        "DINGTALK_CLIENT_SECRET": server.client_secret,
        "DINGTALK_API_BASE_URL": server.api_base_url,
        "DINGTALK_OAPI_BASE_URL": server.oapi_base_url,
        "ATTENDANCE_DATA_DIR": str(data_dir),
    }
    env.pop("DAGSTER_HOME", None)  # sync records into <data dir>/dagster_home
    first = server.config.start
    last = first + timedelta(days=days - 1)
    command = [sys.executable, "-m", "pipelines", "sync", "--start", str(first), "--end", str(last)]
    subprocess.run(command, env=env, cwd=REPO, check=True)
    home = data_dir.resolve() / "dagster_home"
    with (home / "dagster.yaml").open("a") as config:  # no "join the community" dialog
        config.write("\nnux:\n  enabled: false\n")
    return {**env, "DAGSTER_HOME": str(home)}


def start_webserver(env: dict[str, str], port: int) -> subprocess.Popen:
    """`dagster-webserver` over the shared instance; returns once it answers."""
    command = [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(
        [*command, "-w", str(REPO / "workspace.yaml")],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180  # the code location imports dagster and every asset
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited with {process.returncode}")
        time.sleep(1)
    process.terminate()
    raise RuntimeError("dagster-webserver did not answer within 180 s")


def screenshot(url: str, target: Path, profile: Path, budget_ms: int) -> None:
    """One PNG of `url`; the virtual time budget lets the UI's GraphQL queries settle."""
    subprocess.run(
        [
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            f"--screenshot={target}",
            url,
        ],  # fmt: skip
        check=True,
        capture_output=True,
        timeout=240,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--employees", type=int, default=40)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--budget-ms", type=int, default=20000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ui-screenshots-"))
    try:
        with EmulatorServer(EmulatorConfig(employees=args.employees, days=14)) as server:
            env = sync_week(server, work / "data", args.days)
        port = free_port()
        webserver = start_webserver(env, port)
        try:
            day = str(EmulatorConfig().start + timedelta(days=args.days // 2))
            for name, path in PAGES.items():
                target, url = args.out / name, f"http://127.0.0.1:{port}{path.format(day=day)}"
                screenshot(url, target, work / "chromium", args.budget_ms)
                print(f"{target} ({target.stat().st_size:,} bytes) <- {url}")
            name, path = PLOTS_PAGE
            target = args.out / name
            clicked_screenshot(f"http://127.0.0.1:{port}{path}", "Plots", target, work / "cdp")
            print(f"{target} ({target.stat().st_size:,} bytes) <- {path}, Plots clicked")
        finally:
            webserver.terminate()
            webserver.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
