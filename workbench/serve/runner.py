"""Run the app under granian (a Rust HTTP server, no uvicorn): N worker processes share
one listening socket, each opens its own read-only index; SIGTERM lets in-flight requests
finish (up to `graceful_s`) before the workers stop. A worker that dies (a crash in
native code) is replaced by a new one with its own read-only view of the file."""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import partial
from typing import Any

from workbench.serve.config import ServeConfig


def load_app(config: ServeConfig) -> Any:
    """Build one worker's app (called inside each worker process)."""
    from workbench.serve.app import make_app

    return make_app(config)


def serve(config: ServeConfig) -> None:
    """Serve until SIGTERM or SIGINT. Blocks."""
    from granian.constants import Interfaces, Loops
    from granian.log import LogLevels
    from granian.server import Server

    metrics_dir = None
    if config.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="workbench-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # before any worker starts
    server = Server(
        "workbench.serve.app:make_app",
        address=config.host,
        port=config.port,
        interface=Interfaces.ASGI,
        workers=config.workers,
        loop=Loops.asyncio,
        log_level=LogLevels(config.log_level),
        backlog=2048,
        workers_kill_timeout=config.graceful_s,
        respawn_failed_workers=True,  # a worker that dies is replaced; its neighbours serve meanwhile
        respawn_interval=1.0,
    )
    try:
        server.serve(target_loader=partial(load_app, config), wrap_loader=False)
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
