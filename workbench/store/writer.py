"""Write one library's entities, aliases and chunks atomically; rebuild search indexes."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from workbench.model import Chunk, Edge, Entity, LibraryInfo
from workbench.store import bm25, queries
from workbench.store.database import Database

if TYPE_CHECKING:
    import pyarrow as pa

# pyarrow is imported by the functions that write rows: readers start without it.

HNSW_INDEX = "chunks_embedding_hnsw"


def _entities_table(entities: list[Entity]) -> pa.Table:
    import pyarrow as pa

    return pa.table(
        {
            "path": [e.path for e in entities],
            "public_path": [e.public_path for e in entities],
            "library": [e.library for e in entities],
            "version": [e.version for e in entities],
            "kind": [e.kind for e in entities],
            "name": [e.name for e in entities],
            "parent_path": [e.parent_path for e in entities],
            "signature": [e.signature for e in entities],
            "returns": [e.returns for e in entities],
            "docstring": [e.docstring for e in entities],
            "summary": [e.summary for e in entities],
            "sections": [json.dumps([asdict(s) for s in e.sections]) for e in entities],
            "docstring_style": [e.docstring_style for e in entities],
            "filepath": [e.filepath for e in entities],
            "lineno": pa.array([e.lineno for e in entities], pa.int32()),
            "endlineno": pa.array([e.endlineno for e in entities], pa.int32()),
            "is_public": [e.is_public for e in entities],
            "is_deprecated": [e.is_deprecated for e in entities],
            "source": [e.source for e in entities],
            "bases": pa.array([e.bases for e in entities], pa.list_(pa.string())),
            "content_hash": [e.content_hash for e in entities],
        }
    )


def _chunks_table(chunks: list[Chunk], embeddings: np.ndarray, first_id: int) -> pa.Table:
    import pyarrow as pa

    """Rows for new chunks; a row whose vector is NaN gets a null embedding (stored already)."""
    dim = embeddings.shape[1] if len(chunks) else 1
    flat = pa.array(np.nan_to_num(np.ascontiguousarray(embeddings, dtype=np.float32)).ravel())
    missing = pa.array(np.isnan(embeddings).any(axis=1) if len(chunks) else np.zeros(0, dtype=bool))
    vectors = pa.FixedSizeListArray.from_arrays(flat, dim, mask=missing)
    return pa.table(
        {
            "id": pa.array(range(first_id, first_id + len(chunks)), pa.int64()),
            "entity_path": [c.entity_path for c in chunks],
            "library": [c.library for c in chunks],
            "ordinal": pa.array([c.ordinal for c in chunks], pa.int32()),
            "text": [c.text for c in chunks],
            "fts_text": [c.fts_text for c in chunks],
            "text_hash": [c.text_hash for c in chunks],
            "embedding": vectors,
        }
    )


def stored_text_hashes(db: Database, library: str) -> set[str]:
    """Text hashes of a library's stored chunks: their vectors need no embedding."""
    rows = db.execute("SELECT DISTINCT text_hash FROM chunks WHERE library = ?", [library]).fetchall()
    return {r[0] for r in rows}


