"""`workbench update`: find libraries whose sources differ from the indexed ones and
re-index only those (diffed by entity content hash; unchanged chunk texts keep their
embeddings). Online, PyPI's latest version is compared too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from workbench.errors import UnknownLibraryError
from workbench.ingest.packages import InstalledPackage, find_package, fingerprint
from workbench.store import queries
from workbench.store.database import Database

#: states that `update` acts on by re-indexing the package found here
STALE = ("new version", "changed sources")


@dataclass
class UpdateCheck:
    """One indexed library against what is installed (or was fetched) now, and PyPI."""

    library: str
    indexed_version: str
    installed_version: str
    state: str  # current, new version, changed sources, newer on PyPI, not installed, not indexed
    package: InstalledPackage | None = None
    origin: str = "installed"
    latest_version: str = ""  # PyPI's, when checked online
    note: str = ""


def check(
    db: Database,
    names: list[str] | None,
    locate: Callable[[str], InstalledPackage | None],
    latest: dict[str, str] | None = None,
) -> list[UpdateCheck]:
    """State of each indexed library (or of `names`), without writing anything.

    `locate` finds the installed package, or the copy `workbench add` unpacked; `latest`
    maps a distribution name to PyPI's latest version (online checks only).

    Raises:
        UnknownLibraryError: a name is neither indexed nor installed.
    """
    indexed = {lib.name: lib for lib in queries.list_libraries(db)}
    wanted = names or sorted(indexed)
    out = []
    for name in wanted:
        lib = indexed.get(name)
        package = locate(lib.distribution if lib and lib.origin != "installed" else name)
        if package is None:
            if lib is None:
                find_package(name)  # raises its error, with the did-you-mean hint
                raise UnknownLibraryError(f"unknown library '{name}': neither indexed nor installed")
            out.append(UpdateCheck(name, lib.version, "", "not installed", origin=lib.origin))
            continue
        if lib is None:
            out.append(UpdateCheck(package.name, "", package.version, "not indexed", package))
            continue
        row = UpdateCheck(lib.name, lib.version, package.version, "current", package, lib.origin)
        if lib.version != package.version:
            row.state = "new version"
        elif lib.fingerprint != fingerprint(package):
            row.state = "changed sources"
        newest = (latest or {}).get(lib.distribution, "")
        row.latest_version = newest
        if row.state == "current" and newest and _newer(newest, lib.version):
            row.state = "newer on PyPI"
            if not lib.origin.startswith("pypi "):
                row.note = f"pip install -U {lib.distribution}, then workbench update {lib.name}"
        out.append(row)
    return out


def _newer(candidate: str, current: str) -> bool:
    try:
        return Version(candidate) > Version(current)
    except InvalidVersion:
        return candidate != current
