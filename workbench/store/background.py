"""Lookups that a long-lived reader turns into one in-memory map per open file.

A search needs a few values per candidate (an in-degree, the entity a chunk belongs to).
Looked up per search, each costs a query (3-13 ms on the default index); loaded whole, the
map costs one query (50-150 ms) and then nothing. A `BackgroundMap` looks values up per
call until the map, loaded on a thread of its own from its second use on, is in: a
one-off CLI search never pays for the map, a TUI, server or eval session pays once.
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

#: uses of a map on one open file before it loads whole in the background
LOAD_AFTER_USES = 2


class BackgroundMap(Generic[K, V]):
    """`get(keys)` through `lookup` until `load_all` (run in the background) is in."""

    def __init__(
        self,
        db: Database,
        name: str,
        lookup: Callable[[Database, list[K]], dict[K, V]],
        load_all: Callable[[Database], dict[K, V]],
        *,
        known: dict[K, V] | None = None,
    ) -> None:
        self.db = db
        self.name = name
        self._lookup = lookup
        self._load_all = load_all
        self._all: dict[K, V] | None = known
        self._uses = 0
        self._loader: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._all is not None

    def get(self, keys: Iterable[K]) -> dict[K, V]:
        """The values of `keys` that have one."""
        keys = list(keys)
        known = self._all
        if known is not None:
            return {k: known[k] for k in keys if k in known}
        with self._lock:
            self._uses += 1
            if self._loader is None and self._uses >= LOAD_AFTER_USES:
                self._loader = threading.Thread(target=self._load, name=self.name, daemon=False)
                self._loader.start()
        return self._lookup(self.db, keys)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background load, if one runs (benchmarks time the warm path)."""
        if self._loader is not None:
            self._loader.join(timeout)

    def _load(self) -> None:
        try:
            self._all = self._load_all(self.db)
        except Exception:  # the file closed meanwhile: calls keep looking values up
            logging.getLogger("workbench").debug("%s not loaded", self.name, exc_info=True)


_MAPS: weakref.WeakKeyDictionary[Database, dict[str, BackgroundMap]] = weakref.WeakKeyDictionary()
_MAPS_LOCK = threading.Lock()


def map_of(db: Database, name: str, make: Callable[[Database], BackgroundMap]) -> BackgroundMap:
    """The map `name` of an open file, made by `make` on first use (dropped with the file)."""
    with _MAPS_LOCK:
        maps = _MAPS.setdefault(db, {})
        found = maps.get(name)
        if found is None:
            found = maps[name] = make(db)
        return found


def maps_of(db: Database) -> list[BackgroundMap]:
    """The maps an open file has (to wait for their loads)."""
    with _MAPS_LOCK:
        return list(_MAPS.get(db, {}).values())


def forget_maps(db: Database) -> None:
    """Drop an open file's maps (a writer changed it)."""
    with _MAPS_LOCK:
        _MAPS.pop(db, None)
