"""Starting and stopping: no open port off loopback without a token, writes refused when
the API is read-only, and SIGTERM lets a request in flight finish before the server exits."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import run_cli
from tests.serve.conftest import copy_index, start_server, stop_server
from workbench.client import RemoteError, RemoteWorkbench


def test_listening_off_loopback_needs_a_token(built_db, monkeypatch):
    monkeypatch.delenv("WORKBENCH_TOKEN", raising=False)
    result = run_cli("serve", "--host", "0.0.0.0", "--db", str(built_db))
    assert result.exit_code == 2 and "needs a token" in result.output


def test_a_missing_index_is_refused_before_serving(tmp_path):
    result = run_cli("serve", "--db", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 2 and "no workbench index" in result.output


def _read_response(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(
        next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1]
    )
    while len(rest) < length:
        rest += sock.recv(65536)
    return int(head.split()[1]), json.loads(rest[:length])


def test_a_dead_worker_is_replaced_and_sigterm_lets_requests_finish(built_db: Path, tmp_path: Path):
    db = copy_index(built_db, tmp_path / "index")
    server = start_server(db, tmp_path / "server.log", "--read-only-api")
    try:
        with RemoteWorkbench(server.url) as client, pytest.raises(RemoteError) as caught:
            client.feedback("read timeout", "wbfixture.ReadTimeoutError", "good")
        assert caught.value.status == 403 and caught.value.code == "read_only"

        worker = httpx.get(f"{server.url}/health", timeout=10).json()["pid"]
        os.kill(worker, signal.SIGKILL)  # a worker dying in native code: it is replaced
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                health = httpx.get(f"{server.url}/health", timeout=5)
                if health.status_code == 200 and health.json()["pid"] != worker:
                    break
            time.sleep(0.3)
        assert health.json()["pid"] != worker and server.proc.poll() is None

        body = json.dumps({"question": "what raises PoolTimeout", "k": 2}).encode()
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(
            b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body[:7]
        )
        time.sleep(0.3)  # the request is in flight: headers read, body still coming
        os.kill(server.proc.pid, signal.SIGTERM)
        time.sleep(1.0)
        sock.sendall(body[7:])
        status, answer = _read_response(sock)
        sock.close()
        assert status == 200 and answer["items"]
        assert server.proc.wait(30) == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/health", timeout=2)
    finally:
        stop_server(server.proc)
