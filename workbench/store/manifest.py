"""The manifest of an exported file: what it holds, for whom, and a content checksum.

`workbench export` writes the manifest into the file's metadata table (key `manifest`,
JSON). Opening a file that carries one verifies its checksum the first time and caches
the verdict by (path, size, mtime) in a small JSON file in the user's cache folder, so
later opens cost one metadata read. The checksum is over the rows of the content tables
(`CONTENT_TABLES`), not the file's bytes: DuckDB lays the same rows out differently from
one write to the next, and the derived index tables are rebuilt anyway. It is the sum of
DuckDB's 64-bit `hash` of every row, per table, folded with SHA-256: ~2 s on a 0.9 GB
index, quick enough for `doctor`, `restore` and `import`, too slow for every open.

It guards against accidents (a truncated copy, an edited file), not against an attacker:
whoever can edit the rows can rewrite the manifest too.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from workbench.config import cache_location
from workbench.errors import StoreError

if TYPE_CHECKING:
    from workbench.store.database import Database

MANIFEST_KEY = "manifest"
FORMAT = "pyrag-workbench-export/1"
METHOD = "duckdb-row-hash-sum/1"
#: The tables a checksum covers: what a teammate's searches, `show` and graph read.
CONTENT_TABLES = ("libraries", "entities", "aliases", "chunks", "cards", "edges")


class IntegrityError(StoreError):
    """An exported file's rows no longer match the checksum its manifest recorded."""


@dataclass
class Manifest:
    """What an exported file holds (see the module docstring for the checksum)."""

    schema_version: int
    workbench_version: str
    duckdb_version: str
    embedding_model: str
    embedding_dim: int
    libraries: list[dict[str, Any]]
    counts: dict[str, int]
    created_at: str
    checksum: str
    left_out: list[str] = field(default_factory=list)
    format: str = FORMAT
    checksum_method: str = METHOD

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def workbench_version() -> str:
    """The installed pyrag-workbench version ("unknown" from a bare checkout)."""
    try:
        return metadata.version("pyrag-workbench")
    except metadata.PackageNotFoundError:
        return "unknown"


def content_checksum(db: Database) -> str:
    """SHA-256 over (table, rows, sum of row hashes) of each content table."""
    digest = hashlib.sha256(METHOD.encode())
    for table in CONTENT_TABLES:
        rows, total = db.execute(
            f"SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM {table} t"
        ).fetchone()
        digest.update(f"{table}:{rows}:{total};".encode())
    return digest.hexdigest()


def build_manifest(db: Database, left_out: list[str] | None = None) -> Manifest:
    """The manifest of `db` as it is now (its checksum computed here)."""
    libraries = [
        {"name": n, "version": v, "entities": e, "chunks": c}
        for n, v, e, c in db.execute(
            "SELECT name, version, entity_count, chunk_count FROM libraries ORDER BY name"
        ).fetchall()
    ]
    counts = {t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in CONTENT_TABLES}
    return Manifest(
        schema_version=db.schema_version(),
        workbench_version=workbench_version(),
        duckdb_version=duckdb.__version__,
        embedding_model=db.meta("embedding_model") or "",
        embedding_dim=int(db.meta("embedding_dim") or db.dimension),
        libraries=libraries,
        counts=counts,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        checksum=content_checksum(db),
        left_out=sorted(left_out or []),
    )


def write_manifest(db: Database, manifest: Manifest) -> None:
    """Record the manifest in the file's metadata (the file must be open read-write)."""
    db.set_meta(MANIFEST_KEY, manifest.to_json())


def read_manifest(db: Database) -> Manifest | None:
    """The file's manifest, or None when it was not made by `workbench export`.

    Raises:
        IntegrityError: the manifest is there but unreadable.
    """
    raw = db.meta(MANIFEST_KEY)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        known = {k: v for k, v in data.items() if k in Manifest.__dataclass_fields__}
        return Manifest(**known)
    except (ValueError, TypeError) as error:
        raise IntegrityError(
            f"{db.path}: its export manifest is unreadable ({error}): re-export it"
        ) from None


def verify(db: Database, manifest: Manifest) -> None:
    """Recompute the checksum and compare.

    Raises:
        IntegrityError: the rows changed since the export (one line, with the fix).
    """
    if manifest.checksum_method != METHOD:
        raise IntegrityError(
            f"{db.path}: checksum method {manifest.checksum_method} is unknown here: "
            "upgrade pyrag-workbench or re-export the file"
        )
    if content_checksum(db) != manifest.checksum:
        engine = (
            f" (written by DuckDB {manifest.duckdb_version}, read by {duckdb.__version__})"
            if manifest.duckdb_version != duckdb.__version__
            else ""
        )
        raise IntegrityError(
            f"{db.path} fails its checksum: its rows changed since `workbench export` on "
            f"{manifest.created_at}{engine}; ask for a new export (or re-export it)"
        )


def check_opened(db: Database) -> None:
    """The validation step every open runs after the schema and model checks.

    A file with a manifest is verified unless the cache says this path, size and mtime
    passed before. Opened read-write, the file stops being an export: the manifest is
    dropped after the check (its rows are about to change); `workbench migrate` on an
    export of an older schema drops it unchecked (the migrations changed the rows).

    Raises:
        IntegrityError: the checksum fails or the manifest is unreadable.
    """
    manifest = read_manifest(db)
    if manifest is None:
        return
    # an export of an older schema that this writable open just migrated: the migrations
    # rewrote its rows, so the checksum cannot hold (and the manifest goes below)
    migrated = not db.read_only and manifest.schema_version < db.schema_version()
    if not migrated and not _cached_ok(db.path, manifest.checksum):
        verify(db, manifest)
        remember_verified(db.path, manifest.checksum)
    if not db.read_only:
        with db.transaction() as conn:
            conn.execute("DELETE FROM workbench_meta WHERE key = ?", [MANIFEST_KEY])


# -- the cache of verified files -------------------------------------------------------


def cache_path() -> Path:
    """`$WORKBENCH_VERIFIED_CACHE`, else `$WORKBENCH_HOME/verified-files.json`, else
    `pyrag-workbench/verified-files.json` in the user cache folder."""
    return cache_location("verified-files.json", "WORKBENCH_VERIFIED_CACHE")


def _stamp(path: Path, checksum: str) -> list[Any]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, checksum]


def _read_cache() -> dict[str, Any]:
    with suppress(OSError, ValueError):
        data = json.loads(cache_path().read_text())
        if isinstance(data, dict):
            return data
    return {}


def _cached_ok(path: Path, checksum: str) -> bool:
    return _read_cache().get(str(path.resolve())) == _stamp(path, checksum)


def remember_verified(path: Path, checksum: str) -> None:
    """Best effort: an unwritable cache (a read-only home) only means verifying again."""
    data = _read_cache()
    data[str(path.resolve())] = _stamp(path, checksum)
    if len(data) > 200:  # keep the newest entries, in insertion order
        data = dict(list(data.items())[-200:])
    target = cache_path()
    with suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        scratch.write_text(json.dumps(data))
        os.replace(scratch, target)
