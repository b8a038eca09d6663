"""The small SQLite file beside the index that holds what faces write: feedback,
suggestions and saved settings.

DuckDB lets one process write a file, or many read it, never both; every face opens the
index read-only, so the writes a face makes go here instead. SQLite in WAL mode with a busy
timeout lets many processes write at once (each waits its turn). The file is created on
the first write only: reading a missing one gives nothing and creates nothing, so a
read-only folder or a teammate's copy of the index still works.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import StoreError

#: `PRAGMA application_id` of a state file ("WBst"): a foreign SQLite file is refused.
APPLICATION_ID = 0x57427374
#: `PRAGMA user_version`: the layout of the tables below.
STATE_VERSION = 1
#: Seconds a write waits for other writers before giving up.
BUSY_TIMEOUT_S = 10.0
SUFFIX = ".state.sqlite"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS feedback (query TEXT NOT NULL, path TEXT NOT NULL, "
    "verdict TEXT NOT NULL, given_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS suggestions (name TEXT PRIMARY KEY, count INTEGER NOT NULL, "
    "reasons TEXT NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, saved_at TEXT NOT NULL)",
)
TABLES = frozenset({"feedback", "suggestions", "settings"})
FIX = "set WORKBENCH_STATE to a writable file"


def state_path(index: str | Path) -> Path:
    """Where the state of an index lives: `$WORKBENCH_STATE`, else `X.duckdb.state.sqlite`
    beside `X.duckdb`."""
    if env := os.environ.get("WORKBENCH_STATE"):
        return Path(env)
    index = Path(index)
    return index.with_name(index.name + SUFFIX)


def _now() -> str:
    """UTC, as DuckDB prints a TIMESTAMP (the legacy rows sort with these)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


