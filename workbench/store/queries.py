"""Read queries: vector and BM25 candidates, entity lookups, library listings."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from workbench.model import DocItem, DocSection, Entity, LibraryInfo
from workbench.store import bm25, postings, vector_cache
from workbench.store.background import LOAD_AFTER_SEARCHES, BackgroundMap, map_of
from workbench.store.database import Database

FTS = "fts_main_chunks"

ENTITY_COLUMNS = (
    "path, public_path, library, version, kind, name, parent_path, signature, returns, "
    "docstring, summary, sections, docstring_style, filepath, lineno, endlineno, is_public, "
    "is_deprecated, source, bases, content_hash"
)


SEP = "\x1f"


def _as_list_param(values: list[str]) -> str:
    """Bind a list as one string, split in SQL: binding a Python list costs ~20 ms."""
    return SEP.join(values)


def _filters(libraries: list[str] | None, kinds: list[str] | None) -> tuple[str, list[Any]]:
    """SQL predicate over a table aliased `c` (chunks) joined to `e` (entities)."""
    clauses: list[str] = []
    params: list[Any] = []
    if libraries:
        clauses.append(f"c.library IN (SELECT unnest(string_split(?, '{SEP}')))")
        params.append(_as_list_param(list(libraries)))
    if kinds:
        clauses.append(f"e.kind IN (SELECT unnest(string_split(?, '{SEP}')))")
        params.append(_as_list_param(list(kinds)))
    return (" AND ".join(clauses) or "TRUE"), params


def nearest_chunks_sql(dimension: int) -> str:
    """The vector query that the HNSW index serves (vss rewrites `ORDER BY distance
    LIMIT k`); params: the query vector as a string, and k."""
    return (
        f"SELECT entity_path, array_cosine_distance(embedding, ?::FLOAT[{dimension}]) AS d "
        "FROM chunks ORDER BY d LIMIT ?"
    )


def vector_candidates(
    db: Database,
    vector_literal: str,
    limit: int,
    libraries: list[str] | None = None,
    kinds: list[str] | None = None,
    *,
    exact: bool = False,
    vector: np.ndarray | None = None,
) -> list[tuple[str, float]]:
    """Nearest chunks to a query vector as (entity path, cosine similarity), best first.

    Unfiltered queries use the vector cache when the file has one and `vector` (the query
    as an array) is given (`store.vector_cache`), else the HNSW index in the file (vss
    rewrites `ORDER BY distance LIMIT k`).
    Filtered queries, and `exact=True`, scan every row: ordering by similarity DESC is a
    form the index rewrite does not match, and an index scan would filter after taking
    the top k and so could return too few rows.
    """
    dim = db.dimension
    if not libraries and not kinds and not exact:
        if vector is not None and (cache := cached_vectors(db)) is not None:
            return cache.nearest(vector, limit)
        rows = db.rows(nearest_chunks_sql(dim), [vector_literal, limit])
        return [(path, 1.0 - float(d)) for path, d in rows]
    where, params = _filters(libraries, kinds)
    join_entities = "JOIN entities e ON e.path = c.entity_path" if kinds else ""
    rows = db.rows(
        f"""
        SELECT c.entity_path, array_cosine_similarity(c.embedding, ?::FLOAT[{dim}]) AS s
        FROM chunks c {join_entities}
        WHERE {where}
        ORDER BY s DESC
        LIMIT ?""",
        [vector_literal, *params, limit],
    )
    return [(path, float(s)) for path, s in rows]


def cached_vectors(db: Database, *, use: bool = True) -> vector_cache.VectorCache | None:
    """The file's vector cache, if it has a current one (and it is not switched off); a
    search counts a `use` (see `vector_cache.CacheSlot`)."""
    return vector_cache.slot_of(db).get(use=use) if vector_cache.enabled() else None


def warm_vector_index(db: Database) -> None:
    """Open the vector index that will serve the first search: the cache if the file has
    one (a few ms), else DuckDB's HNSW index, which DuckDB reads from the file on its first
    use (0.5-0.8 s for 104k chunks), with a query for one neighbour of a unit vector."""
    if cached_vectors(db, use=False) is not None:
        return
    unit = "[" + ", ".join(["1.0", *(["0.0"] * (db.dimension - 1))]) + "]"
    vector_candidates(db, unit, 1)


def chunk_owner_lookup(db: Database, ids: list[int]) -> dict[int, str]:
    """The entity each chunk belongs to. Chunk ids grow in insertion order, so a literal id
    list prunes row groups (~6 ms for 150 ids on the default index)."""
    if not ids:
        return {}
    listed = ", ".join(str(int(i)) for i in ids)
    return dict(db.rows(f"SELECT id, entity_path FROM chunks WHERE id IN ({listed})"))


def all_chunk_owners(db: Database) -> dict[int, str]:
    """Every chunk's entity (92k on the default index: ~50 ms, ~10 MB)."""
    return dict(db.execute("SELECT id, entity_path FROM chunks").fetchall())


