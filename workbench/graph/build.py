"""Build the graph tables from the raw edges: resolve targets, add stub nodes, index."""

from __future__ import annotations

from workbench.store.database import Database

#: A raw target resolves to an entity path, else an alias's definition, else the entity
#: whose public path it is; across libraries, so adding a library fills in its stubs.
_TARGETS = """
    CREATE OR REPLACE TEMP TABLE graph_targets AS
    SELECT raw, arg_min(target, priority) AS target FROM (
        SELECT path AS raw, path AS target, 0 AS priority FROM entities
        UNION ALL SELECT alias_path, target_path, 1 FROM aliases
        UNION ALL SELECT public_path, path, 2 FROM entities WHERE public_path <> path
    ) GROUP BY raw
"""

_EDGES = """
    CREATE OR REPLACE TABLE graph_edges AS
    SELECT e.src, coalesce(t.target, e.dst) AS dst, e.relation,
           arg_max(e.evidence, e.weight) AS evidence, max(e.weight) AS weight,
           arg_max(e.detail, e.weight) AS detail, any_value(e.library) AS library
    FROM edges e LEFT JOIN graph_targets t ON t.raw = e.dst
    WHERE coalesce(t.target, e.dst) <> e.src
    GROUP BY ALL
    ORDER BY src
"""

_NODES = """
    CREATE OR REPLACE TABLE graph_nodes AS
    SELECT path, public_path, kind, library, false AS is_stub FROM entities
    UNION ALL
    SELECT alias_path, alias_path, 'alias', library, false FROM aliases
    WHERE alias_path NOT IN (SELECT path FROM entities)
    UNION ALL
    SELECT dst, dst, 'external', split_part(dst, '.', 1), true FROM (
        SELECT DISTINCT dst FROM graph_edges
        WHERE dst NOT IN (SELECT path FROM entities) AND dst NOT IN (SELECT alias_path FROM aliases)
    )
"""


def is_stale(db: Database) -> bool:
    """True when edges changed since the graph tables were built, or they are missing."""
    if db.meta("graph_dirty") != "0":
        return True
    row = db.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('graph_edges', 'graph_nodes')"
    ).fetchone()
    return row[0] < 2


def rebuild(db: Database) -> None:
    """Rebuild `graph_edges` and `graph_nodes` in one transaction, with their indexes, and
    fold them into the file."""
    with db.transaction() as conn:
        conn.execute(_TARGETS)
        conn.execute(_EDGES)
        conn.execute(_NODES)
        conn.execute("DROP TABLE graph_targets")
        conn.execute("CREATE INDEX graph_edges_src ON graph_edges (src)")
        conn.execute("CREATE INDEX graph_edges_dst ON graph_edges (dst)")
        conn.execute("CREATE INDEX graph_nodes_path ON graph_nodes (path)")
        db.set_meta("graph_dirty", "0", conn)
    db.checkpoint()


def size(db: Database) -> list[tuple[str, int]]:
    """(relation, edges) per relation, most first, then node and stub-node counts."""
    rows = db.execute("SELECT relation, count(*) FROM graph_edges GROUP BY 1 ORDER BY 2 DESC").fetchall()
    nodes, stubs = db.execute("SELECT count(*), count(*) FILTER (is_stub) FROM graph_nodes").fetchone()
    return [*((r, int(n)) for r, n in rows), ("nodes", int(nodes)), ("stub nodes", int(stubs))]
