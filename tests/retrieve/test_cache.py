"""Concurrent callers of one key share one computation; failures are not cached."""

from __future__ import annotations

import threading
import time

import pytest

from workbench.retrieve.cache import SingleFlightCache


def test_concurrent_callers_share_one_run():
    cache: SingleFlightCache[int] = SingleFlightCache()
    runs = []

    def slow() -> int:
        runs.append(1)
        time.sleep(0.2)
        return 42

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("q", slow))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 4 and len(runs) == 1


def test_failures_are_not_remembered_and_size_is_bounded():
    cache: SingleFlightCache[int] = SingleFlightCache(size=2)

    def boom() -> int:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.get("a", boom)
    assert cache.get("a", lambda: 1) == 1
    cache.get("b", lambda: 2)
    cache.get("c", lambda: 3)
    assert cache.get("a", lambda: 99) == 99  # evicted, computed again
    cache.clear()
    assert cache.get("b", lambda: 5) == 5


def test_search_results_are_reused_until_an_ingest(wb):
    first = wb.search("wrap prose to a width", 5)
    again = wb.search("wrap prose to a width", 5)
    assert [h.path for h in first] == [h.path for h in again]
    again.clear()  # a caller changing its list does not change the cache
    assert len(wb.search("wrap prose to a width", 5)) == 5