def replace_library(
    db: Database,
    info: LibraryInfo,
    entities: list[Entity],
    aliases: list[tuple[str, str]],
    chunks: list[Chunk],
    embeddings: np.ndarray,
    edges: list[Edge] | None = None,
    *,
    hold: float = 0.0,
) -> None:
    """Replace everything stored for `info.name` in one transaction.

    A crash at any point leaves either the old rows or the new ones, never a mix. The
    full-text index is marked stale in the same transaction and refreshed by
    `rebuild_indexes`.

    Args:
        hold: seconds to wait inside the open transaction, after the old rows are deleted;
            only the kill-mid-ingest test sets it (through WORKBENCH_TEST_HOLD_SECONDS).
    """
    import pyarrow as pa

    entity_rows = _entities_table(entities)
    edges = edges or []
    edge_rows = pa.table(
        {
            "src": [e.src for e in edges],
            "dst": [e.dst for e in edges],
            "relation": [e.relation for e in edges],
            "evidence": [e.evidence for e in edges],
            "weight": pa.array([e.weight for e in edges], pa.float64()),
            "detail": [e.detail for e in edges],
            "library": [info.name] * len(edges),
        }
    )
    alias_rows = pa.table(
        {
            "alias_path": [a for a, _ in aliases],
            "target_path": [t for _, t in aliases],
            "library": [info.name] * len(aliases),
        }
    )
    with db.transaction() as conn:
        # cards stay: `libraries.cards.refresh` keeps those whose text did not change
        _delete_library(conn, info.name, keep=("chunks", "cards"))
        if hold:
            print(f"holding transaction for {info.name}", file=sys.stderr, flush=True)
            time.sleep(hold)
        # ids are never reused, so a refreshed BM25 index can tell new chunks from old ones
        first_id = conn.execute(
            "SELECT greatest(coalesce(max(id), 0), coalesce((SELECT max(value::BIGINT) FROM workbench_meta "
            "WHERE key = 'chunk_id_high'), 0)) + 1 FROM chunks"
        ).fetchone()[0]
        db.set_meta("chunk_id_high", str(first_id + len(chunks) - 1), conn)
        chunk_rows = _chunks_table(chunks, embeddings, first_id)
        conn.register("_entity_rows", entity_rows)
        conn.register("_alias_rows", alias_rows)
        conn.register("_chunk_rows", chunk_rows)
        conn.register("_edge_rows", edge_rows)
        try:
            conn.execute("INSERT INTO entities SELECT * FROM _entity_rows")
            conn.execute("INSERT INTO aliases SELECT * FROM _alias_rows")
            conn.execute("INSERT INTO edges SELECT * FROM _edge_rows")
            _merge_chunks(conn, info.name, db.dimension)
        finally:
            for name in ("_entity_rows", "_alias_rows", "_chunk_rows", "_edge_rows"):
                conn.unregister(name)
        conn.execute(
            "INSERT INTO libraries (name, distribution, version, fingerprint, entity_count, chunk_count, "
            "alias_count, ingested_at, duration_s, source_dir, origin, license) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                info.name,
                info.distribution,
                info.version,
                info.fingerprint,
                len(entities),
                len(chunks),
                len(aliases),
                datetime.now(UTC).replace(tzinfo=None),
                info.duration_s,
                info.source_dir,
                info.origin,
                info.license,
            ],
        )
        db.set_meta("fts_dirty", "1", conn)
        mark_graph_dirty(db, conn, info.name)


def mark_graph_dirty(db: Database, conn: duckdb.DuckDBPyConnection, library: str) -> None:
    """Flag the graph tables stale and name the library whose edges changed, so that the
    next build can refresh just what touches it (`graph_pending`, comma-separated)."""
    row = conn.execute("SELECT value FROM workbench_meta WHERE key = 'graph_pending'").fetchone()
    pending = [name for name in (row[0] if row else "").split(",") if name]
    if library not in pending:
        pending.append(library)
    db.set_meta("graph_pending", ",".join(pending), conn)
    db.set_meta("graph_dirty", "1", conn)


LIBRARY_TABLES = ("chunks", "cards", "entities", "aliases", "edges", "libraries")


#: A stored chunk is kept when the new version has the same one: same entity, place and
#: texts. Only the others are deleted and inserted, so the HNSW and BM25 indexes and the
#: chunk ids of unchanged chunks stay as they are.
_SAME_CHUNK = (
    "n.entity_path = c.entity_path AND n.ordinal = c.ordinal AND n.text_hash = c.text_hash "
    "AND n.text = c.text AND n.fts_text = c.fts_text"
)


def _merge_chunks(conn: duckdb.DuckDBPyConnection, library: str, dimension: int) -> None:
    """Replace a library's chunks by `_chunk_rows`, touching only the rows that changed.

    A new row without a vector takes the stored vector of its text hash (a chunk that
    moved); the NOT NULL constraint fails the transaction if there is none.
    """
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _chunk_inserts AS SELECT n.* FROM _chunk_rows n "
        f"WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.library = ? AND {_SAME_CHUNK})",
        [library],
    )
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _chunk_reuse AS SELECT text_hash, any_value(embedding) AS embedding "
        "FROM chunks WHERE library = ? AND text_hash IN "
        "(SELECT text_hash FROM _chunk_inserts WHERE embedding IS NULL) GROUP BY text_hash",
        [library],
    )
    conn.execute(
        "DELETE FROM chunks c WHERE c.library = ? "
        f"AND NOT EXISTS (SELECT 1 FROM _chunk_rows n WHERE {_SAME_CHUNK})",
        [library],
    )
    columns = "n.id, n.entity_path, n.library, n.ordinal, n.text, n.fts_text, n.text_hash"
    conn.execute(
        f"INSERT INTO chunks SELECT {columns}, n.embedding::FLOAT[{dimension}] FROM _chunk_inserts n "
        "WHERE n.embedding IS NOT NULL ORDER BY n.id"
    )
    conn.execute(
        f"INSERT INTO chunks SELECT {columns}, r.embedding FROM _chunk_inserts n "
        "LEFT JOIN _chunk_reuse r ON r.text_hash = n.text_hash WHERE n.embedding IS NULL ORDER BY n.id"
    )
    conn.execute("DROP TABLE _chunk_inserts")
    conn.execute("DROP TABLE _chunk_reuse")


