"""A screenshot after one click, through Chromium's DevTools protocol (for bench/ui_screenshots).

`chromium --screenshot` can only photograph a URL; the Plots view of an asset's metadata is a
toggle inside the page, so this drives headless Chromium over its loopback DevTools socket:
open the page, wait for a button with the given text, click it, let the charts draw, capture.
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import subprocess
import time
from pathlib import Path

import httpx
from websockets.sync.client import ClientConnection, connect

# Headless, no sandbox (containers), and no background traffic to Google's services.
CHROMIUM_FLAGS = (
    "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--window-size=1400,1000",
)  # fmt: skip

FIND_AND_CLICK = """(() => {
  const button = [...document.querySelectorAll('button')]
    .find((b) => b.textContent.trim() === %s);
  if (!button) return false;
  button.scrollIntoView({block: 'start'});
  button.click();
  return true;
})()"""


class DevTools:
    """One page target of a running Chromium; `call` sends a command and returns its result."""

    def __init__(self, websocket: ClientConnection) -> None:
        self._socket = websocket
        self._ids = itertools.count(1)

    def call(self, method: str, **params: object) -> dict:
        command_id = next(self._ids)
        self._socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        while True:  # events arrive in between; the answer carries our id
            message = json.loads(self._socket.recv(timeout=120))
            if message.get("id") == command_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _page_socket(port: int, deadline: float) -> str:
    while time.monotonic() < deadline:
        try:
            targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=2).json()
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("Chromium's DevTools socket did not answer")


def clicked_screenshot(
    url: str, button: str, target: Path, profile: Path, settle_s: float = 8
) -> None:
    """PNG of `url` after clicking the button labelled `button` (waits up to 120 s for it),
    `settle_s` seconds after the click (the UI's charts query their series, then draw)."""
    port = _free_port()
    browser = subprocess.Popen(
        [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
         f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        page = _page_socket(port, time.monotonic() + 60)
        with connect(page, max_size=64 * 2**20) as websocket:
            tools = DevTools(websocket)
            tools.call("Page.navigate", url=url)
            deadline = time.monotonic() + 120
            while not tools.evaluate(FIND_AND_CLICK % json.dumps(button)):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no {button!r} button on {url}")
                time.sleep(1)
            time.sleep(settle_s)
            shot = tools.call("Page.captureScreenshot", format="png")
            target.write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.terminate()
        browser.wait(timeout=30)
