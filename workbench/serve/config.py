"""What one server is told: where the index is, where to listen, who may call, its limits."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class ServeConfig:
    """Settings of `workbench serve`; every limit has a default that suits 2 cores.

    Args:
        db: the index, opened read-only by every worker.
        host, port: where to listen.
        workers: processes, each with its own read-only `Workbench`.
        token: bearer token; required (and refused to start without) off loopback.
        threads: DuckDB/embedding threads per worker.
        queue: requests that may wait for a thread; beyond it, 503 with Retry-After.
        request_timeout_s: a request still running after this gets 504.
        max_body_bytes, max_param_chars: caps on request bodies and query-string values.
        allow_writes: accept feedback and suggestions (off: 403).
        graceful_s: on SIGTERM, how long in-flight requests get to finish.
    """

    db: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 1
    token: str | None = None
    threads: int = 4
    queue: int = 32
    request_timeout_s: float = 30.0
    max_body_bytes: int = 64 * 1024
    max_param_chars: int = 2000
    allow_writes: bool = True
    graceful_s: int = 20
    log_level: str = "warning"

    @property
    def needs_token(self) -> bool:
        """A token is mandatory when anything but this machine can connect."""
        return not is_loopback(self.host)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and `localhost` are loopback; everything else (0.0.0.0 too) is not."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_from_env() -> str | None:
    """`WORKBENCH_TOKEN`, so the token need not appear in a process list."""
    return os.environ.get("WORKBENCH_TOKEN") or None
