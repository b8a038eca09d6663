"""Read libraries (griffe, extraction, chunks) one library ahead, in a process of its own.

An ingest does three things per library: read it (griffe, pure Python: one core),
embed its chunks (onnxruntime on every core) and write it (DuckDB). Done one after the
other, a core idles whenever a library is being read (the first `make demo` got 1.1
CPUs of 2 on average, on a shared machine). `ReadAhead` reads the next library in a
child process while this one embeds and writes the current one, so reading overlaps
embedding.

The child is started with `spawn` (never `fork`: the parent holds onnxruntime and DuckDB
threads) and imports only the ingest layer. If it dies (out of memory, killed), the
libraries it had not delivered are read here, as before.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from workbench.ingest import stdlib
from workbench.ingest.chunking import chunk_entities
from workbench.ingest.extract import Extraction, extract
from workbench.ingest.loader import load_package
from workbench.ingest.packages import InstalledPackage
from workbench.model import Chunk

log = logging.getLogger("workbench.ingest")

#: `$WORKBENCH_READ_AHEAD=0` reads every library in the ingesting process.
READ_AHEAD_ENV = "WORKBENCH_READ_AHEAD"


@dataclass
class ReadLibrary:
    """One library read from disk: its extraction, its chunks and the seconds it took."""

    extraction: Extraction
    chunks: list[Chunk]
    seconds: float


def read_library(package: InstalledPackage) -> ReadLibrary:
    """Read a package with griffe (the standard library from its stubs), then cut chunks.

    Raises:
        LibraryLoadError: griffe cannot read the package.
    """
    started = time.perf_counter()
    if stdlib.is_stdlib(package):
        extraction = stdlib.read_stdlib(package)
    else:
        extraction = extract(package, load_package(package))
    chunks = chunk_entities(extraction.entities, extraction.aliases)
    return ReadLibrary(extraction, chunks, time.perf_counter() - started)


def read_ahead_enabled() -> bool:
    """Whether ingests read ahead (`$WORKBENCH_READ_AHEAD`, on unless it is 0/no/off)."""
    return os.environ.get(READ_AHEAD_ENV, "1").strip().lower() not in ("0", "no", "off", "false")


def _exit_with_parent(parent: int) -> None:
    """In the child: exit when the ingesting process is gone. A killed parent (SIGKILL,
    an OOM kill) closes nothing, and a pool worker waiting for work would live on."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class ReadAhead:
    """Reads `packages` in order in a child process, at most `ahead` libraries in flight.

    `take(package)` returns a package's `ReadLibrary` (waiting for it if needed) and queues
    the next one; a package it was not given, or any after the child died, is read in this
    process. Use as a context manager: leaving it stops the child.
    """

    def __init__(self, packages: list[InstalledPackage], ahead: int = 2) -> None:
        self._waiting = deque(packages)
        self._pending: dict[str, Future[ReadLibrary]] = {}
        self._ahead = max(1, ahead)
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
        self._fill()

    def _fill(self) -> None:
        while self._pool is not None and self._waiting and len(self._pending) < self._ahead:
            package = self._waiting.popleft()
            try:
                self._pending[package.name] = self._pool.submit(read_library, package)
            except (BrokenProcessPool, RuntimeError) as error:
                self._broken(error)

    def _broken(self, error: BaseException) -> None:
        log.warning("note: the reading process stopped (%s); reading in this process", error)
        self._waiting.clear()
        self.close()

    def take(self, package: InstalledPackage) -> ReadLibrary:
        """The package read (by the child if it was queued there, else here).

        Raises:
            LibraryLoadError: griffe cannot read the package.
        """
        future = self._pending.pop(package.name, None)
        self._fill()
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool as error:
                self._broken(error)
        return read_library(package)

    def close(self) -> None:
        """Stop the child at once; libraries still queued or being read are dropped.

        `shutdown(wait=False)` alone lets a read in progress (transformers: a minute) run
        on, and the interpreter's exit would wait for it: the child is terminated."""
        if self._pool is not None:
            processes = list((getattr(self._pool, "_processes", None) or {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            self._pool = None
        self._pending.clear()

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
