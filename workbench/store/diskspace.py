"""Full disks as one clear error: check room before writing, translate ENOSPC after."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from workbench.errors import DiskFullError, StoreError

MB = 1024 * 1024
#: How DuckDB words a failed write on a full disk (its errors carry no errno).
_DUCKDB_FULL = ("no space left on device", "disk is full", "not enough space")


def free_bytes(folder: Path) -> int:
    """Bytes free for this user in the file system that holds `folder`."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def disk_full(folder: Path, needed: int | None = None, free: int | None = None) -> DiskFullError:
    """The one-line message: what was needed, what is free, where; the index is unchanged."""
    free = free_bytes(folder) if free is None else free
    need = f"{_mb(needed)} MB needed, " if needed is not None else ""
    return DiskFullError(
        f"disk full: {need}{_mb(free)} MB free at {folder}; the index was left as it was: "
        "free some space (or `workbench compact`) and run it again"
    )


def check_free(folder: Path, needed: int, *, what: str) -> None:
    """Raise DiskFullError unless `needed` bytes are free under `folder`."""
    free = free_bytes(folder)
    if free < needed:
        raise disk_full(folder, needed, free)


def is_disk_full(error: BaseException) -> bool:
    """Whether an OSError or a DuckDB error says the disk is full."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(error).lower()
    return any(marker in text for marker in _DUCKDB_FULL)


def translate_os_error(error: OSError, where: Path, needed: int | None = None) -> StoreError:
    """A StoreError for an OSError met while writing at `where` (DiskFullError for ENOSPC)."""
    folder = where if where.is_dir() else where.parent
    if is_disk_full(error):
        return disk_full(folder, needed)
    reason = error.strerror or str(error)
    return StoreError(f"cannot write {where}: {reason}")


def _mb(size: int) -> str:
    return f"{size / MB:,.0f}" if size >= 10 * MB else f"{size / MB:.1f}"


def fsync_path(path: Path) -> None:
    """fsync a file or folder by path."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
