"""A bounded pool for the blocking work (DuckDB queries, embeddings): a fixed number of
threads and a fixed number of waiting places; beyond them callers are told to come back
(503 + Retry-After) instead of queueing without end."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class PoolFullError(Exception):
    """Every thread is busy and every waiting place taken."""


class RequestTimeoutError(Exception):
    """The work did not finish within the request's time limit."""


class WorkPool:
    """`threads` workers and `queue` waiting places; a job holds its place until it ends,
    even after its caller gave up on it, so a stuck query keeps counting against the bound."""

    def __init__(self, threads: int, queue: int) -> None:
        self.capacity = threads + queue
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="workbench")
        self._admitted = 0
        self._lock = threading.Lock()

    @property
    def admitted(self) -> int:
        """Jobs running or waiting."""
        return self._admitted

    def _release(self, _future: object) -> None:
        with self._lock:
            self._admitted -= 1

    async def run(self, func: Callable[[], T], timeout: float) -> T:
        """Run `func` in a thread and await it.

        Raises:
            PoolFullError: no place left (nothing was started).
            RequestTimeoutError: not done within `timeout` seconds (the job runs on).
        """
        with self._lock:
            if self._admitted >= self.capacity:
                raise PoolFullError
            self._admitted += 1
        try:
            future = self._executor.submit(func)
        except RuntimeError:  # shutting down
            self._release(None)
            raise PoolFullError from None
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
        except TimeoutError:
            raise RequestTimeoutError from None

    def shutdown(self) -> None:
        """Let running and queued jobs finish, then stop the threads."""
        self._executor.shutdown(wait=True)
