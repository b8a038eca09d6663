"""Errors a user can act on: each carries a one-line message and the CLI exit code."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class WorkbenchError(Exception):
    """A problem with the user's input or file, reported as one line (exit code 2)."""

    exit_code = 2

    def __str__(self) -> str:
        """The message on one printable line, whatever input it quotes: control characters
        escaped (`\\n`), text that is not valid Unicode as `\\udcff`."""
        text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], super().__str__().strip())
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class UnknownLibraryError(WorkbenchError):
    """The named library is not installed (or not importable) in this environment."""


class LibraryOptedOutError(WorkbenchError):
    """The library is on the opt-out list: it is neither ingested nor added."""


class LibraryLoadError(WorkbenchError):
    """griffe could not read a package (syntax it cannot parse, missing sources...)."""


class StoreError(WorkbenchError):
    """The DuckDB file is missing, foreign, corrupt, locked or of another schema."""


class IndexBusyError(StoreError):
    """Another process holds the DuckDB file's lock: a writer (which refuses every other
    process, readers too) or, when opening to write, any process that has it open."""

    def __init__(self, message: str, pid: int | None = None, executable: str = "") -> None:
        super().__init__(message)
        self.pid = pid
        self.executable = executable


class ModelMismatchError(StoreError):
    """The file was embedded with another model than the one configured now."""


class ExtensionMissingError(StoreError):
    """A DuckDB extension package (vss or fts) is not installed."""


class QueryError(WorkbenchError):
    """The query is empty, too long or uses unknown filters."""


class EntityNotFoundError(WorkbenchError):
    """No entity has the requested dotted path."""


class FetchError(WorkbenchError):
    """A package could not be fetched or unpacked (no wheel, pip failed, bad wheel file)."""


class DiskFullError(StoreError):
    """The disk holding the index (or a package's unpacked copy) has no room left."""
