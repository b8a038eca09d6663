"""PyRAG Workbench: search the APIs of installed Python libraries, all in one DuckDB file.

    >>> from workbench import Workbench
    >>> hits = Workbench("data/workbench.duckdb").search("set a timeout on a client")

The package imports lazily (PEP 562): `import workbench` loads no duckdb, torch or textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Workbench", "WorkbenchError", "__version__"]

if TYPE_CHECKING:
    from workbench.errors import WorkbenchError
    from workbench.facade import Workbench


def __getattr__(name: str) -> Any:
    if name == "Workbench":
        from workbench.facade import Workbench

        return Workbench
    if name == "WorkbenchError":
        from workbench.errors import WorkbenchError

        return WorkbenchError
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
