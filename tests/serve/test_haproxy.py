"""Two replicas behind a real HAProxy on loopback, with the config `workbench serve
--print-haproxy-config` prints: one replica is killed (SIGKILL) under load from separate
client processes, and the clients see zero failed requests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import run_cli
from tests.serve.conftest import REPO, copy_index, free_port, start_server, stop_server, wait_healthy

HAPROXY = shutil.which("haproxy")
pytestmark = pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed (make sysdeps)")
CLIENTS = 4
LOAD_SECONDS = 8.0


def test_the_printed_config_is_valid(tmp_path):
    result = run_cli("serve", "--print-haproxy-config", "--replicas", "127.0.0.1:9001,127.0.0.1:9002")
    assert result.exit_code == 0
    config = tmp_path / "haproxy.cfg"
    config.write_text(result.output)
    assert (
        "server replica2 127.0.0.1:9002 check" in result.output
        and "option httpchk GET /health" in result.output
    )
    check = subprocess.run([HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    bad = run_cli("serve", "--print-haproxy-config", "--replicas", "localhost")
    assert bad.exit_code == 2 and "host:port" in bad.output


@pytest.mark.slow
def test_a_replica_killed_under_load_costs_no_request(built_db: Path, tmp_path: Path):
    replicas = []
    proxy = None
    try:
        for name in ("a", "b"):  # each replica on its own copy of the exported file
            db = copy_index(built_db, tmp_path / name)
            replicas.append(start_server(db, tmp_path / f"{name}.log", "--threads", "2"))
        port = free_port()
        config = tmp_path / "haproxy.cfg"
        spec = ",".join(f"127.0.0.1:{r.port}" for r in replicas)
        printed = run_cli("serve", "--print-haproxy-config", "--replicas", spec, "--port", str(port))
        config.write_text(printed.output)
        proxy = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proxy)
        time.sleep(1.2)  # both replicas pass their first health checks

        clients = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(REPO / "tests" / "serve" / "load_client.py"),
                    url,
                    str(LOAD_SECONDS),
                    "400",
                    str(i),
                ],
                stdout=subprocess.PIPE,
                text=True,
                cwd=REPO,
            )
            for i in range(CLIENTS)
        ]
        victim = replicas[0]
        deadline = time.monotonic() + LOAD_SECONDS / 2
        while min(_served(r) for r in replicas) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # the clients are up and both replicas take load
        served_before = _served(victim)
        os.killpg(victim.proc.pid, signal.SIGKILL)  # the replica and its worker, mid-load
        victim.proc.wait(10)
        seen = [json.loads(c.communicate(timeout=60)[0]) for c in clients]
        survivor_after = _served(replicas[1])
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(10)
        for replica in replicas:
            stop_server(replica.proc)
    failed = [e for s in seen for e in s["errors"]]
    assert sum(s["failed"] for s in seen) == 0, failed[:5]
    assert sum(s["ok"] for s in seen) > 50
    assert served_before > 0 and survivor_after > 0  # both took load; the survivor took the rest


def _served(replica) -> int:
    """Searches a replica has answered (its own /metrics)."""
    text = httpx.get(f"{replica.url}/metrics", timeout=10).text
    prefix = 'workbench_http_requests_total{endpoint="/search",method="GET",status="200"}'
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)))


def test_the_shipped_config_is_the_printed_one():
    printed = run_cli("serve", "--print-haproxy-config", "--replicas", "127.0.0.1:8766,127.0.0.1:8767")
    assert (REPO / "deploy" / "haproxy.cfg").read_text() == printed.output
