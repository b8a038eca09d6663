"""Ingest pipeline: find -> load (griffe) -> extract -> chunk -> embed -> write, per library."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from packaging.utils import canonicalize_name

from workbench.embed.embedder import Embedder
from workbench.errors import LibraryLoadError, LibraryOptedOutError, UnknownLibraryError
from workbench.graph import build as graph_build
from workbench.ingest.packages import (
    InstalledPackage,
    find_package,
    fingerprint,
    installed_packages,
)
from workbench.libraries import cards
from workbench.libraries.compliance import package_license
from workbench.libraries.progress import IngestProgress, SilentProgress
from workbench.libraries.reading import ReadAhead, read_ahead_enabled, read_library
from workbench.model import IngestReport, LibraryInfo
from workbench.store import queries, records, vector_cache, writer
from workbench.store.database import Database

#: Drop the HNSW index and rebuild it after the run when a library brings more new chunks
#: than this share of the file (building after a bulk load is ~3x faster than inserting).
BULK_SHARE = 0.1

HOLD_ENV = "WORKBENCH_TEST_HOLD_SECONDS"
PRECISION_ENV = "WORKBENCH_PASSAGE_PRECISION"

log = logging.getLogger("workbench.ingest")


@dataclass
class IngestPlan:
    """Resolved packages to ingest; resolving all names first means a typo writes nothing."""

    packages: list[InstalledPackage]


def plan_ingest(names: list[str]) -> IngestPlan:
    """Resolve every name to an installed package, or raise before anything is written.

    Raises:
        UnknownLibraryError: one of the names is not installed (the message names it).
    """
    packages: list[InstalledPackage] = []
    seen: set[str] = set()
    for name in names:
        package = find_package(name)
        if package.name not in seen:
            seen.add(package.name)
            packages.append(package)
    return IngestPlan(packages)


def resolve_available(names: list[str]) -> tuple[IngestPlan, list[str]]:
    """Like `plan_ingest` but keeps going: (plan of the installed ones, names not found)."""
    packages: list[InstalledPackage] = []
    missing: list[str] = []
    for name in names:
        try:
            packages.append(find_package(name))
        except UnknownLibraryError:
            missing.append(name)
    return IngestPlan(packages), missing


def passage_precision(db: Database, embedder: Embedder) -> str:
    """The precision (int8, fp32) this file's passages are embedded in: the one its
    passages already have, so a file never mixes them (an fp32 file from before int8
    passages stays fp32), else the settings' (int8 by default) if the embedder has it."""
    recorded = writer.recorded_passage_precision(db)
    wanted = embedder.settings.passage_precision
    if recorded is None:
        return embedder.passage_precision(wanted)
    if recorded != wanted and os.environ.get(PRECISION_ENV):
        note = "note: %s embeds its passages in %s (%s=%s applies to new files)"
        log.warning(note, db.path, recorded, PRECISION_ENV, wanted)
    return embedder.passage_precision(recorded)


def _embed_chunks(
    db: Database,
    embedder: Embedder,
    library: str,
    texts: list[str],
    hashes: list[str],
    progress: IngestProgress,
    precision: str,
) -> tuple[np.ndarray, int]:
    """Vectors for the chunk texts whose hash the library has not stored yet; the rows of
    the others stay NaN, and the writer keeps (or copies) their stored vectors."""
    stored = writer.stored_text_hashes(db, library)
    out = np.full((len(texts), embedder.dimension), np.nan, dtype=np.float32)
    todo = [i for i, h in enumerate(hashes) if h not in stored]
    reused = len(texts) - len(todo)
    if reused:
        progress.advance(library, reused)
    if todo:
        vectors = embedder.embed(
            [texts[i] for i in todo], progress=lambda n: progress.advance(library, n), precision=precision
        )
        out[todo] = vectors
    return out, reused


