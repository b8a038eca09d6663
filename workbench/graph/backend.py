"""One hop of the graph: edges touching a set of nodes, through SQL/PGQ or plain SQL.

Both backends answer the same question with the same rows: every edge whose source (for
`out`) or target (for `in`) is in the frontier, filtered by relation. Walks of several
hops (`workbench.graph.walk`) are built on this, so the backends cannot drift apart in
anything but the hop itself.
"""

from __future__ import annotations

import os
from typing import Literal, Protocol

from workbench.errors import StoreError
from workbench.graph import memory
from workbench.model import GraphEdge
from workbench.store.database import Database
from workbench.store.queries import sql_strings

Direction = Literal["out", "in", "both"]
DIRECTIONS: tuple[str, ...] = ("out", "in", "both")
BACKENDS: tuple[str, ...] = ("sql", "duckpgq")
PROPERTY_GRAPH = "api_graph"
_COLUMNS = "src, dst, relation, evidence, weight, detail"


class HopBackend(Protocol):
    name: str

    def hop(self, frontier: set[str], relations: tuple[str, ...], direction: str) -> list[GraphEdge]: ...


def _relation_filter(relations: tuple[str, ...], column: str = "relation") -> str:
    return f" AND {column} IN ({sql_strings(relations)})" if relations else ""


class _Backend:
    """A hop as one UNION query of the parts `_parts` writes for each direction asked."""

    name = ""

    def __init__(self, db: Database) -> None:
        self.db = db

    def hop(self, frontier: set[str], relations: tuple[str, ...], direction: str) -> list[GraphEdge]:
        if not frontier:
            return []
        ways = ("out", "in") if direction == "both" else (direction,)
        parts = [self._part(sql_strings(frontier), relations, way) for way in ways]
        rows = self.db.rows(" UNION ".join(parts))
        return sorted(GraphEdge(*r) for r in rows)

    def _part(self, keys: str, relations: tuple[str, ...], way: str) -> str:
        raise NotImplementedError


class SqlBackend(_Backend):
    """Plain SQL on `graph_edges` (what runs without DuckPGQ): the frontier is unnested
    and joined, which DuckDB answers 1.5-3x faster than `src IN (...)` (9 ms against 31 ms
    for 20 targets on 600k edges). A long-lived reader answers from the edges in memory
    once they are loaded (`graph.memory`: the same rows)."""

    name = "sql"

    def hop(self, frontier: set[str], relations: tuple[str, ...], direction: str) -> list[GraphEdge]:
        if not frontier:
            return []
        loaded = memory.edges_of(self.db).value()
        if loaded is not None:
            return loaded.hop(frontier, relations, direction)
        return super().hop(frontier, relations, direction)

    def _part(self, keys: str, relations: tuple[str, ...], way: str) -> str:
        end = "src" if way == "out" else "dst"
        columns = ", ".join(f"e.{c.strip()}" for c in _COLUMNS.split(","))
        where = _relation_filter(relations, "e.relation")
        return (
            f"SELECT {columns} FROM (SELECT unnest([{keys}]) AS k) frontier "
            f"JOIN graph_edges e ON e.{end} = frontier.k WHERE true{where}"
        )


class PgqBackend(_Backend):
    """SQL/PGQ through the DuckPGQ extension: `GRAPH_TABLE (api_graph MATCH ...)`."""

    name = "duckpgq"

    def _part(self, keys: str, relations: tuple[str, ...], way: str) -> str:
        arrow = "-[e:graph_edges]->" if way == "out" else "<-[e:graph_edges]-"
        return f"""SELECT src, dst, relation, evidence, weight, detail FROM GRAPH_TABLE ({PROPERTY_GRAPH}
            MATCH (a:graph_nodes){arrow}(b:graph_nodes)
            WHERE a.path IN ({keys}){_relation_filter(relations, "e.relation")}
            COLUMNS (e.src AS src, e.dst AS dst, e.relation AS relation,
                     e.evidence AS evidence, e.weight AS weight, e.detail AS detail))"""


def duckpgq_available(db: Database) -> bool:
    """Whether `LOAD duckpgq` works here (it is a community extension; nothing is fetched)."""
    try:
        db.execute("LOAD duckpgq")
    except Exception:  # not installed, or a build for another DuckDB
        return False
    return True


def create_property_graph(db: Database) -> None:
    """(Re)declare the property graph over the graph tables, for SQL/PGQ queries."""
    db.execute(
        f"""CREATE OR REPLACE PROPERTY GRAPH {PROPERTY_GRAPH}
        VERTEX TABLES (graph_nodes)
        EDGE TABLES (graph_edges SOURCE KEY (src) REFERENCES graph_nodes (path)
                                 DESTINATION KEY (dst) REFERENCES graph_nodes (path))"""
    )


def open_backend(db: Database, prefer: str | None = None) -> HopBackend:
    """Plain SQL unless DuckPGQ is asked for (`prefer="duckpgq"` or
    `$WORKBENCH_GRAPH_BACKEND=duckpgq`).

    Chosen by speed, not by what loads: on the default index (29 libraries, 615k edges) a
    hop of a 10-node frontier costs 12 ms through SQL against 111 ms through `GRAPH_TABLE`,
    and `ask` p50 160 ms against 207 ms with the same answers (the team measured a DuckPGQ
    build for duckdb 1.5.5; it is not obtainable offline). Shortest paths are breadth-first
    walks of hops (`workbench.graph.walk`), so they take the faster hop too.
    """
    choice = (prefer or os.environ.get("WORKBENCH_GRAPH_BACKEND") or "sql").lower()
    if choice not in BACKENDS:
        raise StoreError(f"unknown graph backend {choice!r}: choose one of {', '.join(BACKENDS)}")
    if choice == "sql":
        return SqlBackend(db)
    if not duckpgq_available(db):
        raise StoreError(
            "the duckpgq extension is not loadable here (install it with INSTALL duckpgq FROM "
            "community, or unset WORKBENCH_GRAPH_BACKEND to use plain SQL)"
        )
    create_property_graph(db)
    return PgqBackend(db)
