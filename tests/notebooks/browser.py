"""Drive headless chromium over the DevTools protocol: open a page that renders on the
client (a `marimo run` app), wait until it shows given texts, read its text, screenshot it.

`python -m tests.notebooks.browser URL OUT.png TEXT...` takes one screenshot (the README's).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
]


#: Vega charts drawn, looking into the shadow roots marimo renders outputs in.
_COUNT_CHARTS = """
(() => {
  let n = 0;
  const walk = (root) => {
    n += root.querySelectorAll('svg.marks, canvas.marks').length;
    root.querySelectorAll('*').forEach((e) => { if (e.shadowRoot) walk(e.shadowRoot); });
  };
  walk(document);
  return n;
})()
"""


class Browser:
    """One headless chromium with a fresh profile, driven over its DevTools websocket."""

    def __init__(self, width: int = 1400, height: int = 1000) -> None:
        from websockets.sync.client import connect

        if CHROMIUM is None:
            raise RuntimeError("chromium is not installed")
        self._profile = tempfile.mkdtemp(prefix="wb-chromium-")
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={self._profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        browser_url = self._devtools_url()
        port = re.search(r":(\d+)/", browser_url).group(1)  # type: ignore[union-attr]
        page = self._first_page(int(port))
        self._ws = connect(page, max_size=64 * 2**20, open_timeout=30, legacy=True)
        self._ids = itertools.count(1)
        self.width, self.height = width, height

    def _devtools_url(self) -> str:
        assert self.process.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if "DevTools listening on" in line:
                return line.split("on", 1)[1].strip()
            if not line and self.process.poll() is not None:
                break
        raise RuntimeError("chromium did not start its DevTools endpoint")

    def _first_page(self, port: int) -> str:
        import httpx

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            targets = httpx.get(f"http://127.0.0.1:{port}/json", timeout=5).json()
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.2)
        raise RuntimeError("chromium shows no page")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command; its result (events in between are dropped)."""
        ident = next(self._ids)
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=120))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url: str, texts: list[str], timeout: float = 300, charts: int = 0) -> str:
        """Go to `url` and wait until the page shows every text and at least `charts`
        rendered Vega charts; returns the page's text.

        Raises:
            TimeoutError: with the text shown so far.
        """
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.evaluate("document.body ? document.body.innerText : ''") or ""
            drawn = self.evaluate(_COUNT_CHARTS) or 0
            if all(t in text for t in texts) and drawn >= charts:
                time.sleep(1.5)  # let the last charts finish their transitions
                return self.evaluate("document.body.innerText")
            time.sleep(0.5)
        raise TimeoutError(
            f"waiting for {texts} (charts >= {charts}) on {url}; the page shows:\n{text[:3000]}"
        )

    def screenshot(self, path: Path) -> None:
        """The whole page (beyond the window) as a PNG."""
        height = self.evaluate(
            "Math.max(document.body.scrollHeight, ...[...document.querySelectorAll('*')]"
            ".map(e => e.scrollHeight))"
        )
        height = int(min(max(height or self.height, self.height), 6000))
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=self.width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        time.sleep(1.0)
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self._ws.close()
        finally:
            self.process.kill()
            self.process.wait()
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    url, out, *wanted = sys.argv[1:]
    with Browser() as browser:
        browser.open(url, wanted, charts=1)
        browser.screenshot(Path(out))
    print(f"wrote {out}")
