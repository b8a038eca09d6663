"""`workbench update`: find libraries whose installed sources differ from the indexed
ones and re-index only those (diffed by entity content hash; unchanged chunk texts keep
their embeddings)."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import UnknownLibraryError
from workbench.ingest.packages import InstalledPackage, find_package, fingerprint
from workbench.store import queries
from workbench.store.database import Database


@dataclass
class UpdateCheck:
    """One indexed library against what is installed now."""

    library: str
    indexed_version: str
    installed_version: str
    state: str  # current, new version, changed sources, not installed
    package: InstalledPackage | None = None


def check(db: Database, names: list[str] | None = None) -> list[UpdateCheck]:
    """State of each indexed library (or of `names`), without writing anything.

    Raises:
        UnknownLibraryError: a name is neither indexed nor installed.
    """
    indexed = {lib.name: lib for lib in queries.list_libraries(db)}
    wanted = names or sorted(indexed)
    out = []
    for name in wanted:
        lib = indexed.get(name)
        try:
            package = find_package(name)
        except UnknownLibraryError:
            if lib is None:
                raise
            out.append(UpdateCheck(name, lib.version, "", "not installed"))
            continue
        if lib is None:
            out.append(UpdateCheck(package.name, "", package.version, "not indexed", package))
        elif lib.version != package.version:
            out.append(UpdateCheck(lib.name, lib.version, package.version, "new version", package))
        elif lib.fingerprint != fingerprint(package):
            out.append(UpdateCheck(lib.name, lib.version, package.version, "changed sources", package))
        else:
            out.append(UpdateCheck(lib.name, lib.version, package.version, "current", package))
    return out
