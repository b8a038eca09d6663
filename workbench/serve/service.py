"""What every handler shares in one worker: the reader, the bounded pool and the limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from workbench.protocol import WorkbenchReader
from workbench.serve.config import ServeConfig
from workbench.serve.errors import ApiError
from workbench.serve.metrics import Metrics
from workbench.serve.pool import PoolFullError, RequestTimeoutError, WorkPool

T = TypeVar("T")

RETRY_AFTER_S = 1


class Service:
    """One worker's reader behind its pool; `reader` is set by the app's start-up."""

    def __init__(self, config: ServeConfig, metrics: Metrics) -> None:
        self.config = config
        self.metrics = metrics
        self.pool = WorkPool(config.threads, config.queue)
        self.reader: WorkbenchReader | None = None
        self.status: dict[str, object] = {}

    async def call(self, func: Callable[[WorkbenchReader], T], timeout: float | None = None) -> T:
        """Run `func(reader)` in the pool within the request's time limit.

        Raises:
            ApiError: 503 + Retry-After when the pool is full or the index is not open yet,
                504 when the time limit passed.
        """
        reader = self.reader
        if reader is None:
            raise ApiError(503, "starting", "the index is being opened", headers={"Retry-After": "1"})
        try:
            return await self.pool.run(lambda: func(reader), timeout or self.config.request_timeout_s)
        except PoolFullError:
            self.metrics.rejected.inc()
            raise ApiError(
                503,
                "busy",
                "the server is busy: retry shortly",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            ) from None
        except RequestTimeoutError:
            raise ApiError(
                504, "timeout", f"the request took longer than {self.config.request_timeout_s:g} s"
            ) from None
