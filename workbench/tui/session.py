"""What the app holds open: a read-only index (local facade or HTTP twin), and the brief
write-locked session that library changes need."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from workbench.errors import StoreError
from workbench.protocol import WorkbenchReader

T = TypeVar("T")


def is_writable(path: Path) -> bool:
    """Whether library changes may write this file: it has write bits (root ignores them,
    so they are read too: a teammate's exported copy is often chmod a-w) and its folder
    takes the write-ahead log."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    has_bits = bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return has_bits and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


@dataclass
class Session:
    """The index the app browses.

    `reader` is any `WorkbenchReader` (the local `Workbench` or `RemoteWorkbench`); `local`
    is the local facade when there is one (library changes and tuning need it), `label` what
    the header shows, `writable` whether library changes are allowed.
    """

    reader: WorkbenchReader
    label: str
    local: Any = None
    writable: bool = False
    _write_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def is_remote(self) -> bool:
        return self.local is None

    @property
    def model_ready(self) -> bool:
        """Whether vector (and so hybrid) search answers now; a server always has its model."""
        return self.local is None or self.local.embedder.loaded

    def load_model(self) -> None:
        """Load the embedding model (seconds): run it in a worker, never on the event loop."""
        if self.local is not None:
            self.local.embedder.load()

    def preference(self, key: str) -> Any:
        """A TUI preference (theme, query history) saved in the state file beside the index;
        None against a server or when nothing is saved."""
        if self.local is None:
            return None
        return self.local.state.setting(f"tui.{key}")

    def save_preference(self, key: str, value: Any) -> None:
        """Save a TUI preference beside the index (no write lock on the index needed)."""
        if self.local is not None:
            self.local.state.save_setting(f"tui.{key}", value)

    def effective_mode(self, mode: str) -> str:
        """The mode a search can run in now: BM25 answers while the model loads."""
        return mode if self.model_ready or mode == "bm25" else "bm25"

    def change_libraries(self, action: Callable[[Any], T]) -> T:
        """Run `action(writable_workbench)`: it changes a private copy of the index and
        swaps it in when done, so the app keeps reading meanwhile, and its read-only
        handle reopens the new file at its next call (the facade notices the swap).

        Raises:
            StoreError: a server's index, a read-only file, or a full disk.
        """
        if self.local is None:
            raise StoreError("library changes are made on the server's machine, not through it")
        if not self.writable:
            raise StoreError(f"{self.label} is read-only here: library changes are disabled")
        from workbench.facade import Workbench

        local = self.local
        with self._write_lock, Workbench(local.path, read_only=False, embedder=local.embedder) as writer:
            return action(writer)


def open_local(db: Path) -> Session:
    """The local index, read-only (many processes share it).

    Raises:
        StoreError: missing, foreign, corrupt or locked file (one line).
    """
    from workbench.facade import Workbench

    bench = Workbench(db)
    return Session(reader=bench, label=str(db), local=bench, writable=is_writable(Path(db)))


def open_remote(url: str, token: str | None = None) -> Session:
    """A `workbench serve` server through its HTTP twin of the facade."""
    from workbench.reader import open_reader

    return Session(reader=open_reader(server=url, token=token), label=url)
