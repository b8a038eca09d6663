"""Open the index read-only and start reading its vector index, before the rest imports.

A new `workbench search` process spends ~0.4 s importing the facade (the retrieve and
graph modules) and then needs its vector index: the vector cache maps in a few ms
(`store.vector_cache`), but without one DuckDB reads the HNSW index from the file on the
first vector query (~0.6 s). Either needs only the store: the CLI opens the file first,
opens the index on a thread (DuckDB's native code runs beside Python's imports), then
imports the rest (`workbench.cli.common.open_workbench`).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path

from workbench.store import queries, swap
from workbench.store.database import Database


@dataclass(frozen=True)
class OpenedFile:
    """A file opened read-only, and the stamp of the version that was opened."""

    database: Database
    stamp: swap.FileStamp | None


def open_warming(path: Path, *, model_name: str, dimension: int) -> OpenedFile:
    """Open `path` read-only (raising what `Database` raises: a missing, foreign, corrupt
    or locked file) and read its vector index on a thread. The thread is not a daemon: a
    process that ends early waits for it rather than being torn down in DuckDB's code."""
    stamp = swap.stamp(path)
    database = Database(path, read_only=True, model_name=model_name, dimension=dimension)

    def warm() -> None:
        with contextlib.suppress(Exception):  # a failure shows in the first real query
            queries.warm_vector_index(database)

    threading.Thread(target=warm, name="warm-vectors", daemon=False).start()
    return OpenedFile(database, stamp)
