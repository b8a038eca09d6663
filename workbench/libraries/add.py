"""`workbench add NAME[==VERSION] | WHEEL`: resolve what to index (installed, a wheel
file, or a wheel fetched by pip into the private folder), then ingest it like any other
library. A failure writes nothing to the file and removes what this call unpacked."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import parse_wheel_filename

from workbench.embed.embedder import Embedder
from workbench.errors import UnknownLibraryError
from workbench.ingest.packages import InstalledPackage, find_package
from workbench.libraries import fetch, pipeline
from workbench.libraries.progress import IngestProgress, SilentProgress
from workbench.model import IngestReport
from workbench.store import records
from workbench.store.database import Database


@dataclass
class Resolved:
    """What `add` will ingest, and the folder it unpacked (None when nothing was unpacked)."""

    package: InstalledPackage
    unpacked: Path | None = None


def resolve(spec: str, root: Path, opted_out: dict[str, str], progress: IngestProgress) -> Resolved:
    """Find or fetch the package a spec names; nothing is written to the DuckDB file.

    Raises:
        FetchError: a bad spec, no wheel, pip failed, or an unreadable wheel.
        LibraryOptedOutError: the library is opted out (checked before any download).
    """
    if spec.endswith(".whl") or Path(spec).is_file():
        wheel = Path(spec).expanduser().resolve()
        package, created = fetch.unpack_wheel(wheel, root, origin=f"wheel {wheel}")
        return Resolved(package, package.search_path if created else None)
    requirement = fetch.parse_spec(spec)
    pipeline.refuse_opted_out(requirement.name, opted_out)
    version = fetch.pinned_version(requirement)
    try:
        installed = find_package(requirement.name)
    except UnknownLibraryError:
        installed = None
    if installed is not None and (version is None or installed.version == version):
        return Resolved(installed)
    fetched = fetch.fetched_package(root, requirement.name)
    if fetched is not None and fetched.version == version:
        return Resolved(fetched)
    progress.message(f"fetching a wheel of {requirement} with pip (into {root})")
    wheel = fetch.download_wheel(requirement, root)
    package, created = fetch.unpack_wheel(
        wheel, root, origin=f"pypi {requirement.name}=={parse_wheel_filename(wheel.name)[1]}"
    )
    return Resolved(package, package.search_path if created else None)


def add(
    db: Database,
    spec: str,
    root: Path,
    embedder: Embedder,
    *,
    progress: IngestProgress | None = None,
) -> IngestReport:
    """Resolve, then ingest one library in one transaction and bring the indexes up to date.

    Raises:
        FetchError, LibraryOptedOutError, LibraryLoadError: nothing written to the file.
    """
    progress = progress or SilentProgress()
    resolved = resolve(spec, root, records.opted_out(db), progress)
    try:
        report = pipeline.ingest_package(db, resolved.package, embedder, progress=progress)
    except BaseException:
        if resolved.unpacked is not None:
            shutil.rmtree(resolved.unpacked, ignore_errors=True)
        raise
    pipeline.refresh_cards(db, embedder, progress)
    pipeline.ensure_indexes(db, progress)
    return report
