"""Ranking signals read from the file: how entities are used (graph in-degrees and the
libraries that use them), the libraries' sizes and names."""

from __future__ import annotations

from typing import NamedTuple

from workbench.store.background import BackgroundLoad, BackgroundMap, map_of
from workbench.store.database import Database
from workbench.store.queries import sql_strings

#: relations through which other entities point at an answer: being called, mentioned,
#: returned, accepted, raised, inherited from or re-exported makes an entity more often
#: the one people look up; structural ones (member_of, alias_of, overrides) say nothing
PRIOR_RELATIONS = ("calls", "mentions", "returns", "accepts", "raises", "inherits", "reexports")


class Usage(NamedTuple):
    """How other entities point at one: its in-degree over `PRIOR_RELATIONS` and the
    libraries whose entities make those edges (its own among them, when it uses it)."""

    in_degree: int
    libraries: frozenset[str]

    def used_by(self, library: str) -> int:
        """How many libraries other than `library` (the entity's own) point at it: the
        standard library's `collections.deque` is used by 13 of the default set's, a
        private helper by none."""
        return len(self.libraries - {library})


NO_USAGE = Usage(0, frozenset())


def _usage_rows(db: Database, where: str) -> dict[str, Usage]:
    # the relation test inside the aggregates keeps `dst IN (...)` alone in the WHERE,
    # where the ART index on `dst` answers it (a few ms against a scan of every edge)
    relations = sql_strings(PRIOR_RELATIONS)
    rows = db.rows(
        f"""SELECT dst, count(*) FILTER (WHERE relation IN ({relations})),
        list(DISTINCT library) FILTER (WHERE relation IN ({relations}))
        FROM graph_edges {where} GROUP BY dst"""
    )
    shared: dict[frozenset[str], frozenset[str]] = {}
    return {
        str(dst): Usage(int(n), shared.setdefault(frozenset(libs or ()), frozenset(libs or ())))
        for dst, n, libs in rows
        if n
    }


def usage(db: Database, paths: list[str]) -> dict[str, Usage]:
    """The `Usage` of each of `paths` that some edge of `PRIOR_RELATIONS` points at."""
    return _usage_rows(db, f"WHERE dst IN ({sql_strings(paths)})") if paths else {}


def all_usage(db: Database) -> dict[str, Usage]:
    """Every node's `Usage` (those no edge points at left out): 78k nodes, ~150 ms on the
    default index."""
    return _usage_rows(db, "")


def _make_usage(db: Database) -> BackgroundMap[str, Usage]:
    # a file whose graph is missing (a writer killed mid-build): no prior, no failure
    built = db.has_tables("graph_edges")
    return BackgroundMap(db, "usage", usage, all_usage, known=None if built else {})


def usage_of(db: Database) -> BackgroundMap[str, Usage]:
    """Usage of an open file's entities: per search (4-15 ms on the default index, more
    for hubs) until the whole map (78k nodes, ~150 ms once) is in (see
    `store.background`)."""
    return map_of(db, "usage", _make_usage)


def library_sizes(db: Database) -> dict[str, int]:
    """Entities per library (as the last ingest counted them), read once per open file:
    a hit from transformers (153k) is one of many more candidates than one from h11
    (244)."""
    load = map_of(
        db,
        "library-sizes",
        lambda d: BackgroundLoad(d, "library-sizes", _library_sizes, value=_library_sizes(d)),
    )
    return load.peek() or {}


def _library_sizes(db: Database) -> dict[str, int]:
    rows = db.rows("SELECT name, coalesce(entity_count, 0) FROM libraries")
    return {str(library): int(n) for library, n in rows}


def library_names(db: Database) -> frozenset[str]:
    """Names of the libraries in the file."""
    return frozenset(r[0] for r in db.execute("SELECT name FROM libraries").fetchall())
