"""Ranking signals read from the file: graph in-degrees and the library names."""

from __future__ import annotations

import logging
import threading
import weakref

from workbench.store.database import Database
from workbench.store.queries import sql_strings

#: relations through which other entities point at an answer: being called, mentioned,
#: returned, accepted, raised, inherited from or re-exported makes an entity more often
#: the one people look up; structural ones (member_of, alias_of, overrides) say nothing
PRIOR_RELATIONS = ("calls", "mentions", "returns", "accepts", "raises", "inherits", "reexports")


def in_degrees(db: Database, paths: list[str]) -> dict[str, int]:
    """How many edges of `PRIOR_RELATIONS` point at each of `paths` (absent: none)."""
    if not paths:
        return {}
    # the relation test inside the aggregate keeps `dst IN (...)` alone in the WHERE, where
    # the ART index on `dst` answers it (a few ms against a scan of every edge)
    rows = db.execute(
        f"""SELECT dst, count(*) FILTER (WHERE relation IN ({sql_strings(PRIOR_RELATIONS)}))
        FROM graph_edges WHERE dst IN ({sql_strings(paths)}) GROUP BY dst"""
    ).fetchall()
    return {str(dst): int(n) for dst, n in rows if n}


def all_in_degrees(db: Database) -> dict[str, int]:
    """Every node's in-degree over `PRIOR_RELATIONS` (those with none left out): 76k nodes,
    ~140 ms on the default index."""
    rows = db.execute(
        f"SELECT dst, count(*) FROM graph_edges WHERE relation IN ({sql_strings(PRIOR_RELATIONS)}) "
        "GROUP BY dst"
    ).fetchall()
    return {str(dst): int(n) for dst, n in rows}


#: searches on one open file before its whole in-degree map loads in the background
LOAD_AFTER_SEARCHES = 2


class InDegrees:
    """In-degrees of one open file: looked up per search (3-13 ms on the default index,
    more for hubs) until the whole map, loaded on a thread of its own from the second
    search on, makes them free. A one-off CLI search never pays for the map."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # a file whose graph is missing (a writer killed mid-build): no prior, no failure
        built = db.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE table_name = 'graph_edges' AND database_name = current_database()"
        ).fetchone()[0]
        self._all: dict[str, int] | None = None if built else {}
        self._searches = 0
        self._loader: threading.Thread | None = None
        self._lock = threading.Lock()

    def get(self, paths: list[str]) -> dict[str, int]:
        known = self._all
        if known is not None:
            return {p: known[p] for p in paths if p in known}
        with self._lock:
            self._searches += 1
            if self._loader is None and self._searches >= LOAD_AFTER_SEARCHES:
                self._loader = threading.Thread(target=self._load, name="in-degrees", daemon=False)
                self._loader.start()
        return in_degrees(self.db, paths)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background load, if one runs (benchmarks time the warm path)."""
        if self._loader is not None:
            self._loader.join(timeout)

    def _load(self) -> None:
        try:
            self._all = all_in_degrees(self.db)
        except Exception:  # the file closed meanwhile: searches keep looking them up
            logging.getLogger("workbench").debug("in-degree map not loaded", exc_info=True)


_IN_DEGREES: weakref.WeakKeyDictionary[Database, InDegrees] = weakref.WeakKeyDictionary()
_IN_DEGREES_LOCK = threading.Lock()


def in_degrees_of(db: Database) -> InDegrees:
    """The in-degree lookup of an open file (one per `Database`, dropped with it)."""
    with _IN_DEGREES_LOCK:
        found = _IN_DEGREES.get(db)
        if found is None:
            found = _IN_DEGREES[db] = InDegrees(db)
        return found


def forget_in_degrees(db: Database) -> None:
    """Drop a file's in-degrees (a writer changed its graph)."""
    with _IN_DEGREES_LOCK:
        _IN_DEGREES.pop(db, None)


def library_names(db: Database) -> frozenset[str]:
    """Names of the libraries in the file."""
    return frozenset(r[0] for r in db.execute("SELECT name FROM libraries").fetchall())
