"""Ranking signals read from the file: graph in-degrees and the library names."""

from __future__ import annotations

from workbench.store.background import BackgroundMap, map_of
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
    rows = db.rows(
        f"""SELECT dst, count(*) FILTER (WHERE relation IN ({sql_strings(PRIOR_RELATIONS)}))
        FROM graph_edges WHERE dst IN ({sql_strings(paths)}) GROUP BY dst"""
    )
    return {str(dst): int(n) for dst, n in rows if n}


def all_in_degrees(db: Database) -> dict[str, int]:
    """Every node's in-degree over `PRIOR_RELATIONS` (those with none left out): 76k nodes,
    ~140 ms on the default index."""
    rows = db.execute(
        f"SELECT dst, count(*) FROM graph_edges WHERE relation IN ({sql_strings(PRIOR_RELATIONS)}) "
        "GROUP BY dst"
    ).fetchall()
    return {str(dst): int(n) for dst, n in rows}


def _make_in_degrees(db: Database) -> BackgroundMap[str, int]:
    # a file whose graph is missing (a writer killed mid-build): no prior, no failure
    built = db.has_tables("graph_edges")
    return BackgroundMap(db, "in-degrees", in_degrees, all_in_degrees, known=None if built else {})


def in_degrees_of(db: Database) -> BackgroundMap[str, int]:
    """In-degrees of an open file: per search (3-13 ms on the default index, more for
    hubs) until the whole map (76k nodes, ~140 ms once) is in (see `store.background`)."""
    return map_of(db, "in-degrees", _make_in_degrees)


def library_names(db: Database) -> frozenset[str]:
    """Names of the libraries in the file."""
    return frozenset(r[0] for r in db.execute("SELECT name FROM libraries").fetchall())
