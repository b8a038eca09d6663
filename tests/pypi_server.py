"""A real HTTP server on 127.0.0.1 that answers like PyPI's JSON API from recorded files.

`tests/data/pypi/NAME.json` are real PyPI responses, trimmed to the fields the workbench
reads (info and the latest release's files; the per-release history is dropped). Some
names misbehave on purpose: `slowpkg` answers after `SLOW_S`, `brokenpkg` sends
malformed JSON, `shapelesspkg` valid JSON of the wrong shape, `errorpkg` an HTTP 500,
`hugepkg` 40 MB of garbage without a Content-Length, `deeppkg` JSON nested 100,000 deep;
any other name is a 404, as on PyPI.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDED = Path(__file__).parent / "data" / "pypi"
SLOW_S = 3.0


class _Handler(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        parts = self.path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "pypi" or parts[2] != "json":
            return self._send(404, b'{"message": "Not Found"}')
        name = parts[1].lower()
        if name == "slowpkg":
            time.sleep(SLOW_S)
            return self._send(200, (RECORDED / "h11.json").read_bytes())
        if name == "brokenpkg":
            return self._send(200, b'{"info": {"name": "brokenpkg", "version": ')
        if name == "shapelesspkg":
            return self._send(200, b'{"info": "no dict here", "urls": 7}')
        if name == "hugepkg":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client stops early
                for _ in range(40):
                    self.wfile.write(b"[" + b"0," * (512 * 1024 - 1) + b"0]")
            return None
        if name == "deeppkg":
            return self._send(200, b"[" * 100_000 + b"]" * 100_000)
        if name == "errorpkg":
            return self._send(500, b"internal error")
        recorded = RECORDED / f"{name}.json"
        if not recorded.is_file():
            return self._send(404, b'{"message": "Not Found"}')
        return self._send(200, recorded.read_bytes())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the slow case: client gone
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def pypi_server() -> Iterator[ThreadingHTTPServer]:
    """Serve on an ephemeral 127.0.0.1 port; `server.url` is the base URL, and
    `server.requests` the paths asked for."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.requests = []  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
