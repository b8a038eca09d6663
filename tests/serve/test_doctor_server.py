"""`workbench doctor --server` reads a running server's /metrics for its 5xx share."""

from __future__ import annotations

import json

import httpx

from tests.helpers import run_cli
from tests.serve.conftest import free_port


def test_doctor_reads_the_error_rate_of_a_running_server(server, built_db):
    for _ in range(3):
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
    result = run_cli("doctor", "--db", str(built_db), "--server", server.url, "--json")
    check = next(c for c in json.loads(result.output)["checks"] if c["name"] == "server")
    assert check["status"] == "ok", check
    requests = int(check["detail"].split(" of ")[1].split()[0])
    assert requests >= 3 and check["detail"].startswith("0 of")


def test_doctor_alerts_when_the_server_does_not_answer(built_db):
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("doctor", "--db", str(built_db), "--server", url)
    assert result.exit_code == 1
    assert "ALERT" in result.output and "unreachable" in result.output