def ingest_package(
    db: Database,
    package: InstalledPackage,
    embedder: Embedder,
    *,
    force: bool = False,
    progress: IngestProgress | None = None,
    reader: ReadAhead | None = None,
    print_fp: str | None = None,
) -> IngestReport:
    """Ingest one package in one transaction; unchanged sources are a no-op.

    `reader` (see `ReadAhead`) may have read the package already, in a process of its own;
    `print_fp` is the package's `fingerprint` when the caller computed it already.

    Raises:
        LibraryLoadError: griffe cannot read the package (nothing is written).
    """
    progress = progress or SilentProgress()
    started = time.perf_counter()
    report = IngestReport(
        library=package.name,
        version=package.version,
        license=package_license(package),
        origin=package.origin,
    )
    refuse_opted_out(package.name, records.opted_out(db))
    progress.library_started(package.name)
    print_fp = print_fp or fingerprint(package)
    if not force and queries.library_fingerprint(db, package.name) == print_fp:
        report.status = "unchanged"
        report.seconds = time.perf_counter() - started
        progress.library_finished(report)
        return report

    progress.phase(package.name, "loading with griffe")
    read = reader.take(package) if reader is not None else read_library(package)
    extraction, chunks = read.extraction, read.chunks
    _refuse_lost_modules(db, package, extraction.entities)
    _diff(report, records.content_hashes(db, package.name), extraction.entities)
    # the wait for it: a library read ahead (see `ReadAhead`) costs only what is left
    report.load_seconds = time.perf_counter() - started

    if chunks and not embedder.passages_loaded:
        progress.phase(package.name, "loading the embedding model")
    precision = passage_precision(db, embedder)
    if chunks:
        embedder.load_passages(precision)
    progress.phase(package.name, "embedding", total=len(chunks))
    t_embed = time.perf_counter()
    vectors, reused = _embed_chunks(
        db,
        embedder,
        package.name,
        [c.embed_text for c in chunks],
        [c.text_hash for c in chunks],
        progress,
        precision,
    )
    report.embed_seconds = time.perf_counter() - t_embed
    report.reused_embeddings = reused
    report.embedded = len(chunks) - reused

    progress.phase(package.name, "writing")
    t_write = time.perf_counter()
    stored = queries.counts(db)["chunks"]
    if report.embedded > BULK_SHARE * stored and writer.has_hnsw_index(db):
        writer.drop_hnsw_index(db)
    writer.record_model(db, embedder.name, embedder.dimension, precision)
    info = LibraryInfo(
        name=package.name,
        distribution=package.distribution,
        version=package.version,
        fingerprint=print_fp,
        duration_s=time.perf_counter() - started,
        source_dir=str(package.path),
        origin=package.origin,
        license=report.license,
    )
    writer.replace_library(
        db,
        info,
        extraction.entities,
        extraction.aliases,
        chunks,
        vectors,
        extraction.edges,
        hold=float(os.environ.get(HOLD_ENV, "0") or 0),
    )
    report.write_seconds = time.perf_counter() - t_write
    report.entities = len(extraction.entities)
    report.chunks = len(chunks)
    report.seconds = time.perf_counter() - started
    record_outcome(db, report)
    progress.library_finished(report)
    return report


def refuse_opted_out(name: str, opted_out: dict[str, str]) -> None:
    """Refuse a library on the opt-out list, however its name is spelled.

    Raises:
        LibraryOptedOutError: naming the library, the reason and how to opt it in.
    """
    library = listed_as(name, opted_out)
    if library is not None:
        raise LibraryOptedOutError(
            f"'{library}' is opted out ({opted_out[library]}): `workbench compliance optin {library}` first"
        )


def listed_as(name: str, opted_out: dict[str, str]) -> str | None:
    """The opt-out list's spelling of `name` (`Foo_Bar` is `foo-bar`), if it is on it."""
    wanted = canonicalize_name(name)
    return next((library for library in opted_out if canonicalize_name(library) == wanted), None)


def _refuse_lost_modules(db: Database, package: InstalledPackage, entities: list) -> None:
    """griffe skips a module it cannot parse; re-indexing would then silently drop that
    module's entities. A module indexed before whose file is still there but which is now
    missing means exactly that: the update fails and the previous version stays.

    Raises:
        LibraryLoadError: naming the first such file.
    """
    now = {e.path for e in entities if e.kind == "module"}
    for path, filepath in records.indexed_modules(db, package.name):
        if path not in now and filepath and (package.search_path / filepath).is_file():
            raise LibraryLoadError(
                f"griffe cannot read {filepath} any more (it was indexed before): "
                f"'{package.name}' keeps its previous version"
            )


def _diff(report: IngestReport, before: dict[str, str], entities: list) -> None:
    """Added / changed / removed / unchanged entities against the stored version."""
    after = {e.path: e.content_hash for e in entities}
    report.added = sum(1 for p in after if p not in before)
    report.removed = sum(1 for p in before if p not in after)
    report.changed = sum(1 for p, h in after.items() if p in before and before[p] != h)
    report.unchanged = len(after) - report.added - report.changed


def record_outcome(db: Database, report: IngestReport) -> None:
    """One row of the version history for an ingest, an update or a failure."""
    records.add_version(
        db,
        {
            "library": report.library,
            "version": report.version,
            "license": report.license,
            "status": report.status,
            "entities": report.entities,
            "added": report.added,
            "changed": report.changed,
            "removed": report.removed,
            "unchanged": report.unchanged,
            "embedded": report.embedded,
            "duration_s": report.seconds,
            "message": report.message,
            "origin": report.origin,
        },
    )


def ingest(
    db: Database,
    plan: IngestPlan,
    embedder: Embedder,
    *,
    force: bool = False,
    progress: IngestProgress | None = None,
) -> list[IngestReport]:
    """Ingest every planned package; one that griffe cannot read is reported and skipped.

    The BM25 index is rebuilt once at the end (and the HNSW index built if it was
    dropped for a bulk load); both are rebuilt by the next run if this one is killed.
    """
    progress = progress or SilentProgress()
    # each fingerprint hashes every source file: computed once, for the read-ahead's
    # choice and for each library's "unchanged?" check
    prints = {p.name: fingerprint(p) for p in plan.packages}
    with _read_ahead(db, plan, force, prints) as reader:
        reports = _ingest_each(db, plan, embedder, force, progress, reader, prints)
    refresh_cards(db, embedder, progress)
    ensure_indexes(db, progress)
    return reports