def chunk_owners_of(db: Database) -> BackgroundMap[int, str]:
    """Chunk -> entity of an open file: per search until the whole map is in (see
    `store.background`); BM25 ranks chunks, a search returns entities."""
    return map_of(
        db, "chunk-owners", lambda d: BackgroundMap(d, "chunk-owners", chunk_owner_lookup, all_chunk_owners)
    )


def bm25_candidates(
    db: Database,
    query: str,
    limit: int,
    libraries: list[str] | None = None,
    kinds: list[str] | None = None,
) -> list[tuple[str, float]]:
    """Chunks ranked by BM25 as (entity path, score), best first (see `store.bm25`;
    in memory once the file's postings are, unless kinds filter: `store.postings`)."""
    in_memory = postings.postings_of(db).value() if not kinds else None
    if in_memory is not None:
        top = in_memory.top(postings.query_stems(db, query), limit, libraries)
        return _owned(db, top)
    scored = bm25.chunk_scores_sql(db, query)
    if scored is None:
        return []
    sql, params = scored
    if kinds:
        where, filter_params = _filters(libraries, kinds)
        rows = db.rows(
            f"""
            WITH scores AS ({sql})
            SELECT c.entity_path, s.score
            FROM scores s JOIN chunks c ON c.id = s.chunk_id
            JOIN entities e ON e.path = c.entity_path
            WHERE {where}
            ORDER BY s.score DESC, c.entity_path LIMIT ?""",
            [*params, *filter_params, limit],
        )
    else:
        library_filter = ""
        filter_params = []
        if libraries:
            library_filter = f"WHERE library IN (SELECT unnest(string_split(?, '{SEP}')))"
            filter_params = [_as_list_param(list(libraries))]
        top = db.rows(
            f"WITH scores AS ({sql}) SELECT chunk_id, score FROM scores {library_filter} "
            "ORDER BY score DESC, chunk_id LIMIT ?",
            [*params, *filter_params, limit],
        )
        return _owned(db, top)
    return [(path, float(score)) for path, score in rows]


def _owned(db: Database, top: list[tuple[int, float]]) -> list[tuple[str, float]]:
    """Ranked (chunk id, score) as (entity path, score), ties by path."""
    if not top:
        return []
    owner = chunk_owners_of(db).get(int(chunk_id) for chunk_id, _ in top)
    rows = sorted(((owner[i], s) for i, s in top if i in owner), key=lambda r: (-r[1], r[0]))
    return [(path, float(score)) for path, score in rows]


def bm25_reference_scores(db: Database, query: str, limit: int) -> list[tuple[int, float]]:
    """Scores from the fts extension's own `match_bm25` macro (slow; used to test parity)."""
    rows = db.execute(
        f"SELECT id, {FTS}.match_bm25(id, ?) AS s FROM chunks WHERE s IS NOT NULL "
        "ORDER BY s DESC, id LIMIT ?",
        [query, limit],
    ).fetchall()
    return [(int(i), float(s)) for i, s in rows]


def bm25_chunk_scores(db: Database, query: str, limit: int) -> list[tuple[int, float]]:
    """BM25 per chunk id from the postings table (to compare with the macro's scores)."""
    scored = bm25.chunk_scores_sql(db, query)
    if scored is None:
        return []
    sql, params = scored
    rows = db.rows(
        f"WITH scores AS ({sql}) SELECT chunk_id, score FROM scores ORDER BY score DESC, chunk_id LIMIT ?",
        [*params, limit],
    )
    return [(int(i), float(s)) for i, s in rows]


