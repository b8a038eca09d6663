"""Share an index with a team: export a self-contained file, import a teammate's libraries.

The store does the copying (`store.export`) and the checksums (`store.manifest`); this
module puts the steps in order: check the names, copy into a temporary file, build its
search indexes and graph, record the manifest, and move it into place.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from workbench.errors import IndexBusyError, StoreError
from workbench.libraries.pipeline import ensure_indexes
from workbench.store import export as store_export
from workbench.store import records
from workbench.store.database import Database
from workbench.store.manifest import (
    Manifest,
    build_manifest,
    read_manifest,
    remember_verified,
    verify,
    write_manifest,
)
from workbench.store.swap import wal_path

T = TypeVar("T")


@dataclass(frozen=True)
class ImportedLibrary:
    """What an import did with one library of the other file."""

    name: str
    version: str
    status: str  # added, replaced, kept yours, opted out (yours: `workbench compliance optin`)
    yours: str = ""  # the version you had


def when_free(open_file: Callable[[], T], wait_s: float) -> T:
    """`open_file()`, retried every 0.25 s for up to `wait_s` seconds while another
    process writes the file (IndexBusyError); the last refusal is raised."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return open_file()
        except IndexBusyError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.25)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    wal_path(path).unlink(missing_ok=True)


def export(db: Database, destination: Path, libraries: list[str]) -> Manifest:
    """Write `libraries` of `db` (all when empty) to the new file `destination`, with
    indexes, graph and manifest. Built under a temporary name beside it: a failure leaves
    no file, a success a complete one.

    Raises:
        StoreError: `destination` exists already or cannot be written.
        UnknownLibraryError: a name is not in the file.
    """
    destination = Path(destination)
    if destination.exists():
        raise StoreError(f"{destination} exists already: choose another name or remove it")
    if destination.resolve() == db.path.resolve():
        raise StoreError("export to another file than the one open")
    chosen = store_export.check_libraries(db, libraries)
    everything = store_export.check_libraries(db, [])
    left_out = [name for name in everything if name not in chosen]
    scratch = destination.with_name(f".{destination.name}.partial")
    _remove(scratch)
    try:
        store_export.export_rows(db, scratch, chosen if libraries else None)
        with Database(scratch, read_only=False, dimension=db.dimension) as out:
            ensure_indexes(out)
            manifest = build_manifest(out, left_out)
            write_manifest(out, manifest)
            out.checkpoint()
        os.replace(scratch, destination)
    except OSError as error:
        _remove(scratch)
        raise StoreError(f"cannot write {destination}: {error.strerror or error}") from None
    except BaseException:
        _remove(scratch)
        raise
    remember_verified(destination, manifest.checksum)  # verified by construction
    return manifest


@dataclass(frozen=True)
class Source:
    """A teammate's file that passed every check, and the libraries to take from it."""

    path: Path
    versions: dict[str, str]  # name -> version, of the libraries asked for


def check_source(source: Path, libraries: list[str], model_name: str, dimension: int) -> Source:
    """Open a teammate's file as any open checks it (schema, same embedding model, an
    export's checksum, verified here even when cached) before anything is written.

    Raises:
        StoreError: the source is missing, foreign, of another model or fails its checksum.
        UnknownLibraryError: a name is not in the source.
    """
    source = Path(source)
    with Database(source, read_only=True, model_name=model_name, dimension=dimension) as theirs:
        manifest = read_manifest(theirs)
        if manifest is not None:
            verify(theirs, manifest)
        names = store_export.check_libraries(theirs, libraries)
        versions = dict(theirs.execute("SELECT name, version FROM libraries").fetchall())
    return Source(source, {name: versions[name] for name in names})


def import_file(db: Database, source: Source, *, replace: bool) -> list[ImportedLibrary]:
    """Merge the libraries of a checked `source` into `db` (open writable), in one
    transaction; a library `db` holds already is kept unless `replace`, and one opted
    out of in `db` is never taken.

    Raises:
        StoreError: `source` is the file open.
    """
    if source.path.resolve() == db.path.resolve():
        raise StoreError("import from another file than the one open")
    mine = dict(db.execute("SELECT name, version FROM libraries").fetchall())
    opted = records.opted_out(db)
    report = []
    for name, version in source.versions.items():
        if name in opted:
            report.append(ImportedLibrary(name, version, "opted out"))
        elif name not in mine:
            report.append(ImportedLibrary(name, version, "added"))
        elif replace:
            report.append(ImportedLibrary(name, version, "replaced", mine[name]))
        else:
            report.append(ImportedLibrary(name, version, "kept yours", mine[name]))
    taken = [r.name for r in report if r.status in ("added", "replaced")]
    if taken:
        store_export.import_rows(db, source.path, taken)
        ensure_indexes(db)
    return report
