"""A real `workbench serve` on a free loopback port, started as a subprocess, for the
serve tests; every server a fixture starts is stopped by it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).parent.parent.parent
START_TIMEOUT_S = 90


def free_port() -> int:
    """A TCP port nothing listens on right now (127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One running `workbench serve`: its URL, process and log file."""

    url: str
    port: int
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_healthy(url: str, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text() if log else ''}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} not healthy after {START_TIMEOUT_S} s")


def start_server(
    db: Path, log: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None
) -> Server:
    """Start `workbench serve` (as its console script would) and wait for /health."""
    port = port or free_port()
    command = [sys.executable, "-m", "workbench.cli", "serve", "--db", str(db), "--port", str(port), *args]
    environ = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=environ, cwd=REPO, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log)
    except BaseException:
        stop_server(proc)
        raise
    return Server(url, port, proc, log)


def stop_server(proc: subprocess.Popen, timeout: float = 30) -> int:
    """SIGTERM, then SIGKILL if it has not exited in `timeout` seconds; returns its code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


@contextlib.contextmanager
def running_server(db: Path, log: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    server = start_server(db, log, *args, env=env)
    try:
        yield server
    finally:
        stop_server(server.proc)


def copy_index(built_db: Path, folder: Path) -> Path:
    """A private copy of the small index, so a server's lock and writes touch no one else's."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / built_db.name
    shutil.copy(built_db, target)
    return target


@pytest.fixture(scope="session")
def served_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_index(built_db, tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="session")
def server(served_db: Path) -> Iterator[Server]:
    """One open loopback server (no token) on a copy of the small index for the whole
    session, started with import timing on so a test can prove it never imported uvicorn."""
    log = served_db.parent / "server.log"
    with running_server(served_db, log, env={"PYTHONPROFILEIMPORTTIME": "1"}) as running:
        yield running


@pytest.fixture(scope="session")
def remote(server: Server) -> Iterator:
    from workbench.client import RemoteWorkbench

    with RemoteWorkbench(server.url) as client:
        yield client
