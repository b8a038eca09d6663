"""Ranking signals read from the file: graph in-degrees and the BM25 index's stopwords."""

from __future__ import annotations

import weakref

import duckdb

from workbench.store.bm25 import FTS
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
    rows = db.execute(
        f"""SELECT dst, count(*) FROM graph_edges
        WHERE dst IN ({sql_strings(paths)}) AND relation IN ({sql_strings(PRIOR_RELATIONS)})
        GROUP BY dst"""
    ).fetchall()
    return {str(dst): int(n) for dst, n in rows}


def library_names(db: Database) -> frozenset[str]:
    """Names of the libraries in the file."""
    return frozenset(r[0] for r in db.execute("SELECT name FROM libraries").fetchall())


_STOPWORDS: weakref.WeakKeyDictionary[Database, frozenset[str]] = weakref.WeakKeyDictionary()


def cached_stopwords(db: Database) -> frozenset[str]:
    """`stopwords`, read once per open file (they change only when the index is rebuilt)."""
    if db not in _STOPWORDS:
        _STOPWORDS[db] = stopwords(db)
    return _STOPWORDS[db]


def stopwords(db: Database) -> frozenset[str]:
    """The stopwords the BM25 index was built with (empty without an index)."""
    try:
        return frozenset(r[0] for r in db.execute(f"SELECT sw FROM {FTS}.stopwords").fetchall())
    except duckdb.Error:  # no fts schema yet: nothing is filtered
        return frozenset()
