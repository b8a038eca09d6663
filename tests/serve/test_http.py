"""The JSON API over real HTTP: every endpoint answers, every bad input class gets a clean
JSON 4xx (never a traceback), metrics count what happened, and the server runs without
uvicorn while the client runs without duckdb or torch."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx
import pytest

from workbench.client import RemoteError, RemoteWorkbench


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def _error(response: httpx.Response, status: int, code: str) -> dict:
    """The response is the JSON error asked for, with no trace of Python internals."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text and 'File "' not in response.text
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    return body


@pytest.mark.parametrize(
    ("method", "url", "body", "check"),
    [
        ("GET", "/search?q=read+timeout&k=3&library=wbfixture", None, lambda d: len(d) == 3),
        ("GET", "/entities/h11.Connection", None, lambda d: d["entity"]["kind"] == "class"),
        ("GET", "/resolve?path=h11.Connection", None, lambda d: d["path"] == "h11._connection.Connection"),
        ("GET", "/graph/neighbors?path=wbfixture.TransportError&relation=inherits", None, lambda d: d),
        ("GET", "/graph/subgraph?path=wbfixture.TransportError&hops=2", None, lambda d: d["nodes"]),
        (
            "GET",
            "/graph/paths?src=wbfixture.ConnectionPool.acquire&dst=wbfixture.TransportError",
            None,
            lambda d: d[0]["edges"],
        ),
        ("POST", "/ask", {"question": "what raises PoolTimeout", "k": 2}, lambda d: d["items"] and d["plan"]),
        ("GET", "/libraries", None, lambda d: {x["name"] for x in d} == {"h11", "idna", "wbfixture"}),
        ("GET", "/status", None, lambda d: d["counts"]["libraries"] == 3 and d["index"]["bm25"]),
        ("POST", "/suggestions", {"name": "httplib", "reason": "r"}, lambda d: d["count"] >= 1),
        ("GET", "/suggestions", None, lambda d: any(row[0] == "httplib" for row in d)),
        ("GET", "/health", None, lambda d: d["status"] == "ok" and d["index"]["hnsw"]),
    ],
)
def test_every_json_endpoint_answers(http, method, url, body, check):
    response = http.request(method, url, json=body)
    assert response.status_code == 200, response.text
    assert check(response.json())


def test_openapi_describes_every_route(http):
    from workbench.serve.api import routes

    spec = http.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    documented = {re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path) for route in routes}
    assert documented <= set(spec["paths"])


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code"),
    [
        ("GET", "/search?q=x&k=many", {}, 400, "bad_query"),
        ("GET", "/search", {}, 400, "bad_query"),
        ("GET", "/search?q=timeout&mode=fuzzy", {}, 400, "bad_query"),
        ("GET", "/search?q=" + "x" * 2500, {}, 400, "bad_query"),
        ("GET", "/graph/subgraph?path=h11.Connection&hops=99", {}, 400, "bad_query"),
        ("GET", "/graph/paths?src=h11.Connection", {}, 400, "bad_query"),
        ("GET", "/entities/h11.NoSuchThing", {}, 404, "not_found"),
        ("GET", "/no/such/endpoint", {}, 404, "no_such_endpoint"),
        ("DELETE", "/search?q=x", {}, 405, "method_not_allowed"),
        ("POST", "/ask", {"content": b"{not json"}, 400, "malformed_json"),
        ("POST", "/ask", {"content": b"[1, 2]"}, 400, "malformed_json"),
        ("POST", "/ask", {"json": {"k": 3}}, 400, "bad_query"),
        ("POST", "/ask", {"json": {"question": "x", "k": "3"}}, 400, "bad_query"),
        ("POST", "/ask", {"json": {"question": "x", "timeout": 10_000}}, 400, "bad_query"),
        (
            "POST",
            "/feedback",
            {"json": {"query": "q", "path": "h11.Connection", "verdict": "meh"}},
            400,
            "bad_query",
        ),
        ("POST", "/ask", {"content": b'{"question": "' + b"x" * 70_000 + b'"}'}, 413, "body_too_large"),
    ],
)
def test_bad_input_gets_a_clean_json_error(http, method, url, kwargs, status, code):
    _error(http.request(method, url, **kwargs), status, code)


def test_oversize_body_without_length_is_cut_off(http):
    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    # the 413 says the connection closes, so the client does not send its next request
    # into it (before it did, 7 in 100 of those failed: "Server disconnected")
    for _ in range(20):
        response = http.post("/ask", content=chunks())
        _error(response, 413, "body_too_large")
        assert response.headers["connection"] == "close"
        assert http.get("/search", params={"q": "header"}).status_code == 200


def test_the_client_maps_refusals_to_errors(server):
    with RemoteWorkbench(server.url) as client, pytest.raises(RemoteError) as caught:
        client._request("GET", "/no/such/endpoint")
    assert caught.value.status == 404 and caught.value.code == "no_such_endpoint"
    nowhere = RemoteWorkbench("http://127.0.0.1:9")
    with pytest.raises(RemoteError, match=r"127\.0\.0\.1:9"):
        nowhere.libraries()
    nowhere.close()


def test_metrics_count_requests_errors_and_index_size(http):
    def value(text: str, prefix: str) -> float:
        lines = [line for line in text.splitlines() if line.startswith(prefix)]
        return sum(float(line.rsplit(" ", 1)[1]) for line in lines)

    before = http.get("/metrics").text
    http.get("/search", params={"q": "header"})
    http.get("/entities/h11.Nope")
    after = http.get("/metrics").text
    search = 'workbench_http_requests_total{endpoint="/search",method="GET",status="200"}'
    assert value(after, search) == value(before, search) + 1
    missing = 'workbench_http_errors_total{code="404",endpoint="/entities/{path:path}"}'
    assert value(after, missing) == value(before, missing) + 1
    assert value(after, 'workbench_http_request_seconds_count{endpoint="/search"}') >= 1
    assert value(after, "workbench_index_bytes") > 0
    assert value(after, 'workbench_index_rows{table="entities"}') > 100
    assert "workbench_http_in_flight" in after


def test_serving_never_imports_uvicorn(server, http):
    """The session server runs with import timing on: every module it imported is in its log."""
    from mcp import Client  # noqa: F401  (the MCP endpoint is mounted: its imports happened)

    http.get("/search", params={"q": "timeout"})
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in server.output().splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert {"granian", "starlette.applications", "mcp.server.mcpserver", "duckdb"} <= imported
    # the package never ran: its import would be logged as "uvicorn" (sse_starlette's probe of
    # uvicorn.main is logged as a 0.03 ms attempt that failed at the missing parent)
    assert "uvicorn" not in imported
    assert not {name for name in imported if name.startswith("uvicorn.")} - {"uvicorn.main"}


def test_the_client_loads_no_duckdb_and_no_torch():
    code = "import sys, json, workbench.client; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert "workbench.client" in loaded and "httpx" in loaded
    assert not loaded & {
        "duckdb",
        "torch",
        "sentence_transformers",
        "griffe",
        "workbench.facade",
        "starlette",
    }
