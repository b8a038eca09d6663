"""The bounded pool behind every handler, with real threads: a full pool refuses at once
(the handler answers 503), a slow job times out its caller (504) but keeps its place until
it really ends, so stuck work still counts against the bound."""

from __future__ import annotations

import asyncio
import threading

import pytest

from workbench.serve.pool import PoolFullError, RequestTimeoutError, WorkPool


def test_a_full_pool_refuses_and_a_slow_job_times_out():
    release = threading.Event()

    async def scenario():
        pool = WorkPool(threads=1, queue=1)
        slow = asyncio.create_task(pool.run(lambda: release.wait(5), timeout=0.2))
        waiting = asyncio.create_task(pool.run(lambda: "done", timeout=5))
        await asyncio.sleep(0.05)
        with pytest.raises(PoolFullError):
            await pool.run(lambda: "never", timeout=5)
        with pytest.raises(RequestTimeoutError):
            await slow
        assert pool.admitted == 2  # the timed-out job still holds its thread
        release.set()
        assert await waiting == "done"
        await asyncio.sleep(0.05)
        assert pool.admitted == 0
        assert await pool.run(lambda: 42, timeout=5) == 42
        pool.shutdown()

    asyncio.run(scenario())
