"""Load an installed package with griffe, statically: nothing of it is imported."""

from __future__ import annotations

import logging

import griffe

from workbench.errors import LibraryLoadError
from workbench.ingest.packages import InstalledPackage

logging.getLogger("griffe").setLevel(logging.CRITICAL)


def load_package(package: InstalledPackage) -> griffe.Object:
    """griffe's tree of a package, read from its sources (no import, no inspection).

    Raises:
        LibraryLoadError: griffe cannot read the package statically.
    """
    try:
        root = griffe.load(
            package.name,
            search_paths=[package.search_path],
            try_relative_path=False,
            allow_inspection=False,
            resolve_aliases=False,
            store_source=True,
        )
    except Exception as error:  # griffe raises many kinds; all mean "cannot read it"
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise LibraryLoadError(
            f"griffe cannot read '{package.name}' statically: {type(error).__name__}: {message}"
        ) from error
    if root.is_alias:
        raise LibraryLoadError(f"'{package.name}' resolves to an alias, not a package")
    return root
