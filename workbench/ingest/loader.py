"""Load an installed package with griffe: its source and stubs statically; of an installed
package, the compiled modules neither describes by importing them in a child process
(`workbench.ingest.compiled`)."""

from __future__ import annotations

import logging

import griffe
from griffe_sphinx import SphinxCommentsExtension

from workbench.errors import LibraryLoadError
from workbench.ingest.assignments import ClassRebinds
from workbench.ingest.compiled import read_compiled
from workbench.ingest.packages import InstalledPackage
from workbench.ingest.stub_extensions import AttachedDocstrings, OverloadsOnly

logging.getLogger("griffe").setLevel(logging.CRITICAL)


def load_package(package: InstalledPackage, *, runtime: bool = True) -> list[griffe.Object]:
    """griffe's trees of a package and its companion stubs, read from source (no import),
    with the names its stubs declare only as overloads and the docstrings it attaches
    with `add_newdoc` (`workbench.ingest.stub_extensions`); for an installed package, its
    compiled modules that have neither source nor stubs, the names its modules make while
    they run and its missing docstrings, read at run time (`workbench.ingest.compiled`),
    unless `runtime` is False (`workbench discover` measures packages without running them).

    The package comes first; companion stub packages (see `companion_stubs`) follow, loaded
    by the same loader so that the package's re-exports point into them.

    Raises:
        LibraryLoadError: griffe cannot read the package statically.
    """
    attached = AttachedDocstrings()
    loader = griffe.GriffeLoader(
        search_paths=[package.search_path, *(p.parent for p in package.companions)],
        allow_inspection=False,
        store_source=True,
        # with griffe's own dataclasses extension; griffe-sphinx reads the `#:` comments
        # Sphinx documents attributes with (click's `Context.obj`, jinja2's `Environment`'s)
        extensions=griffe.load_extensions(
            OverloadsOnly(), attached, ClassRebinds(), SphinxCommentsExtension()
        ),
    )
    siblings = []
    for name in package.siblings:
        try:
            siblings.append(loader.load(name, try_relative_path=False))
        except Exception:  # the package itself may not need it; its own load says
            continue
    try:
        root = loader.load(package.name, try_relative_path=False)
        roots = [root, *siblings]
        for stubs in package.companions:
            roots.append(_load_stubs(loader, stubs.name))
    except Exception as error:  # griffe raises many kinds; all mean "cannot read it"
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise LibraryLoadError(
            f"griffe cannot read '{package.name}' statically: {type(error).__name__}: {message}"
        ) from error
    if root.is_alias:
        raise LibraryLoadError(f"'{package.name}' resolves to an alias, not a package")
    attached.apply(loader.modules_collection)
    if runtime:
        read_compiled(package, loader.modules_collection, roots)
    return roots


def _load_stubs(loader: griffe.GriffeLoader, folder_name: str) -> griffe.Object:
    """Load a stub-only package `X-stubs` as module `X`.

    griffe's finder names the module `X` but then looks the object up as `X-stubs`, which
    fails after the module is already in the collection: take it from there.
    """
    module_name = folder_name.removesuffix("-stubs")
    try:
        return loader.load(folder_name, try_relative_path=False)
    except KeyError:
        return loader.modules_collection[module_name]
