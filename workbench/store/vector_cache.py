"""The vector cache: the file's chunk vectors as one float32 matrix that searches map.

DuckDB's vss extension keeps an HNSW index in the file, and a new process reads all of it
before its first vector query: 0.6-0.8 s and ~350 MB of RSS on 104k chunks, then ~6 ms for
the 300 nearest, of which it finds 94.5% (recall@300 against an exact scan). This cache
holds the same vectors, normalized, in a `.npy` file that numpy memory-maps: opening it
takes under a millisecond, and an exact scan (one matrix-vector product and a partial
sort) finds all of the 300 nearest in 3-4 ms, the first time included (the pages come from
the OS file cache). Its 160 MB count in the RSS of a process that searches.

It is derived from the file, never the other way round: named by a fingerprint of the chunks
(ids, text hashes, model, a sample of the vectors), it lives in the workbench's cache directory
(`$WORKBENCH_VECTOR_CACHE`, `$WORKBENCH_HOME/vectors`, `~/.cache/pyrag-workbench/vectors`),
so a read-only or shared file needs no write beside it, and copies of one file share one
cache. Writers write it once their indexes are up to date (`pipeline.ensure_indexes`, ~2 s
for 104k chunks); a reader that finds none (a file a teammate exported, a cache of an older
format) searches through DuckDB's HNSW index and writes the cache on a thread of its own
from its first vector search (a one-off CLI search waits for it before it exits, once).
Filtered searches scan the file as before; a file of more than `EXACT_LIMIT` chunks gets
no cache (an exact scan would cost more than the HNSW index), and
`WORKBENCH_VECTOR_INDEX=duckdb` keeps every search on DuckDB's index.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.config import cache_location
from workbench.store.background import map_of, maps_of
from workbench.store.database import Database

#: bump when the cache's layout changes: old caches are then not read
FORMAT = "3"
#: above this many chunks no cache is written: an exact scan of 500k vectors takes ~20 ms
#: and 770 MB, where DuckDB's HNSW index stays near 6 ms
EXACT_LIMIT = 500_000
#: rows read from the file at a time when the cache is written
BATCH_ROWS = 8192
#: caches kept, most recently used first, up to this many bytes in all (six of the default
#: index's 160 MB); one unused for `MAX_AGE_S` goes whatever the total. A count would not
#: do: a user with more files than it (exports, backups, copies) would rewrite caches in turn
MAX_BYTES = 1_000_000_000
MAX_AGE_S = 30 * 86_400
#: vector searches of one open file before a reader writes a missing cache: the first,
#: so that a file without one (a teammate's export, a cache of an older format) heals
BUILD_AFTER_SEARCHES = 1

log = logging.getLogger("workbench")


def cache_dir() -> Path:
    """Where vector caches live (see the module docstring)."""
    return cache_location("vectors", "WORKBENCH_VECTOR_CACHE")


def fingerprint(db: Database) -> str:
    """What the cache of this file's chunks is named by: their ids and text hashes, the
    model that embedded them, and a sample of the vectors themselves (one chunk in 4099:
    the same texts embedded at another precision, or on another CPU, give other vectors).
    ~15 ms on the default index, the sample read first (read after a scan it costs 0.4 s)."""
    (sample,) = db.execute(
        "SELECT coalesce(bit_xor(hash(id, embedding)), 0) FROM chunks WHERE id % 4099 = 0"
    ).fetchone()
    count, last, mixed = db.execute(
        "SELECT count(*), coalesce(max(id), -1), coalesce(bit_xor(hash(id, text_hash)), 0) FROM chunks"
    ).fetchone()
    model = db.meta("embedding_model") or ""
    key = f"{FORMAT}|{model}|{db.dimension}|{count}|{last}|{mixed}|{sample}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def _files(name: str) -> tuple[Path, Path]:
    """The matrix file and the entity-path file of the cache `name`."""
    folder = cache_dir()
    return folder / f"{name}.npy", folder / f"{name}.paths"


@dataclass
class VectorCache:
    """An open cache: the normalized vectors (a read-only memory map, one row per chunk in
    id order) and the entity path of each row."""

    name: str
    matrix: np.ndarray
    paths: list[str]

    def nearest(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        """(entity path, cosine similarity) of the `limit` nearest chunks, best first: an
        exact scan (numpy releases the GIL for the product, so searches run in parallel)."""
        count = len(self.paths)
        limit = min(limit, count)
        if limit <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(query))
        if norm == 0.0:
            return []
        scores = self.matrix @ (query / norm)
        top = np.argpartition(-scores, limit - 1)[:limit] if limit < count else np.arange(count)
        top = top[np.argsort(-scores[top], kind="stable")]
        paths = self.paths
        return [(paths[row], score) for row, score in zip(top.tolist(), scores[top].tolist(), strict=True)]


def open_cache(db: Database, name: str | None = None) -> VectorCache | None:
    """The file's cache if one was written for its current chunks, else None."""
    name = name or fingerprint(db)
    matrix_file, paths_file = _files(name)
    if not matrix_file.exists() or not paths_file.exists():
        return None
    try:
        paths = paths_file.read_text(encoding="utf-8").split("\n")
        matrix = np.load(matrix_file, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as error:  # a truncated or foreign file: DuckDB's index serves
        log.warning("ignoring the vector cache %s: %s", matrix_file, error)
        return None
    if matrix.dtype != np.float32 or matrix.shape != (len(paths), db.dimension):
        log.warning("ignoring the vector cache %s: it does not match the file's chunks", matrix_file)
        return None
    with contextlib.suppress(OSError):  # most recently used first when pruning
        os.utime(matrix_file)
    return VectorCache(name, matrix, paths)


def build(db: Database, *, on_write: Callable[[], None] | None = None) -> VectorCache | None:
    """Write the cache of the file's chunks (if not there already) and open it; None for a
    file without chunks or with more than `EXACT_LIMIT`. `on_write` is called when a write
    starts (a writer's progress line). Files are written under temporary names and renamed,
    the matrix last, so readers never see half a cache."""
    name = fingerprint(db)
    if (found := open_cache(db, name)) is not None:
        return found
    count = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    if not count or count > EXACT_LIMIT:
        return None
    if on_write is not None:
        on_write()
    matrix_file, paths_file = _files(name)
    matrix_file.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".tmp-{os.getpid()}-{threading.get_ident()}"
    paths_tmp = paths_file.with_name(paths_file.name + suffix)
    matrix_tmp = matrix_file.with_name(matrix_file.name + suffix)
    try:
        paths = _write_matrix(db, matrix_tmp, count)
        paths_tmp.write_text("\n".join(paths), encoding="utf-8")
        os.replace(paths_tmp, paths_file)
        os.replace(matrix_tmp, matrix_file)  # the matrix's arrival completes the cache
    finally:
        for leftover in (paths_tmp, matrix_tmp):
            with contextlib.suppress(OSError):
                leftover.unlink()
    prune(keep=name)
    return open_cache(db, name)


def _write_matrix(db: Database, target: Path, count: int) -> list[str]:
    """Stream the vectors in id order into a `.npy` at `target`, normalized, a batch at a
    time (a read of the whole table held it three times: 1.2 GB peak RSS on 104k chunks);
    returns the entity path of each row."""
    matrix = np.lib.format.open_memmap(target, mode="w+", dtype=np.float32, shape=(count, db.dimension))
    paths: list[str] = []
    reader = db.execute("SELECT entity_path, embedding FROM chunks ORDER BY id").to_arrow_reader(BATCH_ROWS)
    for batch in reader:
        rows = len(batch)
        if len(paths) + rows > count:
            raise ValueError("the chunks changed while the vector cache was written")
        vectors = batch.column(1).values.to_numpy(zero_copy_only=False).reshape(rows, db.dimension)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        matrix[len(paths) : len(paths) + rows] = vectors / np.where(norms == 0.0, 1.0, norms)
        paths.extend(batch.column(0).to_pylist())
    if len(paths) != count:
        raise ValueError("the chunks changed while the vector cache was written")
    matrix.flush()
    del matrix
    return paths


def prune(*, keep: str) -> None:
    """Remove the caches beyond `MAX_BYTES` (least recently used first) or unused for
    `MAX_AGE_S`, never `keep`, with temporary files that a killed build left."""
    folder = cache_dir()
    if not folder.is_dir():
        return
    now = time.time()
    caches = sorted(folder.glob("*.npy"), key=lambda p: (p.stem != keep, -p.stat().st_mtime))
    total = 0
    for matrix_file in caches:
        paths_file = matrix_file.with_suffix(".paths")
        with contextlib.suppress(OSError):
            size = matrix_file.stat().st_size + (paths_file.stat().st_size if paths_file.exists() else 0)
            stale = now - matrix_file.stat().st_mtime > MAX_AGE_S or total + size > MAX_BYTES
            if matrix_file.stem == keep or not stale:
                total += size
                continue
            for path in (matrix_file, paths_file):
                path.unlink(missing_ok=True)
    hour_ago = now - 3600
    for leftover in folder.glob("*.tmp-*"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < hour_ago:
                leftover.unlink()


class CacheSlot:
    """The cache of one open file: opened on first use if it exists; else, from the
    `after`-th use on, written on a thread of its own while searches use DuckDB's index.
    The thread is not a daemon: a process that ends first waits for it (a killed one
    leaves temporary files, which `prune` removes later)."""

    def __init__(self, db: Database, *, after: int = BUILD_AFTER_SEARCHES) -> None:
        self.db = db
        self.name = "vector-cache"
        self._after = after
        self._uses = 0
        self._tried = False
        self._cache: VectorCache | None = None
        self._builder: threading.Thread | None = None
        self._lock = threading.Lock()

    def get(self, *, use: bool = True) -> VectorCache | None:
        """The cache if it is open; a search counts a `use`, which may start a build (a
        warm-up does not)."""
        if self._cache is not None:
            return self._cache
        with self._lock:
            if self._cache is not None:  # opened by another thread meanwhile
                return self._cache
            if not self._tried:
                self._tried = True
                self._cache = _quietly(open_cache, self.db)
                if self._cache is not None:
                    return self._cache
            if not use:
                return None
            self._uses += 1
            if self._builder is None and self._uses >= self._after:
                self._builder = threading.Thread(target=self._build, name="vector-cache", daemon=False)
                self._builder.start()
        return self._cache

    @property
    def loaded(self) -> bool:
        """Whether the cache is open."""
        return self._cache is not None

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a build this slot started (tests, benchmarks)."""
        if self._builder is not None:
            self._builder.join(timeout)

    def _build(self) -> None:
        self._cache = _quietly(build, self.db)


def _quietly(action: Callable[[Database], VectorCache | None], db: Database) -> VectorCache | None:
    """`action`, or None if it fails (the file closed, the cache directory is read-only):
    searches then go on through DuckDB's index."""
    try:
        return action(db)
    except Exception:
        log.debug("no vector cache", exc_info=True)
        return None


def slot_of(db: Database) -> CacheSlot:
    """The cache slot of an open file (dropped with the file, or when a writer changed it)."""
    return map_of(db, "vector-cache", CacheSlot)  # type: ignore[return-value]


def enabled() -> bool:
    """`WORKBENCH_VECTOR_INDEX=duckdb` keeps every search on DuckDB's HNSW index (to compare)."""
    return os.environ.get("WORKBENCH_VECTOR_INDEX", "cache").lower() != "duckdb"


def finish(db: Database, timeout: float | None = 60.0) -> None:
    """Wait for a cache that this open file is writing, before the file closes under it
    (a one-off CLI search that found none writes it on its way out)."""
    for load in maps_of(db):
        if isinstance(load, CacheSlot):
            load.wait(timeout)
