"""Find an installed package by import or distribution name; fingerprint its sources."""

from __future__ import annotations

import difflib
import hashlib
import importlib.machinery
import importlib.metadata as metadata
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workbench.errors import UnknownLibraryError

#: Bump when extraction or chunking changes, so that unchanged packages re-ingest once.
EXTRACTOR_VERSION = "8"  # 8: `#:` comments, module listings; 7: compiled modules read at run time


@dataclass(frozen=True)
class InstalledPackage:
    """Where an importable top-level package lives and which distribution installed it."""

    name: str  # import name, e.g. "yaml"
    distribution: str  # e.g. "PyYAML"
    version: str
    path: Path  # package directory, or the module file for single-module packages
    search_path: Path  # the directory griffe searches (site-packages)
    #: stub-only packages of the same distribution that hold the real API of a compiled
    #: core, e.g. `_duckdb-stubs` for duckdb, whose `duckdb.connect` is `_duckdb.connect`
    companions: tuple[Path, ...] = ()
    #: where it came from: "installed", or for `workbench add`, "wheel FILE" / "pypi NAME==VERSION"
    origin: str = "installed"
    #: the `.dist-info` folder of a package unpacked from a wheel (not importable here)
    metadata_dir: Path | None = None
    #: other top-level packages of the same distribution (`attr` beside `attrs`): loaded
    #: first, since the package re-exports from them, and indexed with it
    siblings: tuple[str, ...] = ()

    def sibling_paths(self) -> list[Path]:
        """Folders or module files of the siblings under the search path."""
        out = []
        for name in self.siblings:
            folder, module = self.search_path / name, self.search_path / f"{name}.py"
            out.extend(p for p in (folder, module) if p.exists())
        return out


def extension_suffix(filename: str) -> str | None:
    """The extension-module suffix a file name ends with (`.cpython-311-x86_64-linux-gnu.so`,
    `.abi3.so`, `.pyd`), or None for any other file."""
    return next((s for s in importlib.machinery.EXTENSION_SUFFIXES if filename.endswith(s)), None)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=1)
def _import_to_distributions() -> dict[str, list[str]]:
    return {k: list(v) for k, v in metadata.packages_distributions().items()}


def _distribution_imports() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for module, dists in _import_to_distributions().items():
        for dist in dists:
            out.setdefault(_normalize(dist), []).append(module)
    return out


def _import_name(name: str) -> str | None:
    if name in _import_to_distributions():
        return name
    lowered = name.replace("-", "_")
    if lowered in _import_to_distributions():
        return lowered
    modules = _distribution_imports().get(_normalize(name), [])
    public = sorted(m for m in modules if not m.startswith("_"))
    wanted = _normalize(name).replace("-", "_")
    if wanted in public:
        return wanted
    return public[0] if public else None


def find_package(name: str) -> InstalledPackage:
    """Locate an installed library by import name (`yaml`) or distribution (`PyYAML`).

    Raises:
        UnknownLibraryError: nothing of that name is importable here.
    """
    if name in ("stdlib", "python"):  # the standard library and the builtins
        from workbench.ingest.stdlib import stdlib_package

        package = stdlib_package()
        if package is None:
            raise UnknownLibraryError("the standard library needs typeshed's stubs: pip install jedi")
        return package
    import_name = _import_name(name) or name
    try:
        spec = importlib.util.find_spec(import_name) if re.fullmatch(r"[\w.]+", import_name) else None
    except (ImportError, ValueError):
        spec = None
    if spec is None or (spec.origin is None and not spec.submodule_search_locations):
        known = list(_import_to_distributions()) + list(_distribution_imports())
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UnknownLibraryError(f"unknown library '{name}': not installed here{hint}")
    if spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations)))
    else:
        path = Path(spec.origin or "")
    dists = _import_to_distributions().get(import_name, [])
    distribution = dists[0] if dists else import_name
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        version = "0"
    return InstalledPackage(
        import_name, distribution, version, path, path.parent, companion_stubs(distribution, import_name)
    )


def companion_stubs(distribution: str, import_name: str) -> tuple[Path, ...]:
    """Stub-only packages (`X-stubs/__init__.pyi`) shipped by the same distribution.

    Compiled cores (`_duckdb.so`) cannot be read statically, but their distribution often
    ships their stubs beside them; the package re-exports from the core, so its public API
    is only complete with them.
    """
    try:
        files = metadata.distribution(distribution).files or []
    except metadata.PackageNotFoundError:
        return ()
    found: dict[str, Path] = {}
    for file in files:
        parts = file.parts
        is_stubs = len(parts) == 2 and parts[0].endswith("-stubs") and parts[1] == "__init__.pyi"
        if is_stubs and parts[0] != f"{import_name}-stubs":
            found[parts[0]] = Path(str(file.locate())).parent
    return tuple(found[k] for k in sorted(found))


def fingerprint(package: InstalledPackage) -> str:
    """Hash of the package's Python sources, its version and the extractor version.

    Equal fingerprints mean re-ingesting would produce the same rows, so it is skipped
    without loading the package with griffe.
    """
    digest = hashlib.sha256(f"{package.version}|{EXTRACTOR_VERSION}".encode())
    for file in source_files(package):
        relative = file.relative_to(package.search_path) if file.is_relative_to(package.search_path) else file
        digest.update(str(relative).encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def source_files(package: InstalledPackage) -> list[Path]:
    """Every Python source griffe reads for a package: its own, its companion stubs' and
    its siblings'."""
    roots = [package.path, *package.companions, *package.sibling_paths()]
    return [file for root in roots for file in ([root] if root.is_file() else _sources(root))]


def _sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in {".py", ".pyi"} and p.is_file())


def installed_packages() -> list[str]:
    """Import names of all installed top-level packages with Python sources, by popularity.

    Popularity here is how many installed distributions require the package's
    distribution: a cheap, offline proxy for how central it is.
    """
    dependents: dict[str, int] = {}
    for dist in metadata.distributions():
        for req in dist.requires or []:
            match = re.match(r"[A-Za-z0-9_.\-]+", req)
            if match and "extra ==" not in req:
                key = _normalize(match.group(0))
                dependents[key] = dependents.get(key, 0) + 1
    names = []
    for module, dists in _import_to_distributions().items():
        if module.startswith("_") or not module.isidentifier():
            continue
        names.append((-dependents.get(_normalize(dists[0]), 0), module))
    return [m for _, m in sorted(names)]
