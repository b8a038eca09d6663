"""Rows about libraries rather than their APIs: version history, opt-outs, and the
suggestions and relevance feedback older workbenches wrote here (migration 4; new ones go
to the state file, `workbench.store.state`, and these are only read)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workbench.store.database import Database


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def add_version(db: Database, row: dict[str, Any]) -> None:
    """Append one ingest or update outcome to the history."""
    keys = (
        "library", "version", "license", "status", "entities", "added", "changed",
        "removed", "unchanged", "embedded", "duration_s", "message", "origin",
    )  # fmt: skip
    with db.transaction() as conn:
        marks = ", ".join("?" * len(keys))
        conn.execute(
            f"INSERT INTO library_versions (ingested_at, {', '.join(keys)}) VALUES (?, {marks})",
            [_now(), *(row.get(k) for k in keys)],
        )


def versions(db: Database, library: str | None = None) -> list[dict[str, Any]]:
    """History rows, newest first."""
    where, params = ("WHERE library = ?", [library]) if library else ("", [])
    cursor = db.execute(
        "SELECT library, version, license, CAST(ingested_at AS VARCHAR), status, entities, added, changed, "
        f"removed, unchanged, embedded, duration_s, message, origin FROM library_versions {where} "
        "ORDER BY ingested_at DESC",
        params,
    )
    names = [d[0] for d in cursor.description]
    names[3] = "ingested_at"
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def content_hashes(db: Database, library: str) -> dict[str, str]:
    """Definition path -> content hash of a library's stored entities."""
    rows = db.execute("SELECT path, content_hash FROM entities WHERE library = ?", [library]).fetchall()
    return dict(rows)


def indexed_modules(db: Database, library: str) -> list[tuple[str, str]]:
    """(module path, file relative to site-packages) of a library's stored modules."""
    rows = db.execute(
        "SELECT path, filepath FROM entities WHERE library = ? AND kind = 'module' ORDER BY path", [library]
    ).fetchall()
    return [(p, f or "") for p, f in rows]


def opted_out(db: Database) -> dict[str, str]:
    """Library -> reason, for every opted-out library."""
    return dict(db.execute("SELECT library, reason FROM opt_outs ORDER BY library").fetchall())


def set_opt_out(db: Database, library: str, reason: str | None) -> None:
    """Opt a library out (with a reason) or, with `reason=None`, back in."""
    with db.transaction() as conn:
        conn.execute("DELETE FROM opt_outs WHERE library = ?", [library])
        if reason is not None:
            conn.execute("INSERT INTO opt_outs VALUES (?, ?, ?)", [library, reason, _now()])


def suggestions(db: Database) -> list[tuple[str, int, list[str]]]:
    """(name, count, reasons) written by older workbenches, most asked for first."""
    rows = db.execute("SELECT name, count, reasons FROM suggestions ORDER BY count DESC, name").fetchall()
    return [(n, int(c), list(r or [])) for n, c, r in rows]


def feedback(db: Database) -> list[tuple[str, str, str, str]]:
    """(query, path, verdict, given_at) written by older workbenches, oldest first."""
    rows = db.execute(
        "SELECT query, path, verdict, CAST(given_at AS VARCHAR) FROM feedback ORDER BY given_at, query, path"
    ).fetchall()
    return [tuple(r) for r in rows]


def documented_callables(db: Database, library: str) -> list[tuple[str, int, int]]:
    """(file, first line, last line) of a library's public documented functions and methods."""
    rows = db.execute(
        "SELECT filepath, lineno, endlineno FROM entities WHERE library = ? "
        "AND kind IN ('function', 'method') AND is_public AND docstring <> '' AND filepath <> '' "
        "AND lineno IS NOT NULL ORDER BY path",
        [library],
    ).fetchall()
    return [(f, int(a), int(b or a)) for f, a, b in rows]
