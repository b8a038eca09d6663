"""Values that a long-lived reader loads once per open file, in the background.

A search needs a few values per candidate (an in-degree, the entity a chunk belongs to).
Looked up per search, each costs a query (3-13 ms on the default index); loaded whole, the
map costs one query (50-150 ms) and then nothing. A `BackgroundMap` looks values up per
call until the map, loaded on a thread of its own from its second use on, is in: a
one-off CLI search never pays for the map, a TUI, server or eval session pays once. A
`BackgroundLoad` is the same for a value callers can do without until it is in (the chunk
vectors that `ask`'s walks rank with).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from workbench.store.database import Database

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")

#: uses of a map on one open file before it loads whole in the background
LOAD_AFTER_USES = 2
#: uses before the larger values a search reads load (BM25 postings, ranking rows: tens
#: of MB, up to a second of CPU): more than a one-off `search` makes (two passes at most:
#: in the library the query names, then everywhere) or a one-off `ask` (two searches)
LOAD_AFTER_SEARCHES = 5


class BackgroundLoad(Generic[T]):
    """A value of one open file that `load` computes on a thread of its own, started by
    its `after`-th use; until it is in, `value()` is None and callers do without it."""

    def __init__(
        self,
        db: Database,
        name: str,
        load: Callable[[Database], T],
        *,
        after: int = LOAD_AFTER_USES,
        value: T | None = None,
    ) -> None:
        self.db = db
        self.name = name
        self._load_value = load
        self._after = after
        self._value: T | None = value
        self._uses = 0
        self._loader: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._value is not None

    @property
    def started(self) -> bool:
        return self._loader is not None or self.loaded

    def value(self) -> T | None:
        """The value if it is in; counts a use, and the `after`-th starts the load."""
        if self._value is not None:
            return self._value
        with self._lock:
            self._uses += 1
            if self._loader is None and self._uses >= self._after:
                self._loader = threading.Thread(target=self._load, name=self.name, daemon=False)
                self._loader.start()
        return self._value

    def peek(self) -> T | None:
        """The value if it is in, without counting a use."""
        return self._value

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background load, if one runs (benchmarks time the warm path)."""
        if self._loader is not None:
            self._loader.join(timeout)

    def _load(self) -> None:
        try:
            self._value = self._load_value(self.db)
        except Exception:  # the file closed meanwhile: callers keep doing without it
            logging.getLogger("workbench").debug("%s not loaded", self.name, exc_info=True)


class BackgroundMap(BackgroundLoad[dict[K, V]], Generic[K, V]):
    """`get(keys)` through `lookup` until the whole map (`load_all`) is in."""

    def __init__(
        self,
        db: Database,
        name: str,
        lookup: Callable[[Database, list[K]], dict[K, V]],
        load_all: Callable[[Database], dict[K, V]],
        *,
        known: dict[K, V] | None = None,
        after: int = LOAD_AFTER_USES,
    ) -> None:
        super().__init__(db, name, load_all, value=known, after=after)
        self._lookup = lookup

    def get(self, keys: Iterable[K]) -> dict[K, V]:
        """The values of `keys` that have one."""
        keys = list(keys)
        known = self.value()
        if known is not None:
            return {k: known[k] for k in keys if k in known}
        return self._lookup(self.db, keys)


_MAPS: weakref.WeakKeyDictionary[Database, dict[str, BackgroundLoad]] = weakref.WeakKeyDictionary()
_MAPS_LOCK = threading.Lock()


def map_of(db: Database, name: str, make: Callable[[Database], BackgroundLoad]) -> BackgroundLoad:
    """The load (or map) `name` of an open file, made by `make` on first use (dropped with
    the file, or by `forget_maps` when a writer changed it)."""
    with _MAPS_LOCK:
        maps = _MAPS.setdefault(db, {})
        found = maps.get(name)
        if found is None:
            found = maps[name] = make(db)
        return found


def maps_of(db: Database) -> list[BackgroundLoad]:
    """The loads and maps an open file has (to wait for them)."""
    with _MAPS_LOCK:
        return list(_MAPS.get(db, {}).values())


def forget_maps(db: Database) -> None:
    """Drop an open file's maps (a writer changed it)."""
    with _MAPS_LOCK:
        _MAPS.pop(db, None)
