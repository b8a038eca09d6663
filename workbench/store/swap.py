"""Copy-on-write for the index: a writer changes a private copy and swaps it in whole.

DuckDB lets one process write a file and then refuses every reader, so an ingest or an
update used to lock out every search, TUI, notebook and server for its whole length
(30 minutes for the default set). Here a writer instead:

1. takes an exclusive advisory lock (`fcntl.flock`) on `X.duckdb.write.lock`, so a second
   writer waits for the first instead of racing it (each write starts from the last one);
2. checks that the disk can hold a copy (else `DiskFullError`, nothing touched);
3. copies `X.duckdb` (and a WAL an older workbench may have left) to
   `X.duckdb.work-PID` in the same folder: a plain file copy, readers never write;
4. lets DuckDB write the copy (`Database` attaches it instead of `X.duckdb`);
5. on `publish`: fsyncs the copy, `os.replace`s it over `X.duckdb` and fsyncs the folder.

Readers that have the old file open keep a consistent view of it (its inode lives until
they close it); readers that open later see the new one; `changed_since` lets long-lived
readers notice a swap and reopen. A crash (SIGKILL, power loss, full disk) before the
rename leaves `X.duckdb` exactly as it was: the copy is a leftover that the next writer
deletes. Readers are refused only for the rename itself, which is atomic.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import IndexBusyError, StoreError
from workbench.store.diskspace import check_free, fsync_path, translate_os_error

#: How long a writer waits for another writer's lock before giving up (seconds).
WAIT_ENV = "WORKBENCH_WRITE_WAIT"
DEFAULT_WAIT_S = 3600.0
WORK_INFIX = ".work-"
#: Room asked for beyond the copy itself: what the write adds, roughly.
HEADROOM = 32 * 1024 * 1024


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".write.lock")


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


@dataclass(frozen=True)
class FileStamp:
    """What identifies one version of the index file: a swap changes the inode."""

    inode: int
    mtime_ns: int
    size: int


def stamp(path: Path) -> FileStamp | None:
    """The file's current stamp, or None when it is missing or unreadable."""
    try:
        st = path.stat()
    except OSError:
        return None
    return FileStamp(st.st_ino, st.st_mtime_ns, st.st_size)


def changed_since(path: Path, seen: FileStamp | None) -> bool:
    """True when `path` is no longer the file a reader opened (a writer swapped it)."""
    now = stamp(path)
    return now is not None and seen is not None and now.inode != seen.inode


class WriteLock:
    """The exclusive advisory lock every change of the index takes (`X.duckdb.write.lock`):
    a second holder waits for the first (`$WORKBENCH_WRITE_WAIT` seconds, then
    IndexBusyError naming the holder's pid, which the lock file records)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_fd: int | None = None

    def __enter__(self) -> WriteLock:
        self._acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release()

    def _acquire(self) -> None:
        lock = lock_path(self.path)
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            raise translate_os_error(error, lock) from error
        wait = float(os.environ.get(WAIT_ENV, DEFAULT_WAIT_S))
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if time.monotonic() >= deadline:
                    os.close(fd)
                    who = f"another process (pid {holder})" if holder else "another process"
                    raise IndexBusyError(
                        f"{self.path}: {who} is changing this file (an ingest, update, add, "
                        f"opt-out or restore); waited {wait:.0f} s: try again when it is done",
                        holder,
                    ) from None
                if not told:
                    who = f"pid {holder}" if holder else "another process"
                    print(f"waiting for {who} to finish changing {self.path.name}...", file=sys.stderr)
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_fd = fd

    def _release(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock_fd, 0)
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                os.close(self._lock_fd)
            self._lock_fd = None


class WriteSession(WriteLock):
    """The write lock and the private copy of one writer; see the module docstring."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.work = path.with_name(f"{path.name}{WORK_INFIX}{os.getpid()}")
        if path.exists() and not os.access(path, os.W_OK):  # as DuckDB refused it in place
            raise StoreError(f"{path} is read-only here (no write permission): copy it to change it")
        self._acquire()
        try:
            self._clean_leftovers()
            self._copy()
        except BaseException:
            self.discard()
            raise

    # -- the copy ----------------------------------------------------------------

    def _clean_leftovers(self) -> None:
        """Delete the copies of writers that were killed (we hold the lock: none runs)."""
        for pattern in (f"{self.path.name}{WORK_INFIX}*", f"{self.path.name}.snapshot-*"):
            for leftover in self.path.parent.glob(pattern):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def _copy(self) -> None:
        sources = [(self.path, self.work), (wal_path(self.path), wal_path(self.work))]
        present = [(s, d) for s, d in sources if s.exists()]
        needed = sum(s.stat().st_size for s, _ in present) + HEADROOM
        check_free(self.path.parent, needed, what="a private copy of the index to write")
        try:
            for source, destination in present:
                shutil.copyfile(source, destination)
        except OSError as error:
            raise translate_os_error(error, self.path.parent, needed) from error

    def snapshot(self) -> None:
        """Make a copy of the work file (checkpointed by the caller, nothing writing it)
        the index, and go on writing the work file: a long writer's finished part
        reaches readers, and survives a kill of the rest. Still under the lock."""
        if not self.work.exists():
            return
        if wal_path(self.work).exists():
            raise StoreError(f"{self.work} was not checkpointed")
        scratch = self.path.with_name(f"{self.path.name}.snapshot-{os.getpid()}")
        needed = self.work.stat().st_size
        check_free(self.path.parent, needed, what="a snapshot of the index")
        try:
            shutil.copyfile(self.work, scratch)
            self._swap_in(scratch)
        except OSError as error:
            raise translate_os_error(error, self.path.parent, needed) from error
        finally:
            with contextlib.suppress(OSError):
                scratch.unlink()

    def _swap_in(self, source: Path) -> None:
        """`source` (a finished file beside the index) becomes the index: it takes the
        index's permissions, is fsynced and renamed over it (atomic), then the folder is
        fsynced. A WAL of an older writer, copied and folded in, must not replay again."""
        if self.path.exists():
            shutil.copymode(self.path, source)
        fsync_path(source)
        os.replace(source, self.path)
        wal_path(self.path).unlink(missing_ok=True)
        fsync_path(self.path.parent)

    def publish(self, source: Path | None = None) -> None:
        """Make the copy (or `source`, another finished file beside it: a compacted one)
        the index: fsync, atomic rename, fsync the folder; release the lock."""
        source = source or self.work
        try:
            if not source.exists():  # nothing was written (a writer that only read)
                return
            if wal_path(source).exists():  # DuckDB left changes unfolded: keep the old file
                raise OSError(f"{source} was not checkpointed")
            try:
                self._swap_in(source)
            except OSError as error:
                raise translate_os_error(error, self.path.parent) from error
        finally:
            self.discard()

    def discard(self) -> None:
        """Drop the copy (if it is still there) and release the lock."""
        for leftover in (self.work, wal_path(self.work)):
            with contextlib.suppress(OSError):
                leftover.unlink()
        self._release()


def _holder(fd: int) -> int | None:
    """The pid the lock holder wrote into the lock file, if any."""
    try:
        text = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
