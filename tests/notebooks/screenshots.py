"""Serve a notebook with the real `workbench notebook` (marimo run on 127.0.0.1), render it
in headless chromium, and stop the server.

`python -m tests.notebooks.screenshots DB [OUT_DIR]` writes docs/notebook-*.png, the
README's screenshots.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.notebooks.browser import Browser

REPO = Path(__file__).resolve().parents[2]
MULTIHOP = REPO / "tests" / "data" / "multihop_small.jsonl"

#: notebook -> (arguments after `--`, texts the page shows once every cell ran, charts drawn)
SHOTS: dict[str, tuple[list[str], list[str], int]] = {
    "relevance_tuning": (
        ["--multihop-set", str(MULTIHOP), "--rrf_k", "30"],
        ["Metrics", "Hybrid misses", "Save"],
        2,
    ),
    "graph_explorer": (
        ["--query", "h11.Connection", "--to", "h11.LocalProtocolError", "--hops", "1"],
        ["Shortest paths", "Hubs"],
        3,
    ),
    "library_dashboard": ([], ["Versions over time", "Suggestions and feedback"], 4),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_notebook(
    name: str, args: list[str], env: dict[str, str], db: Path | None = None, timeout: float = 120
) -> Iterator[str]:
    """`workbench notebook NAME [--db DB] --headless --port P -- ARGS` until the block ends;
    yields its URL. The command execs marimo, so its pid is the server's: killed at the end."""
    port = free_port()
    command = [sys.executable, "-m", "workbench.cli", "notebook", name, "--headless", "--port", str(port)]
    command += ["--db", str(db)] if db else []
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in finally; a full pipe would stall marimo)
    process = subprocess.Popen(
        [*command, "--", *args],
        env={**env, "HF_HUB_OFFLINE": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"workbench notebook exited: {log.read()}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"marimo did not answer on {url}")
            time.sleep(0.5)
        yield url
    finally:
        with_group = os.getpgid(process.pid) if process.poll() is None else None
        if with_group is not None:
            os.killpg(with_group, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def take(name: str, db: Path, out: Path, timeout: float = 600) -> str:
    """Serve one notebook on `db`, wait for its cells and charts, screenshot it; returns
    the page's text."""
    args, texts, charts = SHOTS[name]
    with serve_notebook(name, args, dict(os.environ), db=db) as url, Browser() as browser:
        text = browser.open(url, texts, timeout=timeout, charts=charts)
        browser.screenshot(out)
    return text


if __name__ == "__main__":
    database = Path(sys.argv[1]).resolve()
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else REPO / "docs"
    for notebook in SHOTS:
        started = time.perf_counter()
        take(notebook, database, folder / f"notebook-{notebook.replace('_', '-')}.png")
        print(f"{notebook}: {time.perf_counter() - started:.1f} s")
