"""Read libraries (griffe, extraction, chunks) one library ahead, in a process of its own.

An ingest does three things per library: read it (griffe, pure Python: one core),
embed its chunks (onnxruntime on every core) and write it (DuckDB). Done one after the
other, a core idles whenever a library is being read (the first `make demo` got 1.1
CPUs of 2 on average, on a shared machine). `ReadAhead` reads the next library in a
child process while this one embeds and writes the current one, so reading overlaps
embedding.

The child is `python -m workbench.libraries.read_worker`, fed pickled packages on its
stdin and answering pickled reads on its stdout. It is not a `multiprocessing` child:
those (spawn and forkserver alike) import the caller's `__main__` again, so a user's
script without an `if __name__ == "__main__"` guard ran its own ingest in the child,
which then waited an hour for the file's write lock that its parent held. `fork` is no
way out (the parent holds onnxruntime and DuckDB threads). The child imports only the
ingest layer. If it dies (out of memory, killed), the libraries it had not delivered are
read here, as before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass

from workbench.config import child_process_env
from workbench.ingest import stdlib
from workbench.ingest.chunking import chunk_entities
from workbench.ingest.extract import Extraction, extract
from workbench.ingest.loader import load_package
from workbench.ingest.packages import InstalledPackage
from workbench.model import Chunk

log = logging.getLogger("workbench.ingest")

#: `$WORKBENCH_READ_AHEAD=0` reads every library in the ingesting process.
READ_AHEAD_ENV = "WORKBENCH_READ_AHEAD"


class ReaderStopped(RuntimeError):
    """The reading process ended before it answered (killed, out of memory, closed)."""


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


def exit_with_parent(parent: int) -> None:
    """In the child: exit when the ingesting process is gone. A killed parent (SIGKILL,
    an OOM kill) closes nothing, and a read in progress (transformers: a minute) would
    run on."""

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
        self._in_order: deque[Future[ReadLibrary]] = deque()
        self._ahead = max(1, ahead)
        command = [sys.executable, "-m", "workbench.libraries.read_worker", str(os.getpid())]
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=child_process_env()
        )
        # answers are taken off the pipe as they come, so the child reads on meanwhile
        self._receiver = threading.Thread(target=self._receive, name="read-ahead-receiver", daemon=True)
        self._receiver.start()
        self._fill()

    @property
    def child_pid(self) -> int | None:
        """The reading process's pid, while there is one."""
        return self._process.pid if self._process is not None else None

    def _receive(self) -> None:
        """Resolve the pending futures in the order the packages were sent."""
        process = self._process
        assert process is not None and process.stdout is not None
        while True:
            try:
                status, value = pickle.load(process.stdout)
            except Exception as error:  # EOF or a torn answer: the child is gone
                stopped = ReaderStopped(f"the reading process ended ({type(error).__name__})")
                while self._in_order:
                    self._in_order.popleft().set_exception(stopped)
                return
            future = self._in_order.popleft()
            if status == "ok":
                future.set_result(value)
            else:
                future.set_exception(value)

    def _fill(self) -> None:
        while self._process is not None and self._waiting and len(self._pending) < self._ahead:
            package = self._waiting.popleft()
            future: Future[ReadLibrary] = Future()
            self._in_order.append(future)
            self._pending[package.name] = future
            try:
                assert self._process.stdin is not None
                pickle.dump(package, self._process.stdin)
                self._process.stdin.flush()
            except (OSError, ValueError) as error:  # the child is gone: its pipe is closed
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
                return self._wait(future)
            except ReaderStopped as error:
                self._broken(error)
        return read_library(package)

    def _wait(self, future: Future[ReadLibrary]) -> ReadLibrary:
        """The future's read; a child that is gone (its answers' reader has stopped) never
        leaves this waiting."""
        while True:
            try:
                return future.result(timeout=1.0)
            except TimeoutError:
                if not self._receiver.is_alive() and not future.done():
                    raise ReaderStopped("the reading process ended") from None

    def close(self) -> None:
        """Stop the child at once; libraries still queued or being read are dropped (a
        read in progress, transformers: a minute, would otherwise run on)."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait(10)
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
        self._pending.clear()

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
