"""A team's server: bearer token on, two worker processes sharing one read-only file, a
small pool that turns surplus requests away with 503 + Retry-After, and feedback taken by
either worker reaching `workbench feedback --export`."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.helpers import run_cli
from tests.serve.conftest import copy_index, running_server
from workbench.client import RemoteError, RemoteWorkbench
from workbench.errors import EntityNotFoundError

TOKEN = "s3cret-team-token"


@pytest.fixture(scope="module")
def team(built_db: Path, tmp_path_factory: pytest.TempPathFactory):
    db = copy_index(built_db, tmp_path_factory.mktemp("team"))
    args = ("--token", TOKEN, "--workers", "2", "--threads", "1", "--queue", "0", "--max-body", "4096")
    with running_server(db, db.parent / "server.log", *args) as server:
        server.db = db
        yield server


def _fresh(server, path: str, token: str | None = None, **kwargs) -> httpx.Response:
    """One request on a new connection (so the kernel may hand it to either worker)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(
        kwargs.pop("method", "GET"), server.url + path, headers=headers, timeout=60, **kwargs
    )


def test_without_the_token_nothing_is_revealed(team):
    answers = [
        _fresh(team, "/search?q=timeout"),
        _fresh(team, "/entities/h11.Connection", token="wrong"),
        _fresh(team, "/entities/no.such.thing", token="wrong"),
        _fresh(team, "/no/such/endpoint"),
        _fresh(team, "/metrics", token=TOKEN[:-1]),
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.text for r in answers}) == 1  # the same words whether the thing exists or not
    assert answers[0].headers["www-authenticate"].startswith("Bearer")
    assert _fresh(team, "/health").status_code == 200  # the load balancer carries no token
    assert _fresh(team, "/search?q=timeout", token=TOKEN).status_code == 200


def test_the_client_with_a_wrong_token_gets_remote_error(team):
    with RemoteWorkbench(team.url, token="wrong") as client, pytest.raises(RemoteError) as caught:
        client.libraries()
    assert caught.value.status == 401
    with RemoteWorkbench(team.url, token=TOKEN) as client, pytest.raises(EntityNotFoundError):
        client.show("h11.NoSuchThing")


def test_two_workers_share_the_file(team):
    pids = {_fresh(team, "/health").json()["pid"] for _ in range(40)}
    assert len(pids) == 2
    metrics = _fresh(team, "/metrics", token=TOKEN).text  # one worker answers for both
    health = 'workbench_http_requests_total{endpoint="/health",method="GET",status="200"}'
    assert sum(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(health)) >= 40
    hits = {json.dumps(_fresh(team, "/search?q=parse+a+header&k=5", token=TOKEN).json()) for _ in range(6)}
    assert len(hits) == 1  # every worker answers alike


def test_surplus_requests_get_503_with_retry_after(team):
    body = {"question": "which exception does ConnectionPool.acquire raise, and what is its base class"}

    def ask(_):
        return _fresh(team, "/ask", token=TOKEN, method="POST", json=body)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, range(16)))
    statuses = [r.status_code for r in answers]
    assert set(statuses) == {200, 503}, statuses
    busy = next(r for r in answers if r.status_code == 503)
    assert busy.headers["retry-after"] == "1" and busy.json()["error"]["code"] == "busy"


def test_feedback_taken_by_any_worker_reaches_the_export(team, tmp_path):
    body = {"path": "wbfixture.ReadTimeoutError", "verdict": "good"}
    resolved = [  # one at a time: this server's pool takes one request per worker
        _fresh(team, "/feedback", token=TOKEN, method="POST", json={**body, "query": f"team question {i}"})
        for i in range(12)
    ]
    assert all(r.status_code == 200 for r in resolved), [r.text for r in resolved if r.status_code != 200]
    export = tmp_path / "feedback.jsonl"
    result = run_cli("feedback", "--export", str(export), "--db", str(team.db))
    assert result.exit_code == 0, result.output
    cases = [json.loads(line) for line in export.read_text().splitlines()]
    questions = {c["question"] for c in cases if c["expected"] == ["wbfixture._core.ReadTimeoutError"]}
    assert {f"team question {i}" for i in range(12)} <= questions


def test_the_client_waits_out_a_busy_server(team):
    question = "which exception does ConnectionPool.acquire raise, and what is its base class"
    with RemoteWorkbench(team.url, token=TOKEN, retries=8) as client, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.ask(question, 3), range(8)))
    assert all(answer.items for answer in answers)


def test_mcp_needs_the_token_too(team):
    import asyncio

    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    statuses: list[int] = []

    async def record(response) -> None:
        statuses.append(response.status_code)

    async def tools(token: str) -> list[str]:
        headers = {"Authorization": f"Bearer {token}"}
        http = httpx2.AsyncClient(headers=headers, timeout=60, event_hooks={"response": [record]})
        async with http, Client(streamable_http_client(f"{team.url}/mcp", http_client=http)) as client:
            return [tool.name for tool in (await client.list_tools()).tools]

    assert "search" in asyncio.run(tools(TOKEN))
    assert 401 not in statuses
    with pytest.raises(Exception):  # noqa: B017 (the SDK wraps the refusal in its own error)
        asyncio.run(tools("wrong"))
    assert 401 in statuses
    assert _fresh(team, "/mcp", method="POST", json={}).status_code == 401
