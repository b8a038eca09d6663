"""Optional answer synthesis against a real OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from workbench.config import Settings, SynthesisSettings


class _ChatServer(BaseHTTPRequestHandler):
    mode = "ok"
    seen: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if self.mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        reply = (
            b"not json"
            if self.mode == "garbage"
            else json.dumps(
                {
                    "choices": [
                        {"message": {"role": "assistant", "content": "ConnectionPool.acquire raises it."}}
                    ]
                }
            ).encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def chat_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _ChatServer.seen = []
    _ChatServer.mode = "ok"
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def _workbench(built_db, embedder, url: str):
    from workbench import Workbench

    settings = Settings(synthesis=SynthesisSettings(url=url, model="local", api_key="secret", timeout_s=5))
    return Workbench(built_db, embedder=embedder, settings=settings)


def test_synthesis_is_off_by_default(wb):
    answer = wb.ask("what raises PoolTimeout", 2, synthesize=True)
    assert answer.synthesis == "" and not answer.synthesis_error


def test_synthesised_answer_cites_the_entities_it_rests_on(built_db, embedder, chat_server):
    with _workbench(built_db, embedder, chat_server) as wb:
        answer = wb.ask("what raises PoolTimeout", 2, synthesize=True)
    assert answer.synthesis.startswith("ConnectionPool.acquire raises it.")
    assert answer.synthesis.endswith("Sources: " + ", ".join(i.public_path for i in answer.items))
    request = _ChatServer.seen[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer secret"
    prompt = request["body"]["messages"][1]["content"]
    assert "what raises PoolTimeout" in prompt and "path:" in prompt and "raises" in prompt


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_a_failing_endpoint_degrades_the_answer_only(built_db, embedder, chat_server, mode):
    _ChatServer.mode = mode
    with _workbench(built_db, embedder, chat_server) as wb:
        answer = wb.ask("what raises PoolTimeout", 2, synthesize=True)
    assert answer.items and answer.items[0].path == "wbfixture.pool.ConnectionPool.acquire"
    assert answer.degraded and answer.synthesis == ""
    assert answer.synthesis_error.startswith("answer synthesis failed")
