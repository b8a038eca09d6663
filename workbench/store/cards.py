"""Entity cards: public entities with chunks get one short text each, their name and
summary (`ingest.chunking.card_text`), embedded on its own (which ones: `CARDED`).

A chunk's vector reads the whole chunk (path, parameters, docstring sections, members):
the summary is diluted in it. The card's vector says what the entity is for in a line:
the learned ranker compares it with the query (`retrieve.ranker`), and `ask`'s walks
take an entity's closest text, chunk or card (`retrieve.multihop`). Cards follow the
entities: `libraries.cards.refresh` embeds the cards whose text changed and deletes
those of entities that are gone; a file from before cards gets them from `workbench
migrate` or its next ingest or update.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.store.background import LOAD_AFTER_SEARCHES, BackgroundMap, map_of
from workbench.store.database import Database
from workbench.store.queries import sql_strings

#: the entities that get a card: public ones with chunks, and of those only the ones with
#: a summary or that are classes or functions. Held out on the bundled set, the cards of
#: private candidates changed nothing (the ranker ranks them by their chunks), and those
#: of methods, properties and modules without a summary (their bare names) were worth
#: 0.004 of MRR: without them, 50k cards of the default set's 95k entities with chunks
CARDED = (
    "e.is_public AND (coalesce(e.summary, '') <> '' OR e.kind IN ('class', 'function')) "
    "AND e.path IN (SELECT entity_path FROM chunks)"
)


def entities_for_cards(db: Database) -> list[tuple[str, str, str, str]]:
    """(path, public path, library, summary) of each entity that gets a card (`CARDED`)."""
    return db.rows(
        "SELECT e.path, e.public_path, e.library, coalesce(e.summary, '') FROM entities e "
        f"WHERE {CARDED} ORDER BY e.path"
    )


def stored_cards(db: Database) -> dict[str, str]:
    """Entity path -> text hash of the stored cards."""
    return dict(db.rows("SELECT entity_path, text_hash FROM cards"))


def missing_cards(db: Database) -> int:
    """Entities that should have a card and have none (a file from before cards; an
    ingest stopped before its cards)."""
    return int(
        db.execute(
            f"SELECT count(*) FROM entities e WHERE {CARDED} "
            "AND e.path NOT IN (SELECT entity_path FROM cards)"
        ).fetchone()[0]
    )


def write_cards(
    db: Database,
    new: Sequence[tuple[str, str, str]],
    vectors: np.ndarray,
    gone: Sequence[str],
) -> None:
    """Store cards in one transaction: `new` (entity path, library, text hash) with their
    `vectors` replace any stored card of those entities, and the cards of `gone` go."""
    import pyarrow as pa

    dim = db.dimension
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1))
    rows = pa.table(
        {
            "entity_path": [p for p, _, _ in new],
            "library": [lib for _, lib, _ in new],
            "text_hash": [h for _, _, h in new],
            "embedding": pa.FixedSizeListArray.from_arrays(flat, dim),
        }
    )
    drop = pa.table({"entity_path": pa.array([*gone, *(p for p, _, _ in new)], pa.string())})
    with db.transaction() as conn:
        conn.register("_card_rows", rows)
        conn.register("_card_drop", drop)
        try:
            conn.execute("DELETE FROM cards WHERE entity_path IN (SELECT entity_path FROM _card_drop)")
            conn.execute(
                "INSERT INTO cards SELECT entity_path, library, text_hash, "
                f"embedding::FLOAT[{dim}] FROM _card_rows"
            )
        finally:
            conn.unregister("_card_rows")
            conn.unregister("_card_drop")


def _lookup(db: Database, paths: list[str]) -> dict[str, np.ndarray]:
    """The card vectors of `paths`, read by path (literals: DuckDB answers them from the
    ART index on `entity_path`) as numpy arrays: 1.4 ms for 40, without importing
    pyarrow into a one-off search (45 MB of its RSS)."""
    if not paths:
        return {}
    found = db.execute(
        f"SELECT entity_path, embedding FROM cards WHERE entity_path IN ({sql_strings(paths)})"
    ).fetchnumpy()
    if not len(found["entity_path"]):
        return {}
    # float16 like the loaded map: a search ranks the same before and after it is in
    matrix = np.vstack(list(found["embedding"])).astype(np.float16)
    return dict(zip(found["entity_path"].tolist(), matrix, strict=True))


def _load_all(db: Database) -> dict[str, np.ndarray]:
    """Every card vector, as rows of one float16 matrix: 39 MB for the default set's 50k
    cards where float32 would take 77 (a cosine moves by less than 0.001)."""
    count = db.execute("SELECT count(*) FROM cards").fetchone()[0]
    matrix = np.zeros((count, db.dimension), dtype=np.float16)
    paths: list[str] = []
    for batch in db.execute("SELECT entity_path, embedding FROM cards").to_arrow_reader(8192):
        rows = min(len(batch), count - len(paths))
        vectors = batch.column(1).values.to_numpy(zero_copy_only=False).reshape(len(batch), -1)
        matrix[len(paths) : len(paths) + rows] = vectors[:rows]
        paths.extend(batch.column(0).to_pylist()[:rows])
    return dict(zip(paths, matrix, strict=False))


def card_vectors_of(db: Database) -> BackgroundMap[str, np.ndarray]:
    """Entity -> card vector of an open file: per search (~1.5 ms for 40) until the whole map
    is in (from the LOAD_AFTER_SEARCHES-th search on, `store.background`)."""
    return map_of(
        db,
        "card-vectors",
        lambda d: BackgroundMap(d, "card-vectors", _lookup, _load_all, after=LOAD_AFTER_SEARCHES),
    )


def card_similarities(db: Database, paths: Sequence[str], vector: np.ndarray) -> dict[str, float]:
    """Cosine similarity of `vector` (a unit query vector) to the cards of `paths`
    (definition paths); entities without a card are left out."""
    found = card_vectors_of(db).get(paths)
    carded = [path for path in paths if path in found]  # in the caller's order either way
    if not carded:
        return {}
    matrix = np.vstack([found[path] for path in carded]).astype(np.float32)
    scores = matrix @ np.asarray(vector, dtype=np.float32)
    return dict(zip(carded, map(float, scores), strict=True))
