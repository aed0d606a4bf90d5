"""`bench/ui_devtools.clicked_screenshot` clicks the named button before capturing: a page that
turns red only when its button is clicked must come out red (headless Chromium, loopback)."""

from __future__ import annotations

import http.server
import io
import threading
from pathlib import Path

import pytest
from PIL import Image

from bench.ui_devtools import clicked_screenshot

PAGE = b"""<html><body style="margin:0;background:#fff">
<button onclick="document.body.style.background='#f00'">Plots</button></body></html>"""


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.mark.integration
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium")
def test_the_button_is_clicked_before_the_capture(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        target = tmp_path / "shot.png"
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        clicked_screenshot(url, "Plots", target, tmp_path / "profile", settle_s=0.5)
    finally:
        server.shutdown()
    image = Image.open(io.BytesIO(target.read_bytes())).convert("RGB")
    assert image.getpixel((image.width - 5, image.height - 5)) == (255, 0, 0)
