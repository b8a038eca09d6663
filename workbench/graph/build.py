"""Build the graph tables from the raw edges: resolve targets, add stub nodes, index."""

from __future__ import annotations

from workbench.store.database import Database

#: A raw target resolves to an entity path, else an alias's definition, else the entity
#: whose public path it is; across libraries, so adding a library fills in its stubs.
#: `{wanted}` limits each branch (a refresh resolves only the raw targets it re-reads).
_TARGETS = """
    CREATE OR REPLACE TEMP TABLE graph_targets AS
    SELECT raw, arg_min(target, priority) AS target FROM (
        SELECT path AS raw, path AS target, 0 AS priority FROM entities WHERE {path}
        UNION ALL SELECT alias_path, target_path, 1 FROM aliases WHERE {alias_path}
        UNION ALL SELECT public_path, path, 2 FROM entities WHERE public_path <> path AND {public_path}
    ) GROUP BY raw
"""

#: Raw edges of table `{raw}` with their targets resolved, one row per (src, dst, relation).
_RESOLVED = """
    SELECT e.src, coalesce(t.target, e.dst) AS dst, e.relation,
           arg_max(e.evidence, e.weight) AS evidence, max(e.weight) AS weight,
           arg_max(e.detail, e.weight) AS detail, any_value(e.library) AS library
    FROM {raw} e LEFT JOIN graph_targets t ON t.raw = e.dst
    WHERE coalesce(t.target, e.dst) <> e.src
    GROUP BY e.src, coalesce(t.target, e.dst), e.relation
"""

#: Nodes the libraries matching `{libraries}` define: entities, and aliases of their own.
_DEFINED = """
    SELECT path, public_path, kind, library, false AS is_stub FROM entities WHERE {libraries}
    UNION ALL
    SELECT alias_path, alias_path, 'alias', library, false FROM aliases
    WHERE {libraries} AND alias_path NOT IN (SELECT path FROM entities)
"""

#: Targets that nothing defines.
_STUBS = """
    SELECT dst, dst, 'external', split_part(dst, '.', 1), true FROM (
        SELECT DISTINCT dst FROM graph_edges
        WHERE dst NOT IN (SELECT path FROM entities) AND dst NOT IN (SELECT alias_path FROM aliases)
    )
"""


def _targets(raw_edges: str | None = None) -> str:
    """`_TARGETS` for every raw target, or for those of the table `raw_edges`."""
    columns = ("path", "alias_path", "public_path")
    wanted = {c: f"{c} IN (SELECT dst FROM {raw_edges})" if raw_edges else "true" for c in columns}
    return _TARGETS.format(**wanted)


def _tables_built(db: Database) -> bool:
    return db.has_tables("graph_edges", "graph_nodes")


def is_stale(db: Database) -> bool:
    """True when edges changed since the graph tables were built, or they are missing."""
    return db.meta("graph_dirty") != "0" or not _tables_built(db)


def rebuild(db: Database) -> None:
    """Rebuild `graph_edges` and `graph_nodes` in one transaction, with their indexes, and
    fold them into the file."""
    with db.transaction() as conn:
        conn.execute(_targets())
        conn.execute(f"CREATE OR REPLACE TABLE graph_edges AS {_RESOLVED.format(raw='edges')} ORDER BY src")
        conn.execute(
            f"CREATE OR REPLACE TABLE graph_nodes AS {_DEFINED.format(libraries='true')} UNION ALL {_STUBS}"
        )
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
    libraries = pending(db)
    if not libraries or not _tables_built(db):
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
    SELECT e.* FROM edges e JOIN graph_affected a ON e.src = a.src AND e.relation = a.relation
"""


def refresh(db: Database, libraries: list[str]) -> None:
    """Re-resolve only the edges and nodes that the changed `libraries` can affect, in one
    transaction; the result equals a full `rebuild` (tested).

    The names go in as bound parameters (a temp table), never into the SQL text."""
    libs = "SELECT name FROM graph_libs"
    mine = f"library IN ({libs})"
    with db.transaction() as conn:
        conn.execute("CREATE OR REPLACE TEMP TABLE graph_libs (name VARCHAR)")
        conn.executemany("INSERT INTO graph_libs VALUES (?)", [[name] for name in libraries])
        for script in (_AFFECTED.format(libs=libs), _REFRESH_EDGES):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(_targets("graph_raw"))
        conn.execute(f"INSERT INTO graph_edges {_RESOLVED.format(raw='graph_raw')}")
        conn.execute(f"DELETE FROM graph_nodes WHERE is_stub OR {mine}")
        conn.execute(f"INSERT INTO graph_nodes {_DEFINED.format(libraries=mine)}")
        conn.execute(f"INSERT INTO graph_nodes {_STUBS}")
        for table in ("graph_prefixes", "graph_affected", "graph_raw", "graph_targets", "graph_libs"):
            conn.execute(f"DROP TABLE {table}")
        db.set_meta("graph_dirty", "0", conn)
        db.set_meta("graph_pending", "", conn)
    db.checkpoint()


def size(db: Database) -> list[tuple[str, int]]:
    """(relation, edges) per relation, most first, then node and stub-node counts."""
    rows = db.execute("SELECT relation, count(*) FROM graph_edges GROUP BY 1 ORDER BY 2 DESC").fetchall()
    nodes, stubs = db.execute("SELECT count(*), count(*) FILTER (is_stub) FROM graph_nodes").fetchone()
    return [*((r, int(n)) for r, n in rows), ("nodes", int(nodes)), ("stub nodes", int(stubs))]
