"""Helpers of the report tests: run the CLI, drive headless Chromium, read the page's tables."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    # Chromium's own update and account checks must not leave the machine either.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
# Requests Chromium makes for itself carry no origin; the page's carry its (opaque) origin.
BROWSER_INITIATOR = "not an origin"


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """`dingtalk-attendance ARGS` as its own process, with the data dir set."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ATTENDANCE_DATA_DIR": str(data_dir)},
    )


def chromium() -> str:
    """The browser, or a skip outside CI (CI installs it: .ci/run)."""
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: .ci/run installs it")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def run_chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with a throwaway profile; fails the test if it fails."""
    command = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for (not Chromium's own background requests), from a net log."""
    log = json.loads(net_log.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    starts = [event.get("params", {}) for event in log["events"] if event["type"] == start]
    return [
        params["url"]
        for params in starts
        if "url" in params and params.get("initiator") != BROWSER_INITIATOR
    ]


class TableReader(HTMLParser):
    """Collects `<td data-key>` cells per `<tr data-userid>` of one table, by its id."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, {}
        self._row: str | None = None
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if tag == "table":
            self.inside = values.get("id") == self.table_id
        elif self.inside and tag == "tr" and "data-userid" in values:
            self._row = values["data-userid"]
            self.rows[self._row] = {}
        elif self.inside and tag == "td" and self._row:
            self._key = values.get("data-key")
            self.rows[self._row][self._key] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._key = None
        elif tag == "table":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self._row and self._key:
            self.rows[self._row][self._key] += data


def table_cells(html: str, table_id: str) -> dict[str, dict[str, str]]:
    """{userid: {column key: the cell's text}} of a table of the page."""
    reader = TableReader(table_id)
    reader.feed(html)
    return reader.rows
