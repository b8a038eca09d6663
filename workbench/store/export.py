"""Copy some or all libraries of a file into a new one (export) or into another (import).

Both read the other file through `ATTACH` on the caller's connection, inside one
transaction: an export reads one snapshot of its source, an import writes all or nothing.
Search indexes and graph tables are derived; the caller rebuilds them
(`pipeline.ensure_indexes`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from workbench.errors import StoreError, UnknownLibraryError
from workbench.store.database import DERIVED_TABLES, Database
from workbench.store.manifest import MANIFEST_KEY
from workbench.store.writer import PASSAGE_PRECISION, mark_graph_dirty, recorded_passage_precision

#: Tables a teammate has no use for: their own judgements stay with them.
PERSONAL_TABLES = frozenset({"feedback", "suggestions"})
#: Tables every file has its own of.
OWN_TABLES = frozenset({"workbench_meta", "schema_migrations"})
#: What an import takes of a library: its rows replace the receiver's...
IMPORTED_TABLES = ("libraries", "entities", "aliases", "chunks", "cards", "edges")
#: ...and its version history is added to the receiver's (opt-outs stay the receiver's own).
APPENDED_TABLES = ("library_versions",)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _library_tables(conn: duckdb.DuckDBPyConnection, alias: str) -> dict[str, str | None]:
    """Each copied table of database `alias` with its library column (None: not per library)."""
    rows = conn.execute(
        "SELECT table_name, list(column_name) FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = 'main' GROUP BY table_name",
        [alias],
    ).fetchall()
    skip = DERIVED_TABLES | PERSONAL_TABLES | OWN_TABLES
    out: dict[str, str | None] = {}
    for table, columns in rows:
        if table in skip:
            continue
        out[table] = "name" if table == "libraries" else ("library" if "library" in columns else None)
    return out


def check_libraries(db: Database, wanted: list[str]) -> list[str]:
    """The names of `wanted` the file holds, in order; all of them when `wanted` is empty.

    Raises:
        UnknownLibraryError: a name is not in the file (the message lists what is).
    """
    have = [r[0] for r in db.execute("SELECT name FROM libraries ORDER BY name").fetchall()]
    missing = [name for name in wanted if name not in have]
    if missing:
        raise UnknownLibraryError(
            f"{db.path} holds no library {', '.join(missing)}: choose from {', '.join(have) or 'none'}"
        )
    return list(dict.fromkeys(wanted)) if wanted else have


def export_rows(db: Database, destination: Path, libraries: list[str] | None) -> None:
    """Copy the rows of `libraries` (every table but the derived and personal ones; all
    rows when None, opt-outs and history included) into the new workbench file
    `destination`, in one read transaction of `db`. Edges of the copied libraries into
    left-out ones are kept: the graph build makes them stub nodes.
    """
    Database(destination, read_only=False, dimension=db.dimension).close()
    with db._lock:
        conn = db.conn
        conn.execute(f"ATTACH '{_quote(destination)}' AS wb_out")
        try:
            conn.execute("BEGIN TRANSACTION")
            tables = _library_tables(conn, "wb")
            wanted = "(" + ", ".join("?" for _ in libraries or []) + ")"
            for table, column in sorted(tables.items()):
                subset = column is not None and libraries is not None
                where = f" WHERE {column} IN {wanted}" if subset else ""
                params = list(libraries or []) if subset else []
                conn.execute(
                    f"INSERT INTO wb_out.main.{table} BY NAME SELECT * FROM wb.main.{table}{where}", params
                )
            conn.execute("DELETE FROM wb_out.main.workbench_meta")
            conn.execute(
                "INSERT INTO wb_out.main.workbench_meta SELECT * FROM wb.main.workbench_meta "
                "WHERE key NOT IN (?, 'graph_pending')",
                [MANIFEST_KEY],
            )
            conn.execute(
                "UPDATE wb_out.main.workbench_meta SET value = '1' WHERE key IN ('fts_dirty', 'graph_dirty')"
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute("DETACH wb_out")


def import_rows(db: Database, source: Path, libraries: list[str]) -> None:
    """Replace (or add) `libraries` in `db` by the rows of the workbench file `source`, in
    one transaction; chunks get new ids after `db`'s highest (ids are never reused).

    Raises:
        StoreError: `db` is open read-only.
    """
    if db.read_only:
        raise StoreError(f"{db.path} is open read-only: importing needs it writable")
    with db._lock:
        db.conn.execute(f"ATTACH '{_quote(source)}' AS wb_in (READ_ONLY)")
        try:
            # db.transaction: the commit counts as a change, so the writer swaps it in
            with db.transaction() as conn:
                precision_before = recorded_passage_precision(db)
                for name in libraries:
                    for table in IMPORTED_TABLES:
                        column = "name" if table == "libraries" else "library"
                        conn.execute(f"DELETE FROM wb.main.{table} WHERE {column} = ?", [name])
                        if table == "chunks":
                            _import_chunks(db, conn, name)
                            continue
                        conn.execute(
                            f"INSERT INTO wb.main.{table} BY NAME "
                            f"SELECT * FROM wb_in.main.{table} WHERE {column} = ?",
                            [name],
                        )
                    for table in APPENDED_TABLES:  # rows the receiver has already are not doubled
                        conn.execute(
                            f"INSERT INTO wb.main.{table} SELECT * FROM (SELECT * FROM wb_in.main.{table} "
                            f"WHERE library = ? EXCEPT SELECT * FROM wb.main.{table})",
                            [name],
                        )
                    mark_graph_dirty(db, conn, name)
                theirs = dict(conn.execute("SELECT key, value FROM wb_in.main.workbench_meta").fetchall())
                for key in ("embedding_model", "embedding_dim"):
                    if key in theirs and db.meta(key) is None:
                        db.set_meta(key, theirs[key], conn)
                if precision_before is None:  # the vectors' precision comes with them
                    db.set_meta(PASSAGE_PRECISION, theirs.get(PASSAGE_PRECISION, "fp32"), conn)
                db.set_meta("fts_dirty", "1", conn)
        finally:
            db.conn.execute("DETACH wb_in")


def _import_chunks(db: Database, conn: duckdb.DuckDBPyConnection, name: str) -> None:
    first = conn.execute(
        "SELECT greatest(coalesce(max(id), 0), coalesce((SELECT max(value::BIGINT) "
        "FROM wb.main.workbench_meta WHERE key = 'chunk_id_high'), 0)) + 1 FROM wb.main.chunks"
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO wb.main.chunks BY NAME SELECT * REPLACE (row_number() OVER (ORDER BY id) + ? - 1 AS id) "
        "FROM wb_in.main.chunks WHERE library = ? ORDER BY id",
        [first, name],
    )
    high = conn.execute("SELECT max(id) FROM wb.main.chunks").fetchone()[0]
    if high is not None:
        db.set_meta("chunk_id_high", str(max(int(high), first - 1)), conn)