def _entity_from_row(row: tuple[Any, ...]) -> Entity:
    (
        path,
        public_path,
        library,
        version,
        kind,
        name,
        parent_path,
        signature,
        returns,
        docstring,
        summary,
        sections,
        style,
        filepath,
        lineno,
        endlineno,
        is_public,
        is_deprecated,
        source,
        bases,
        content_hash,
    ) = row
    parsed = [
        DocSection(
            kind=s["kind"],
            title=s.get("title", ""),
            text=s.get("text", ""),
            items=[DocItem(**i) for i in s.get("items", [])],
        )
        for s in json.loads(sections or "[]")
    ]
    return Entity(
        path=path,
        public_path=public_path,
        library=library,
        version=version or "",
        kind=kind,
        name=name,
        parent_path=parent_path,
        signature=signature or "",
        returns=returns or "",
        docstring=docstring or "",
        summary=summary or "",
        sections=parsed,
        docstring_style=style or "",
        filepath=filepath or "",
        lineno=lineno,
        endlineno=endlineno,
        is_public=bool(is_public),
        is_deprecated=bool(is_deprecated),
        source=source or "",
        bases=list(bases or []),
        content_hash=content_hash or "",
    )


def sql_strings(values: Iterable[str]) -> str:
    """A literal SQL list of strings, sorted: unlike a bound list, DuckDB answers
    `col IN (...)` of literals from an ART index."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))


#: What ranking needs of every candidate: short columns, cheap to fetch by path.
RANKING_COLUMNS = ("path", "public_path", "kind", "library", "name", "is_public", "parent_path")
#: What a hit shows besides: longer text, fetched only for the hits kept (and the length
#: of its docstring, a feature of the learned ranker).
DISPLAY_COLUMNS = ("summary", "signature", "doc_length")
#: columns that are expressions over the table's own
_COLUMN_SQL = {"doc_length": "length(coalesce(docstring, '')) AS doc_length"}


def _select(columns: Iterable[str]) -> str:
    """The select list of `columns` (names of the entities table's columns or `_COLUMN_SQL`)."""
    return ", ".join(_COLUMN_SQL.get(c, c) for c in columns)


def entity_summaries(
    db: Database, paths: list[str], columns: tuple[str, ...] = RANKING_COLUMNS + DISPLAY_COLUMNS
) -> dict[str, dict[str, Any]]:
    """`columns` (`path` always first) of many entities at once, by definition path.

    Each row fetched by path costs DuckDB a decompressed vector per column, so a search
    reads the ranking columns of its ~100 candidates and the display ones only for the k
    it keeps (4.5 ms + 2 ms against 10 ms for everything, on the default index)."""
    if not paths:
        return {}
    keys = ("path", *(c for c in columns if c != "path"))
    rows = db.rows(f"SELECT {_select(keys)} FROM entities WHERE path IN ({sql_strings(paths)})")
    return {r[0]: dict(zip(keys, r, strict=True)) for r in rows}


def _ranking_lookup(db: Database, paths: list[str]) -> dict[str, tuple[Any, ...]]:
    if not paths:
        return {}
    rows = db.rows(f"SELECT {', '.join(RANKING_COLUMNS)} FROM entities WHERE path IN ({sql_strings(paths)})")
    return {r[0]: r for r in rows}


def _all_ranking_rows(db: Database) -> dict[str, tuple[Any, ...]]:
    """The ranking columns of every entity a chunk belongs to (the only ones vectors and
    BM25 return): ~30 MB for 90k entities, strings shared where path = public path."""
    rows = db.rows(
        f"SELECT {', '.join(RANKING_COLUMNS)} FROM entities WHERE path IN (SELECT entity_path FROM chunks)"
    )
    out = {}
    for path, public_path, kind, library, *rest in rows:
        public_path = path if public_path == path else public_path
        out[path] = (path, public_path, sys.intern(kind), sys.intern(library), *rest)
    return out


def ranking_rows_of(db: Database) -> BackgroundMap[str, tuple[Any, ...]]:
    """Entity -> RANKING_COLUMNS of an open file: per search until the whole map is in
    (from the LOAD_AFTER_SEARCHES-th search on: `store.background`). Fetched by path, 150
    candidates cost DuckDB 4.5-20 ms (a decompressed vector per column per row)."""
    return _per_search_map(db, "ranking-rows", _ranking_lookup, _all_ranking_rows)


def _per_search_map(
    db: Database,
    name: str,
    lookup: Callable[[Database, list[str]], dict[str, tuple[Any, ...]]],
    load_all: Callable[[Database], dict[str, tuple[Any, ...]]],
) -> BackgroundMap[str, tuple[Any, ...]]:
    """The map `name` of entity rows a search reads, whole from LOAD_AFTER_SEARCHES on."""
    return map_of(db, name, lambda d: BackgroundMap(d, name, lookup, load_all, after=LOAD_AFTER_SEARCHES))


def ranking_rows(db: Database, paths: list[str]) -> dict[str, dict[str, Any]]:
    """`entity_summaries(db, paths, RANKING_COLUMNS)`, from the map once it is loaded."""
    found = ranking_rows_of(db).get(paths)
    return {path: dict(zip(RANKING_COLUMNS, row, strict=True)) for path, row in found.items()}


def _display_lookup(db: Database, paths: list[str]) -> dict[str, tuple[Any, ...]]:
    if not paths:
        return {}
    rows = db.rows(
        f"SELECT path, {_select(DISPLAY_COLUMNS)} FROM entities WHERE path IN ({sql_strings(paths)})"
    )
    return {r[0]: r[1:] for r in rows}


def _all_display_rows(db: Database) -> dict[str, tuple[Any, ...]]:
    """The display columns of every entity a chunk belongs to: ~20 MB for 95k entities
    (3 MB of summaries, 34k of them distinct and shared, and 6 MB of signatures)."""
    rows = db.rows(
        f"SELECT path, {_select(DISPLAY_COLUMNS)} FROM entities "
        "WHERE path IN (SELECT entity_path FROM chunks)"
    )
    shared: dict[str, str] = {}
    return {
        path: tuple(shared.setdefault(v, v) if isinstance(v, str) and v else v for v in rest)
        for path, *rest in rows
    }


def display_rows_of(db: Database) -> BackgroundMap[str, tuple[Any, ...]]:
    """Entity -> DISPLAY_COLUMNS of an open file, like `ranking_rows_of`: fetched by path,
    a search's 30 hits cost DuckDB 3-5 ms, as much as the rest of its ranking."""
    return _per_search_map(db, "display-rows", _display_lookup, _all_display_rows)


def display_rows(db: Database, paths: list[str]) -> dict[str, dict[str, Any]]:
    """`entity_summaries(db, paths, ("path", *DISPLAY_COLUMNS))` without `path`, from the
    map once it is loaded (entities without chunks, which it lacks, from the file)."""
    rows = display_rows_of(db)
    found = rows.get(paths)
    if rows.peek() is not None and len(found) < len(paths):
        found.update(_display_lookup(db, [p for p in paths if p not in found]))
    return {path: dict(zip(DISPLAY_COLUMNS, row, strict=True)) for path, row in found.items()}


def candidate_rows(db: Database, paths: list[str]) -> dict[str, dict[str, Any]]:
    """RANKING_COLUMNS + DISPLAY_COLUMNS of `paths` (what `entity_summaries` gives by
    default), from the in-memory maps where they hold them."""
    if ranking_rows_of(db).peek() is None or display_rows_of(db).peek() is None:
        return entity_summaries(db, paths)  # one query rather than two
    ranking = ranking_rows(db, paths)
    rest = [p for p in paths if p not in ranking]
    out = entity_summaries(db, rest) if rest else {}
    for path, display in display_rows(db, list(ranking)).items():
        out[path] = {**ranking[path], **display}
    return out


def resolve_path(db: Database, path: str) -> str | None:
    """Definition path of an entity named by its definition, public or alias path."""
    row = db.execute(
        """
        SELECT path FROM entities WHERE path = ?
        UNION ALL SELECT path FROM entities WHERE public_path = ?
        UNION ALL SELECT target_path FROM aliases WHERE alias_path = ?
        LIMIT 1""",
        [path, path, path],
    ).fetchone()
    return None if row is None else row[0]


def get_entity(db: Database, path: str) -> Entity | None:
    """Full entity by definition path, with its alias paths."""
    row = db.execute(f"SELECT {ENTITY_COLUMNS} FROM entities WHERE path = ?", [path]).fetchone()
    if row is None:
        return None
    entity = _entity_from_row(row)
    entity.aliases = [
        r[0]
        for r in db.execute(
            "SELECT alias_path FROM aliases WHERE target_path = ? ORDER BY length(alias_path)",
            [path],
        ).fetchall()
    ]
    return entity


def members_of(db: Database, path: str) -> list[tuple[str, str, str]]:
    """(name, kind, summary) of an entity's direct members, public first."""
    return db.execute(
        "SELECT name, kind, summary FROM entities WHERE parent_path = ? ORDER BY NOT is_public, kind, name",
        [path],
    ).fetchall()


def similar_paths(db: Database, path: str, limit: int = 5) -> list[str]:
    """Public paths that look like `path`, for a 'did you mean' message."""
    rows = db.execute(
        "SELECT public_path FROM entities ORDER BY jaro_winkler_similarity(public_path, ?) DESC LIMIT ?",
        [path, limit],
    ).fetchall()
    return [r[0] for r in rows]


def did_you_mean(db: Database, path: str) -> str:
    """ " (did you mean a, b, c?)" for an unknown path, or "" when nothing is close."""
    close = similar_paths(db, path.strip(), 3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def list_libraries(db: Database) -> list[LibraryInfo]:
    """Libraries in the file, by name."""
    rows = db.execute(
        "SELECT name, distribution, version, fingerprint, entity_count, chunk_count, "
        "alias_count, CAST(ingested_at AS VARCHAR), duration_s, source_dir, "
        "coalesce(origin, 'installed'), coalesce(license, '') FROM libraries ORDER BY name"
    ).fetchall()
    return [LibraryInfo(*r) for r in rows]


def library_fingerprint(db: Database, name: str) -> str | None:
    """Stored fingerprint of a library, or None if it is not in the file."""
    row = db.execute("SELECT fingerprint FROM libraries WHERE name = ?", [name]).fetchone()
    return None if row is None else row[0]


def library_sizes(db: Database) -> list[tuple[str, int, int, int]]:
    """(library, entities, chunks, approximate bytes) — text plus embedding bytes."""
    return db.execute(
        f"""
        WITH e AS (
            SELECT library, count(*) AS n,
                   sum(strlen(coalesce(docstring, '')) + strlen(coalesce(source, ''))
                       + strlen(coalesce(sections, '')) + strlen(path) * 2 + 64) AS bytes
            FROM entities GROUP BY library
        ),
        c AS (
            SELECT library, count(*) AS n,
                   sum(strlen(text) + strlen(fts_text) + 4 * {db.dimension} + 64) AS bytes
            FROM chunks GROUP BY library
        )
        SELECT e.library, e.n, coalesce(c.n, 0),
               CAST(e.bytes + coalesce(c.bytes, 0) AS BIGINT)
        FROM e LEFT JOIN c USING (library) ORDER BY e.library"""
    ).fetchall()


def counts(db: Database) -> dict[str, int]:
    """Row counts of the main tables."""
    out = {}
    for table in ("libraries", "entities", "aliases", "chunks"):
        out[table] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return out


def chunk_embeddings(db: Database) -> tuple[list[str], np.ndarray]:
    """(entity path of each chunk, embeddings as one float32 matrix), for in-memory use:
    the vector cache's memory map when the file has one (no copy, no load), else read."""
    if (cache := cached_vectors(db, use=False)) is not None:
        return cache.paths, cache.matrix
    table = db.execute("SELECT entity_path, embedding FROM chunks").to_arrow_table()
    embeddings = table.column("embedding").combine_chunks()
    if len(embeddings) == 0:
        return [], np.zeros((0, db.dimension), dtype=np.float32)
    matrix = embeddings.values.to_numpy(zero_copy_only=False).reshape(-1, db.dimension)
    return table.column("entity_path").to_pylist(), np.ascontiguousarray(matrix, dtype=np.float32)


def counts_for(db: Database, library: str) -> int:
    """Entities stored for one library."""
    return int(db.execute("SELECT count(*) FROM entities WHERE library = ?", [library]).fetchone()[0])