def refresh_cards(db: Database, embedder: Embedder, progress: IngestProgress | None = None) -> int:
    """Embed the entity cards (`store.cards`) the file lacks or whose text changed, in its
    passages' precision, and drop those of entities that are gone; a file whose cards are
    all current costs two reads (~0.3 s).

    Run once after the libraries, not per library: while libraries are written, the
    read-ahead process reads the next one on the other core, and cards embedded then cost
    twice their CPU time (the first ingest of the default set took 11 min 4 s with cards
    per library, 9 min 35 s with them after the libraries, 8 min 14 s without them, the
    same day on the same machine)."""
    if writer.recorded_passage_precision(db) is None:  # no chunks: nothing to card
        return 0
    return cards.refresh(db, embedder, passage_precision(db, embedder), progress)


def _to_read(db: Database, plan: IngestPlan, force: bool, prints: dict[str, str]) -> list[InstalledPackage]:
    """The planned packages an ingest will read: changed (or forced) and not opted out."""
    opted_out = records.opted_out(db)
    return [
        p
        for p in plan.packages
        if listed_as(p.name, opted_out) is None
        and (force or queries.library_fingerprint(db, p.name) != prints[p.name])
    ]


@contextlib.contextmanager
def _read_ahead(
    db: Database, plan: IngestPlan, force: bool, prints: dict[str, str]
) -> Iterator[ReadAhead | None]:
    """A `ReadAhead` over the packages to read when there are two or more (one library
    has nothing to overlap with), unless `$WORKBENCH_READ_AHEAD` is 0."""
    enabled = read_ahead_enabled() and len(plan.packages) > 1
    packages = _to_read(db, plan, force, prints) if enabled else []
    if len(packages) < 2:
        yield None
        return
    with ReadAhead(packages) as reader:
        yield reader


def _ingest_each(
    db: Database,
    plan: IngestPlan,
    embedder: Embedder,
    force: bool,
    progress: IngestProgress,
    reader: ReadAhead | None,
    prints: dict[str, str],
) -> list[IngestReport]:
    reports: list[IngestReport] = []
    published = time.monotonic()
    for number, package in enumerate(plan.packages):
        if number and time.monotonic() - published >= publish_every_s():
            # a long run (the first ingest of the default set: ~30 min) publishes what it
            # finished, indexes and graph included, so readers see it and a kill keeps it
            refresh_cards(db, embedder, progress)
            ensure_indexes(db, progress)
            if db.publish_progress():
                progress.message(f"published the {number} libraries done so far")
            published = time.monotonic()
        try:
            reports.append(
                ingest_package(
                    db,
                    package,
                    embedder,
                    force=force,
                    progress=progress,
                    reader=reader,
                    print_fp=prints[package.name],
                )
            )
        except LibraryOptedOutError as error:
            report = IngestReport(package.name, package.version, "skipped", message=str(error))
            progress.library_finished(report)
            reports.append(report)
        except LibraryLoadError as error:
            report = IngestReport(package.name, package.version, "failed", message=str(error))
            record_outcome(db, report)
            progress.library_finished(report)
            reports.append(report)
    return reports


#: Seconds between publishing a long ingest's finished libraries (`$WORKBENCH_PUBLISH_EVERY`).
PUBLISH_EVERY_S = 600.0


def publish_every_s() -> float:
    """How often a long ingest publishes its finished part; each publish costs an index
    refresh and a copy of the file (7-8 s for 0.9 GB)."""
    try:
        return float(os.environ.get("WORKBENCH_PUBLISH_EVERY", PUBLISH_EVERY_S))
    except ValueError:
        return PUBLISH_EVERY_S


def ensure_indexes(db: Database, progress: IngestProgress | None = None) -> None:
    """Bring the BM25 and HNSW indexes, the graph tables and the vector cache
    (`store.vector_cache`) up to date with the rows."""
    progress = progress or SilentProgress()
    fts_stale = writer.fts_is_stale(db) or not writer.fts_exists(db)
    hnsw_missing = not writer.has_hnsw_index(db)
    if fts_stale or hnsw_missing:
        progress.message("building search indexes (BM25" + (" + HNSW)" if hnsw_missing else ")"))
        writer.rebuild_indexes(db, fts=fts_stale, hnsw=hnsw_missing, incremental=True)
    if graph_build.is_stale(db):
        progress.message("building the API graph")
        graph_build.update(db)
    if vector_cache.enabled():
        try:
            vector_cache.build(db, on_write=lambda: progress.message("writing the vector cache"))
        except OSError as error:  # no room or no right to write it: searches use DuckDB's index
            progress.message(f"no vector cache ({error}); searches use the file's HNSW index")


def installed_library_names() -> list[str]:
    """Every installed top-level package, most depended-on first."""
    return installed_packages()
