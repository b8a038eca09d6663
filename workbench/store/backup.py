"""Timestamped, rotated byte copies of a workbench file, and restoring one safely.

A backup is the file's bytes, copied while this process holds the file open read-only:
DuckDB then lets no other process write it, so the copy is one consistent state. Beside
each copy go its SHA-256 (`X.duckdb.sha256`, checked by restore) and a copy of the state
file (feedback, saved settings), taken with SQLite's backup API. Every file is written to
a temporary name in the target folder and moved into place with `os.replace`, so a crash
leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workbench.errors import StoreError
from workbench.store.database import Database
from workbench.store.manifest import IntegrityError, read_manifest, verify
from workbench.store.state import SUFFIX as STATE_SUFFIX
from workbench.store.swap import WriteLock, wal_path

HASH_SUFFIX = ".sha256"
_STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class BackupResult:
    """One backup written, and the older ones rotation removed."""

    path: Path
    size: int
    removed: list[Path]


def _sidecars(path: Path) -> list[Path]:
    return [wal_path(path), Path(f"{path}{HASH_SUFFIX}"), Path(f"{path}{STATE_SUFFIX}")]


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 4 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(4 << 20):
            digest.update(block)
    return digest.hexdigest()


def _copy_into(source: Path, target: Path) -> None:
    """Copy to a temporary name beside `target`, then move it into place."""
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, scratch)
        os.replace(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)


def _copy_state(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite state file (other processes may be writing it)."""
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with (
            closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(scratch)) as dst,
        ):
            src.backup(dst)
        os.replace(scratch, target)
    except sqlite3.Error as error:
        raise StoreError(f"cannot copy the state file {source}: {error}") from None
    finally:
        scratch.unlink(missing_ok=True)


def backups(folder: Path, stem: str) -> list[Path]:
    """The backups of files named `stem` in `folder`, oldest first."""
    pattern = re.compile(rf"{re.escape(stem)}-\d{{8}}T\d{{12}}Z\.duckdb")
    return sorted(p for p in folder.glob(f"{stem}-*.duckdb") if pattern.fullmatch(p.name))


def backup(db: Database, folder: Path, keep: int, state: Path | None = None) -> BackupResult:
    """Copy the open file `db` into `folder` as `STEM-YYYYmmddTHHMMSSffffffZ.duckdb` and
    keep the newest `keep` backups of it there.

    Raises:
        StoreError: the folder cannot be written (nothing is left half-written).
    """
    if keep < 1:
        raise StoreError("--keep must be at least 1")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stem = db.path.name.removesuffix(".duckdb")
        target = folder / f"{stem}-{datetime.now(UTC).strftime(_STAMP)}.duckdb"
        wal = wal_path(db.path)
        if wal.exists():  # committed changes not yet folded into the file
            _copy_into(wal, wal_path(target))
        _copy_into(db.path, target)
        Path(f"{target}{HASH_SUFFIX}").write_text(f"{sha256_file(target)}  {target.name}\n")
        if state is not None and state.is_file():
            _copy_state(state, Path(f"{target}{STATE_SUFFIX}"))
    except OSError as error:
        raise StoreError(f"cannot back up into {folder}: {error.strerror or error}") from None
    removed = []
    for old in backups(folder, stem)[:-keep]:
        for path in (old, *_sidecars(old)):
            path.unlink(missing_ok=True)
        removed.append(old)
    return BackupResult(target, target.stat().st_size, removed)


def check_backup(path: Path, model_name: str, dimension: int) -> None:
    """Everything restore checks before touching the current file: the recorded SHA-256,
    then an open as every face opens (DuckDB file, workbench schema, model), and an
    exported file's content checksum.

    Raises:
        StoreError: one line saying what is wrong with the file.
    """
    if not path.is_file():
        raise StoreError(f"no file {path} to restore")
    recorded = Path(f"{path}{HASH_SUFFIX}")
    if recorded.is_file():
        wanted = recorded.read_text().split()[0] if recorded.read_text().strip() else ""
        if sha256_file(path) != wanted:
            raise IntegrityError(
                f"{path} does not match its SHA-256 ({recorded.name}): the copy is damaged; "
                "restore another backup"
            )
    with Database(path, read_only=True, model_name=model_name, dimension=dimension) as db:
        manifest = read_manifest(db)
        if manifest is not None:
            verify(db, manifest)


def restore(
    source: Path, current: Path, model_name: str, dimension: int, state: Path | None = None
) -> Path | None:
    """Put the backup `source` in place of `current` once `check_backup` passes; a
    refused file leaves `current` as it was. The replaced file stays reachable as
    `CURRENT.pre-restore` (a hard link: no extra space) where the file system allows.
    With `state`, the backup's copy of the state file (if any) replaces that one.

    Returns:
        The `.pre-restore` path kept, or None.

    Raises:
        StoreError: the backup is bad, or a writer held the index longer than
            `$WORKBENCH_WRITE_WAIT` (IndexBusyError, naming its pid).
    """
    check_backup(source, model_name, dimension)
    current.parent.mkdir(parents=True, exist_ok=True)
    # the writers' lock: no ingest or update is between its copy and its swap meanwhile;
    # readers keep the file they opened and reopen the restored one (as after a writer)
    with WriteLock(current):
        kept: Path | None = current.with_name(current.name + ".pre-restore")
        if current.exists():
            kept.unlink(missing_ok=True)
            try:
                os.link(current, kept)
            except OSError:
                kept = None
        else:
            kept = None
        wal = wal_path(current)
        if wal_path(source).exists():
            _copy_into(wal_path(source), wal)
        else:
            wal.unlink(missing_ok=True)
        _copy_into(source, current)
    saved_state = Path(f"{source}{STATE_SUFFIX}")
    if state is not None and saved_state.is_file():
        with suppress(StoreError):  # the index is back; feedback and settings are extras
            _copy_state(saved_state, state)
    return kept
