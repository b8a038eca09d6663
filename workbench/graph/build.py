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
        db.set_meta("graph_pending", "", conn)
    db.checkpoint()


def pending(db: Database) -> list[str]:
    """Libraries whose edges changed since the graph tables were built."""
    return [name for name in (db.meta("graph_pending") or "").split(",") if name]


def update(db: Database) -> str:
    """Bring the graph tables up to date: refresh only what touches the libraries that
    changed when the tables exist and those are known, else rebuild. Returns which."""
    tables = db.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('graph_edges', 'graph_nodes')"
    ).fetchone()[0]
    libraries = pending(db)
    if tables < 2 or not libraries:
        rebuild(db)
        return "rebuilt"
    refresh(db, libraries)
    return "refreshed"


#: (src, relation) pairs whose resolved edges may change: the changed libraries' own
#: edges (now and as built), and every edge whose raw target lies under a top-level name
#: of theirs (a stub that a new library defines, or a target that moved or vanished).
_AFFECTED = """
    CREATE OR REPLACE TEMP TABLE graph_prefixes AS
    SELECT DISTINCT split_part(path, '.', 1) AS prefix FROM entities WHERE library IN ({libs})
    UNION SELECT DISTINCT split_part(alias_path, '.', 1) FROM aliases WHERE library IN ({libs})
    UNION SELECT DISTINCT split_part(path, '.', 1) FROM graph_nodes
    WHERE library IN ({libs}) AND NOT is_stub;
    CREATE OR REPLACE TEMP TABLE graph_affected AS
    SELECT DISTINCT src, relation FROM edges
    WHERE library IN ({libs}) OR split_part(dst, '.', 1) IN (SELECT prefix FROM graph_prefixes)
    UNION SELECT DISTINCT src, relation FROM graph_edges WHERE library IN ({libs});
"""

_REFRESH_EDGES = """
    DELETE FROM graph_edges g USING graph_affected a WHERE g.src = a.src AND g.relation = a.relation;
    CREATE OR REPLACE TEMP TABLE graph_raw AS
    SELECT e.* FROM edges e JOIN graph_affected a ON e.src = a.src AND e.relation = a.relation;
    CREATE OR REPLACE TEMP TABLE graph_targets AS
    SELECT raw, arg_min(target, priority) AS target FROM (
        SELECT path AS raw, path AS target, 0 AS priority FROM entities
        WHERE path IN (SELECT dst FROM graph_raw)
        UNION ALL SELECT alias_path, target_path, 1 FROM aliases
        WHERE alias_path IN (SELECT dst FROM graph_raw)
        UNION ALL SELECT public_path, path, 2 FROM entities
        WHERE public_path <> path AND public_path IN (SELECT dst FROM graph_raw)
    ) GROUP BY raw;
    INSERT INTO graph_edges
    SELECT e.src, coalesce(t.target, e.dst) AS dst, e.relation,
           arg_max(e.evidence, e.weight), max(e.weight), arg_max(e.detail, e.weight), any_value(e.library)
    FROM graph_raw e LEFT JOIN graph_targets t ON t.raw = e.dst
    WHERE coalesce(t.target, e.dst) <> e.src
    GROUP BY e.src, coalesce(t.target, e.dst), e.relation;
"""

_REFRESH_NODES = """
    DELETE FROM graph_nodes WHERE is_stub OR library IN ({libs});
    INSERT INTO graph_nodes
    SELECT path, public_path, kind, library, false FROM entities WHERE library IN ({libs});
    INSERT INTO graph_nodes
    SELECT alias_path, alias_path, 'alias', library, false FROM aliases
    WHERE library IN ({libs}) AND alias_path NOT IN (SELECT path FROM entities);
    INSERT INTO graph_nodes
    SELECT dst, dst, 'external', split_part(dst, '.', 1), true FROM (
        SELECT DISTINCT dst FROM graph_edges
        WHERE dst NOT IN (SELECT path FROM entities) AND dst NOT IN (SELECT alias_path FROM aliases)
    );
"""


def refresh(db: Database, libraries: list[str]) -> None:
    """Re-resolve only the edges and nodes that the changed `libraries` can affect, in one
    transaction; the result equals a full `rebuild` (tested)."""
    libs = ", ".join("'" + name.replace("'", "''") + "'" for name in libraries)
    with db.transaction() as conn:
        for script in (_AFFECTED, _REFRESH_EDGES, _REFRESH_NODES):
            for statement in script.format(libs=libs).split(";"):
                if statement.strip():
                    conn.execute(statement)
        for table in ("graph_prefixes", "graph_affected", "graph_raw", "graph_targets"):
            conn.execute(f"DROP TABLE {table}")
        db.set_meta("graph_dirty", "0", conn)
        db.set_meta("graph_pending", "", conn)
    db.checkpoint()


def size(db: Database) -> list[tuple[str, int]]:
    """(relation, edges) per relation, most first, then node and stub-node counts."""
    rows = db.execute("SELECT relation, count(*) FROM graph_edges GROUP BY 1 ORDER BY 2 DESC").fetchall()
    nodes, stubs = db.execute("SELECT count(*), count(*) FILTER (is_stub) FROM graph_nodes").fetchone()
    return [*((r, int(n)) for r, n in rows), ("nodes", int(nodes)), ("stub nodes", int(stubs))]
