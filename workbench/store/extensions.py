"""Find and load the vss and fts extensions shipped by PyPI packages: no network, ever."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

from workbench.errors import ExtensionMissingError

#: extension name -> the PyPI package that carries its signed binary.
EXTENSION_PACKAGES = {"vss": "duckdb-extension-vss", "fts": "duckdb-extension-fts"}


def extension_file(name: str) -> Path:
    """Path of the `.duckdb_extension` file of `name` for the running DuckDB version.

    Raises:
        ExtensionMissingError: the package is not installed or lacks this DuckDB version.
    """
    package = EXTENSION_PACKAGES[name]
    spec = importlib.util.find_spec(package.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissingError(
            f"DuckDB extension '{name}' is missing: pip install {package}=={duckdb.__version__}"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    wanted = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if wanted.exists():
        return wanted
    found = sorted(root.glob(f"extensions/*/{name}.duckdb_extension"))
    have = ", ".join(p.parent.name for p in found) or "none"
    raise ExtensionMissingError(
        f"DuckDB extension '{name}' for duckdb v{duckdb.__version__} is missing (package has "
        f"{have}): pip install {package}=={duckdb.__version__}"
    )


def load_extensions(conn: duckdb.DuckDBPyConnection) -> None:
    """LOAD vss and fts from their package files into `conn`."""
    for name in EXTENSION_PACKAGES:
        conn.execute(f"LOAD '{extension_file(name)}'")
    conn.execute("SET hnsw_enable_experimental_persistence = true")
