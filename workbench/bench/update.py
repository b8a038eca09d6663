"""`workbench bench --update LIB`: what an update costs when a small share of a library's
functions changed, against a full re-ingest of that library, both in a copy of the file
(so the whole-file BM25 and graph work is counted as a user pays it)."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from workbench.embed.embedder import Embedder
from workbench.errors import QueryError
from workbench.ingest.packages import InstalledPackage, find_package
from workbench.libraries import pipeline
from workbench.store import queries, records, writer
from workbench.store.database import Database

EDIT = "(bench edit) "


def edit_functions(db: Database, package: InstalledPackage, share: float) -> int:
    """Prefix the docstrings of documented public functions and methods of the copied
    package, as many as `share` of all its entities, spread evenly; returns how many."""
    rows = records.documented_callables(db, package.name)
    wanted = max(1, round(share * queries.counts_for(db, package.name)))
    chosen = rows[:: max(1, len(rows) // wanted)][:wanted]
    edited = 0
    by_file: dict[str, list[tuple[int, int]]] = {}
    for filepath, lineno, endlineno in chosen:
        by_file.setdefault(filepath, []).append((lineno, endlineno))
    for filepath, spans in by_file.items():
        file = package.search_path / filepath
        if not file.is_file():
            continue
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        for lineno, endlineno in spans:
            for index in range(lineno - 1, min(endlineno, len(lines))):
                quote = next((q for q in ('"""', "'''") if q in lines[index]), None)
                if quote:
                    lines[index] = lines[index].replace(quote, quote + EDIT, 1)
                    edited += 1
                    break
        file.write_text("".join(lines), encoding="utf-8")
    return edited


def run_update_bench(db_path: Path, library: str, share: float, embedder: Embedder) -> dict[str, Any]:
    """Time an update after `share` of the functions changed, then a full re-ingest.

    Raises:
        QueryError: the library is not in the file.
    """
    installed = find_package(library)
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        copy = Path(tmp) / "bench.duckdb"
        shutil.copyfile(db_path, copy)
        site = Path(tmp) / "site"
        shutil.copytree(installed.path, site / installed.path.name)
        package = dataclasses.replace(installed, path=site / installed.path.name, search_path=site)
        db = Database(copy, read_only=False, model_name=embedder.name, dimension=embedder.dimension)
        try:
            if queries.library_fingerprint(db, package.name) is None:
                raise QueryError(f"'{library}' is not in {db_path}: ingest it first")
            entities = queries.counts_for(db, package.name)
            edited = edit_functions(db, package, share)
            embedder.load_passages(pipeline.passage_precision(db, embedder))
            start = time.perf_counter()
            report = pipeline.ingest(db, pipeline.IngestPlan([package]), embedder)[0]
            update_s = time.perf_counter() - start
            writer.remove_library(db, package.name)
            start = time.perf_counter()
            full = pipeline.ingest(db, pipeline.IngestPlan([package]), embedder)[0]
            full_s = time.perf_counter() - start
        finally:
            db.close()
    return {
        "library": package.name,
        "entities": entities,
        "edited_functions": edited,
        "changed": report.changed + report.added + report.removed,
        "re_embedded": report.embedded,
        "update_s": update_s,
        "update_library_s": report.seconds,
        "full_chunks": full.embedded,
        "full_s": full_s,
        "ratio": update_s / full_s if full_s else 0.0,
    }
