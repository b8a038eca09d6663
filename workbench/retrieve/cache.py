"""A small cache of query results where concurrent callers of the same key share one run.

The planner runs a walk (whose seeds are a search for the question) and a plain search of
the same question at once; with this, the search runs once and both steps get it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlightCache(Generic[T]):
    """Least-recently-used results by key; a key being computed is computed only once."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Future[T]] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            future = self._entries.get(key)
            owner = future is None
            if owner:
                future = Future()
                self._entries[key] = future
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        if owner:
            try:
                future.set_result(compute())
            except BaseException as error:
                with self._lock:
                    self._entries.pop(key, None)  # a failure is not remembered
                future.set_exception(error)
        return future.result()

    def clear(self) -> None:
        """Forget every result (after an ingest changed what they were computed from)."""
        with self._lock:
            self._entries.clear()
