"""A net under the facade: no DuckDB or OS error leaves it as a traceback."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb

from workbench.errors import StoreError, WorkbenchError
from workbench.store.diskspace import disk_full, is_disk_full

T = TypeVar("T", bound=type)

#: DuckDB errors that mean the file itself is bad, not the statement.
DAMAGE = (duckdb.IOException, duckdb.InternalException, duckdb.SerializationException, duckdb.FatalException)


def translate(error: duckdb.Error | OSError, path: object) -> WorkbenchError:
    """The one-line WorkbenchError for a DuckDB or OS error met while using `path`."""
    first = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
    if is_disk_full(error):
        where = getattr(path, "parent", path)
        return disk_full(where)  # type: ignore[arg-type]
    if isinstance(error, OSError):
        return StoreError(f"cannot use {path}: {error.strerror or first}")
    if isinstance(error, DAMAGE):
        return StoreError(
            f"{path} is damaged ({first}): restore a copy or build a new file with `workbench ingest`"
        )
    return StoreError(f"{path}: the database refused a statement ({first}); please report it")


def guard_methods(cls: T) -> T:
    """Wrap every public method of `cls` so that DuckDB and OS errors become
    WorkbenchErrors (`self.path` names the file in the message)."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(member) or inspect.isgeneratorfunction(member):
            continue
        setattr(cls, name, _guarded(member))
    return cls


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (duckdb.Error, OSError) as error:
            raise translate(error, getattr(self, "path", "the index")) from error

    return call