def _delete_library(conn: duckdb.DuckDBPyConnection, name: str, keep: tuple[str, ...] = ()) -> None:
    for table in (t for t in LIBRARY_TABLES if t not in keep):
        key = "name" if table == "libraries" else "library"
        conn.execute(f"DELETE FROM {table} WHERE {key} = ?", [name])


def remove_library(db: Database, name: str) -> None:
    """Delete a library's rows in one transaction."""
    with db.transaction() as conn:
        _delete_library(conn, name)
        db.set_meta("fts_dirty", "1", conn)
        mark_graph_dirty(db, conn, name)


#: metadata key: the precision (int8, fp32) the file's passages are embedded in
PASSAGE_PRECISION = "passage_precision"


def record_model(db: Database, model_name: str, dimension: int, passage_precision: str = "fp32") -> None:
    """Write which model embedded this file, and in what precision, the first time chunks
    are stored (and the precision into a file from before it was recorded)."""
    if db.meta("embedding_model") is None or db.meta(PASSAGE_PRECISION) is None:
        with db.transaction() as conn:
            if db.meta("embedding_model") is None:
                db.set_meta("embedding_model", model_name, conn)
                db.set_meta("embedding_dim", str(dimension), conn)
            db.set_meta(PASSAGE_PRECISION, passage_precision, conn)


def recorded_passage_precision(db: Database) -> str | None:
    """The precision the file's passages are embedded in: as recorded; fp32 for a file
    with chunks from before it was recorded; None for a file with none yet."""
    recorded = db.meta(PASSAGE_PRECISION)
    if recorded is None and queries.counts(db)["chunks"]:
        return "fp32"
    return recorded


def has_hnsw_index(db: Database) -> bool:
    """Whether a cosine HNSW index serves the vector query.

    Existing is not enough: the index must have the cosine metric that the query orders
    by, and `duckdb_indexes()` does not show the metric (`COPY FROM DATABASE`, for one,
    recreates the index without it). So the plan of the search's own vector query is asked.
    """
    row = db.execute("SELECT count(*) FROM duckdb_indexes() WHERE index_name = ?", [HNSW_INDEX]).fetchone()
    if not row[0]:
        return False
    probe = str([1.0] + [0.0] * (db.dimension - 1))
    plan = db.execute(f"EXPLAIN {queries.nearest_chunks_sql(db.dimension)}", [probe, 10]).fetchall()
    return "HNSW_INDEX_SCAN" in plan[0][1]


def drop_hnsw_index(db: Database) -> None:
    """Drop the HNSW index before a bulk load (building afterwards is ~3x faster)."""
    with db.transaction() as conn:
        conn.execute(f"DROP INDEX IF EXISTS {HNSW_INDEX}")


def rebuild_indexes(db: Database, *, fts: bool = True, hnsw: bool = True, incremental: bool = False) -> None:
    """Bring the BM25 index up to date (refreshed for the changed chunks when `incremental`
    and it exists, else rebuilt whole) and create the HNSW index if missing."""
    if fts:
        with db.transaction() as conn:
            if incremental and fts_exists(db):
                bm25.refresh_index(conn)
            else:
                bm25.build_index(conn)
            db.set_meta("fts_dirty", "0", conn)
    if hnsw and not has_hnsw_index(db):
        with db.transaction() as conn:
            conn.execute(f"DROP INDEX IF EXISTS {HNSW_INDEX}")
            conn.execute(
                f"CREATE INDEX {HNSW_INDEX} ON chunks USING HNSW (embedding) WITH (metric = 'cosine')"
            )
    db.checkpoint()


def fts_is_stale(db: Database) -> bool:
    """True when chunks changed since the BM25 index was last built."""
    return db.meta("fts_dirty") == "1"


def fts_exists(db: Database) -> bool:
    """Whether the BM25 index tables exist at all."""
    row = db.execute(
        "SELECT count(*) FILTER (schema_name = 'fts_main_chunks'), "
        "count(*) FILTER (table_name = 'bm25_postings') FROM duckdb_tables()"
    ).fetchone()
    return bool(row[0]) and bool(row[1])
