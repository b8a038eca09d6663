"""Read-only aggregates for dashboards: graph degrees and hubs, public callables per library."""

from __future__ import annotations

from workbench.model import Entity
from workbench.store.database import Database
from workbench.store.queries import ENTITY_COLUMNS, _entity_from_row

#: Which end of an edge a degree counts: "in" counts edges arriving at a node (a base class
#: that many classes inherit, an exception many functions raise), "out" edges leaving it.
_END = {"in": "dst", "out": "src"}


def _end(direction: str) -> str:
    if direction not in _END:
        raise ValueError(f"direction must be in or out, not {direction!r}")
    return _END[direction]


def degree_histogram(db: Database, direction: str = "in") -> list[tuple[str, int, int]]:
    """(relation, degree, nodes with that degree) over the nodes that have at least one
    edge of the relation, by relation then degree."""
    end = _end(direction)
    rows = db.execute(
        f"""
        WITH d AS (SELECT relation, {end} AS node, count(*) AS degree FROM graph_edges GROUP BY 1, 2)
        SELECT relation, degree, count(*) FROM d GROUP BY 1, 2 ORDER BY 1, 2"""
    ).fetchall()
    return [(r, int(d), int(n)) for r, d, n in rows]


def hubs(
    db: Database, relation: str, direction: str = "in", limit: int = 10
) -> list[tuple[str, str, str, str, int]]:
    """(path, public path, kind, library, degree) of the nodes with the most edges of a
    relation at one end, most first (stubs such as `builtins.ValueError` included)."""
    end = _end(direction)
    rows = db.execute(
        f"""
        WITH d AS (SELECT {end} AS node, count(*) AS degree FROM graph_edges WHERE relation = ? GROUP BY 1)
        SELECT d.node, coalesce(n.public_path, d.node), coalesce(n.kind, 'external'),
               coalesce(n.library, split_part(d.node, '.', 1)), d.degree
        FROM d LEFT JOIN graph_nodes n ON n.path = d.node
        ORDER BY d.degree DESC, d.node LIMIT ?""",
        [relation, limit],
    ).fetchall()
    return [(p, pp, k, lib, int(deg)) for p, pp, k, lib, deg in rows]


def public_callables(db: Database, library: str) -> list[Entity]:
    """A library's public classes, functions and methods (what documentation quality is
    measured on)."""
    rows = db.execute(
        f"SELECT {ENTITY_COLUMNS} FROM entities WHERE library = ? AND is_public "
        "AND kind IN ('class', 'function', 'method') ORDER BY path",
        [library],
    ).fetchall()
    return [_entity_from_row(row) for row in rows]