class StateFile:
    """The state file of one index. Each call opens its own short connection, so one
    object is safe to share between threads, and many processes may write at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        """Whether anything was ever written (reads of a missing file give nothing)."""
        return self.path.is_file()

    # -- feedback --------------------------------------------------------------------

    def add_feedback(self, query: str, path: str, verdict: str) -> None:
        """Store one judgement of a result for a query."""
        with self._writing("save feedback") as conn:
            conn.execute("INSERT INTO feedback VALUES (?, ?, ?, ?)", (query, path, verdict, _now()))

    def feedback(self) -> list[tuple[str, str, str, str]]:
        """(query, path, verdict, given_at), oldest first."""
        rows = self._read("SELECT query, path, verdict, given_at FROM feedback ORDER BY given_at, rowid")
        return [tuple(r) for r in rows]

    # -- suggestions -----------------------------------------------------------------

    def suggest(self, name: str, reason: str) -> int:
        """Count a suggestion up (reasons kept once each); returns this file's count."""
        with self._writing("save the suggestion") as conn:
            row = conn.execute("SELECT count, reasons FROM suggestions WHERE name = ?", (name,)).fetchone()
            now = _now()
            if row is None:
                conn.execute(
                    "INSERT INTO suggestions VALUES (?, 1, ?, ?, ?)",
                    (name, json.dumps([reason] if reason else []), now, now),
                )
                return 1
            reasons = self._reasons(row[1])
            if reason and reason not in reasons:
                reasons.append(reason)
            conn.execute(
                "UPDATE suggestions SET count = count + 1, reasons = ?, last_at = ? WHERE name = ?",
                (json.dumps(reasons), now, name),
            )
            return int(row[0]) + 1

    def suggestions(self) -> list[tuple[str, int, list[str]]]:
        """(name, count, reasons), most asked for first."""
        rows = self._read("SELECT name, count, reasons FROM suggestions ORDER BY count DESC, name")
        return [(n, int(c), self._reasons(r)) for n, c, r in rows]

    def _reasons(self, text: str) -> list[str]:
        try:
            reasons = json.loads(text)
        except (TypeError, ValueError):
            reasons = None
        if not isinstance(reasons, list):
            raise StoreError(f"{self.path}: a suggestion's reasons are not a JSON list; {FIX} or fix the row")
        return [str(r) for r in reasons]

    # -- settings --------------------------------------------------------------------

    def save_setting(self, key: str, value: Any) -> None:
        """Store a JSON value under a key (replacing what was there)."""
        with self._writing(f"save the {key} settings") as conn:
            conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?, ?)", (key, json.dumps(value), _now()))

    def setting(self, key: str) -> Any | None:
        """The JSON value saved under a key, or None."""
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            return json.loads(rows[0][0])
        except (TypeError, ValueError):
            raise StoreError(
                f"{self.path}: the saved {key} settings are not JSON; run `workbench settings reset`"
            ) from None

    def delete_setting(self, key: str) -> None:
        """Forget the value under a key (nothing is created if the file is missing)."""
        if self.exists():
            with self._writing(f"reset the {key} settings") as conn:
                conn.execute("DELETE FROM settings WHERE key = ?", (key,))

    # -- connections -----------------------------------------------------------------

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a query, or none when the file does not exist. Opened read-only, so a
        read never creates the file; a copy in a read-only folder is opened immutable."""
        if not self.exists():
            return []
        try:
            try:
                return self._read_with(sql, params, "ro")
            except sqlite3.OperationalError as error:
                # WAL mode needs a -shm file beside the file, which a read-only folder cannot
                # hold: no one can write there, so the file is read as immutable
                try:
                    return self._read_with(sql, params, "ro&immutable=1")
                except sqlite3.Error:
                    raise error from None
        except sqlite3.Error as error:
            raise StoreError(
                f"cannot read the state file {self.path}: {_reason(error)}; move it away or {FIX}"
            ) from error

    def _read_with(self, sql: str, params: tuple[Any, ...], mode: str) -> list[tuple[Any, ...]]:
        with closing(self._connect(mode)) as conn:
            if not self._check(conn, writing=False):
                return []
            return conn.execute(sql, params).fetchall()

    @contextmanager
    def _writing(self, what: str) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so that concurrent
        writers queue on the busy timeout instead of failing on a lock upgrade."""
        folder = self.path.parent
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"cannot {what}: {folder} is a file, not a folder; {FIX}")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot {what}: cannot create folder {folder} ({error.strerror}); {FIX}"
            ) from error
        try:
            conn = self._connect("rwc")
        except sqlite3.Error as error:
            raise self._unwritable(what, error) from error
        with closing(conn):
            try:
                conn.execute("BEGIN IMMEDIATE")
                self._check(conn, writing=True)
            except sqlite3.Error as error:
                raise self._unwritable(what, error) from error
            except StoreError as error:
                raise StoreError(f"cannot {what}: {error}") from None
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                conn.rollback()
                raise self._unwritable(what, error) from error
            except BaseException:
                conn.rollback()
                raise
            # WAL lets readers go on while one process writes; switched on after the first
            # commit (the file is known to be ours by then); a busy switch is retried next time
            with suppress(sqlite3.Error):
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")

    def _connect(self, mode: str) -> sqlite3.Connection:
        """A connection in autocommit mode (transactions are explicit) that waits for locks."""
        uri = f"{self.path.resolve().as_uri()}?mode={mode}"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        # in WAL mode NORMAL cannot corrupt the file; a power cut may lose the last writes
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _check(self, conn: sqlite3.Connection, *, writing: bool) -> bool:
        """Refuse a SQLite file that is not a state file, or one of a newer layout; give a
        new (empty) file its tables when writing. Returns whether the tables exist."""
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app == 0 and not tables:
            if not writing:
                return False  # created a moment ago by a writer that has not committed yet
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {STATE_VERSION}")
            return True
        if app != APPLICATION_ID or not tables >= TABLES:
            raise StoreError(
                f"{self.path} is not a workbench state file (a SQLite file of something else); "
                f"move it away or {FIX}"
            )
        if version > STATE_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer workbench (state version {version}, this one "
                f"reads {STATE_VERSION}): upgrade pyrag-workbench or {FIX}"
            )
        return True

    def _unwritable(self, what: str, error: sqlite3.Error) -> StoreError:
        folder = self.path.parent
        message = str(error).lower()
        if "not a database" in message or "malformed" in message:
            return StoreError(
                f"cannot {what}: {self.path} is not a valid state file ({error}); move it away or {FIX}"
            )
        if "locked" in message or "busy" in message:
            return StoreError(
                f"cannot {what}: {self.path} stayed locked by other writers for "
                f"{BUSY_TIMEOUT_S:.0f} s; try again"
            )
        if "full" in message:
            return StoreError(f"cannot {what}: the disk holding {self.path} is full; free space or {FIX}")
        if "readonly" in message or not os.access(folder, os.W_OK):
            where = self.path if self.path.exists() else folder
            return StoreError(f"cannot {what}: {where} is read-only; {FIX}")
        return StoreError(f"cannot {what}: {self.path}: {_reason(error)}; {FIX}")


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
