"""Open a workbench DuckDB file safely: checks, extensions, migrations, metadata."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb

from workbench.errors import IndexBusyError, ModelMismatchError, StoreError
from workbench.store import migrations
from workbench.store.diskspace import disk_full, is_disk_full
from workbench.store.extensions import load_extensions
from workbench.store.guard import DAMAGE, translate
from workbench.store.migrations import APP_ID, MigrationContext
from workbench.store.swap import WriteSession

DUCKDB_MAGIC = b"DUCK"
#: Tables rebuilt from the others (by `writer.rebuild_indexes`), never copied.
DERIVED_TABLES = frozenset({"bm25_postings", "graph_edges", "graph_nodes"})
ALIAS = "wb"


#: DuckDB's refusal when another process holds the file's lock (not any text with "lock":
#: "block" appears in corruption messages).
_LOCK_CONFLICT = re.compile(r"Could not set lock on file|Conflicting lock is held", re.IGNORECASE)
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")


def _looks_like_duckdb(path: Path) -> bool:
    """DuckDB files carry the magic bytes `DUCK` at offset 8 of their first block."""
    with path.open("rb") as fh:
        head = fh.read(16)
    return len(head) >= 12 and head[8:12] == DUCKDB_MAGIC


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class Database:
    """One open workbench file: a DuckDB connection with vss and fts loaded.

    Open read-only for queries (many processes may do so at once) or read-write for
    ingest (one process at a time: DuckDB locks the file).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = True,
        model_name: str | None = None,
        dimension: int = 384,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.dimension = dimension
        self._lock = threading.RLock()
        self._cursors = threading.local()  # one cursor per thread for `rows`
        self._check_file()
        # a writer works on a private copy swapped in at close: readers are never refused
        self._session = None if read_only else WriteSession(self.path)
        self._failed = False
        self._changed = False  # a writer that committed nothing swaps nothing in
        try:
            self.conn = self._connect()
        except BaseException:
            self._discard()
            raise
        try:
            self._check_schema()
            if model_name is not None:
                self._check_model(model_name, dimension)
            self._validate()
        except BaseException:
            self.conn.close()
            self._discard()
            raise

    # -- opening -------------------------------------------------------------------

    def _check_file(self) -> None:
        try:
            self._check_path()
        except OSError as error:  # unreadable file or folder: one line, not a traceback
            raise StoreError(f"cannot open {self.path}: {error.strerror or error}") from error

    def _check_path(self) -> None:
        if not self.path.exists():
            if self.read_only:
                raise StoreError(f"no workbench index at {self.path}: run `workbench ingest` first")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a directory, not a DuckDB file")
        if not _looks_like_duckdb(self.path):
            raise StoreError(f"{self.path} is not a DuckDB file")

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # The extensions load from the pip packages installed beside workbench itself, by
        # path and nothing else (autoload off): checking their signatures (44 MB hashed,
        # 0.3 s of each cold command) guards nothing that write access to this environment
        # would not already give.
        conn = duckdb.connect(
            ":memory:",
            config={
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "allow_unsigned_extensions": True,
            },
        )
        try:
            load_extensions(conn)
            mode = " (READ_ONLY)" if self.read_only else ""
            target = self._session.work if self._session else self.path
            escaped = str(target).replace("'", "''")
            conn.execute(f"ATTACH '{escaped}' AS {ALIAS}{mode}")
            conn.execute(f"USE {ALIAS}")
        except duckdb.IOException as error:
            conn.close()
            message = _first_line(error)
            if _LOCK_CONFLICT.search(message):
                raise self._busy(str(error)) from error
            raise StoreError(f"cannot open {self.path}: {message}") from error
        except duckdb.Error as error:
            conn.close()
            raise StoreError(f"cannot open {self.path}: {_first_line(error)}") from error
        return conn

    def _busy(self, message: str) -> IndexBusyError:
        """Say who holds the lock and what to do, from DuckDB's "Conflicting lock is held in
        EXE (PID N)". A reader is refused only by a writer; a writer by anyone (DuckDB adds
        "you would be able to open this database in read-only mode" when the holder reads)."""
        holder = _LOCK_HOLDER.search(message)
        pid = int(holder["pid"]) if holder else None
        exe = holder["exe"].strip() if holder else ""
        who = f"another process (pid {pid}, {exe})" if holder else "another process"
        if self.read_only:
            text = (
                f"{self.path}: {who} is writing to this file, and DuckDB lets no one else open it "
                "meanwhile; wait for it to finish (`workbench feedback` and `workbench suggest` "
                "still work: they write the state file beside it)"
            )
        else:
            # DuckDB adds that read-only would work when the holder only reads
            how = " (to read)" if "read-only mode" in message else " (to write)"
            text = (
                f"{self.path}: {who} has this file open{how}; close it or wait: library changes need it alone"
            )
        return IndexBusyError(text, pid, exe)

    def _tables(self, conn: duckdb.DuckDBPyConnection | None = None) -> set[str]:
        rows = (
            (conn or self.conn)
            .execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [ALIAS])
            .fetchall()
        )
        return {r[0] for r in rows}

    def has_tables(self, *names: str) -> bool:
        """Whether the file holds every one of these tables (the graph's are missing when
        a writer was killed while building them)."""
        return set(names) <= self._tables(self.cursor())

    def _check_schema(self) -> None:
        tables = self._tables()
        if "workbench_meta" not in tables:
            if tables:
                names = ", ".join(sorted(tables)[:5])
                raise StoreError(
                    f"{self.path} is a DuckDB file but not a workbench index (tables: {names}): "
                    "open one made by `workbench ingest` or `workbench export`"
                )
            if self.read_only:
                raise StoreError(f"{self.path} holds no workbench index yet: run `workbench ingest`")
            self._migrate(0)
            return
        if self.meta("app") != APP_ID:
            raise StoreError(f"{self.path} is a DuckDB file but not a workbench index")
        version = self.schema_version()
        current = migrations.SCHEMA_VERSION
        if version > current:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this workbench "
                f"understands ({current}): upgrade pyrag-workbench"
            )
        if version < current:
            if self.read_only:
                raise StoreError(
                    f"{self.path} has schema version {version} (current {current}): "
                    "run `workbench migrate` to upgrade it"
                )
            self._migrate(version)

    def _migrate(self, current: int) -> None:
        ctx = MigrationContext(dimension=self.dimension)
        with self.transaction() as conn:
            if current == 0:
                conn.execute("CREATE TABLE workbench_meta (key VARCHAR NOT NULL, value VARCHAR)")
                conn.execute(
                    "CREATE TABLE schema_migrations (version INTEGER, name VARCHAR, applied_at TIMESTAMP)"
                )
                self._set_meta(conn, "app", APP_ID)
            for version, name, migrate in migrations.MIGRATIONS:
                if version > current:
                    migrate(conn, ctx)
                    conn.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
            self._set_meta(conn, "schema_version", str(migrations.SCHEMA_VERSION))

    def _check_model(self, model_name: str, dimension: int) -> None:
        recorded = self.meta("embedding_model")
        if recorded is None:
            return
        recorded_dim = int(self.meta("embedding_dim") or 0)
        if recorded != model_name or recorded_dim != dimension:
            raise ModelMismatchError(
                f"{self.path} was embedded with {recorded} ({recorded_dim} dims) but the "
                f"configured model is {model_name} ({dimension} dims): set WORKBENCH_MODEL "
                "to the original model or build a new file"
            )

    def _validate(self) -> None:
        """Checks beyond schema and model: an exported file's checksum (store/manifest.py)."""
        from workbench.store.manifest import check_opened

        check_opened(self)

    # -- metadata ------------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version the file is at."""
        return int(self.meta("schema_version") or 0)

    def applied_migrations(self) -> list[tuple[int, str]]:
        """(version, name) of every migration applied to the file, in order."""
        rows = self.execute("SELECT version, name FROM schema_migrations ORDER BY version")
        return [(int(v), n) for v, n in rows.fetchall()]

    def meta(self, key: str) -> str | None:
        """A value of the file's metadata table, or None."""
        row = self.execute("SELECT value FROM workbench_meta WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    @staticmethod
    def _set_meta(conn: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
        conn.execute("DELETE FROM workbench_meta WHERE key = ?", [key])
        conn.execute("INSERT INTO workbench_meta VALUES (?, ?)", [key, value])

    def set_meta(self, key: str, value: str, conn: duckdb.DuckDBPyConnection | None = None) -> None:
        """Set a metadata value, inside the caller's transaction when `conn` is given."""
        if conn is not None:
            self._set_meta(conn, key, value)
            return
        with self.transaction() as tx:
            self._set_meta(tx, key, value)

    # -- running SQL -----------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own on the file (cursors are safe to use across threads)."""
        cursor = self.conn.cursor()
        cursor.execute(f"USE {ALIAS}")
        return cursor

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Every row of one statement, run on this thread's own cursor.

        A new cursor costs a `USE` (0.25-0.5 ms): a search runs six to ten statements, a
        walk more, so the query path keeps one cursor per thread. Its rows are fetched
        before this returns, so no caller can hold a result the next statement replaces.

        Raises:
            StoreError: the file is damaged (a block fails its checksum, a read fails).
        """
        cursor = getattr(self._cursors, "cursor", None)
        if cursor is None:
            cursor = self._cursors.cursor = self.cursor()
        try:
            return cursor.execute(sql, params or []).fetchall()
        except DAMAGE as error:
            raise translate(error, self.path) from error

    def execute(self, sql: str, params: list[Any] | None = None) -> duckdb.DuckDBPyConnection:
        """Run one statement on a cursor of its own.

        Raises:
            StoreError: the file is damaged (a block fails its checksum, a read fails).
        """
        try:
            return self.cursor().execute(sql, params or [])
        except DAMAGE as error:
            raise translate(error, self.path) from error

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN ... COMMIT on the main connection; ROLLBACK on any exception."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        with self._lock, self._full_disk_as_error():
            self.conn.execute("BEGIN TRANSACTION")
            try:
                yield self.conn
            except BaseException:
                with suppress(duckdb.Error):
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
            self._changed = True

    @contextmanager
    def _full_disk_as_error(self) -> Iterator[None]:
        """A full disk becomes DiskFullError, and the work copy is dropped at close."""
        try:
            yield
        except (duckdb.Error, OSError) as error:
            if is_disk_full(error):
                self._failed = True
                raise disk_full(self.path.parent) from error
            raise

    def checkpoint(self) -> None:
        """Fold the WAL into the file so that the next open is quick."""
        if not self.read_only:
            with self._full_disk_as_error():
                self.conn.execute(f"CHECKPOINT {ALIAS}")

    def copy_to(self, destination: Path) -> None:
        """Copy every table into a new file, leaving out the space that deleted rows still
        hold (DuckDB does not shrink a file; replacing libraries grows it).

        The new file gets its schema from the migrations and the rows of every table but
        the derived ones (the BM25 postings and fts tables); its search indexes are for the
        caller to build (`writer.rebuild_indexes`). `COPY FROM DATABASE` would carry the
        indexes over, but recreates the HNSW index without its cosine metric.

        Raises:
            StoreError: `destination` exists already or cannot be written.
        """
        if destination.exists():
            raise StoreError(f"{destination} exists already")
        Database(destination, read_only=False, dimension=self.dimension).close()
        escaped = str(destination).replace("'", "''")
        rows = self.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'", [ALIAS]
        ).fetchall()
        copied = sorted({r[0] for r in rows} - DERIVED_TABLES - {"schema_migrations"})
        with self._lock:
            self.conn.execute(f"ATTACH '{escaped}' AS wb_copy")
            try:
                self.conn.execute("BEGIN TRANSACTION")
                self.conn.execute("DELETE FROM wb_copy.main.workbench_meta")
                for table in copied:
                    self.conn.execute(
                        f"INSERT INTO wb_copy.main.{table} BY NAME SELECT * FROM {ALIAS}.main.{table}"
                    )
                self.conn.execute(
                    "UPDATE wb_copy.main.workbench_meta SET value = '1' "
                    "WHERE key IN ('fts_dirty', 'graph_dirty')"
                )
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            finally:
                self.conn.execute("DETACH wb_copy")

    def close(self) -> None:
        """Close the connection (idempotent); a writer's copy becomes the index, unless a
        write failed for want of disk space (then the index stays as it was).

        Raises:
            DiskFullError: the last checkpoint found no room; nothing was swapped in.
        """
        session, self._session = getattr(self, "_session", None), None
        if session is None:
            with suppress(duckdb.Error):
                self.conn.close()
            return
        try:
            if not self._failed:
                self.checkpoint()
        except BaseException:
            self._failed = True
            raise
        finally:
            with suppress(duckdb.Error):
                self.conn.close()
            if self._failed or not self._changed:
                session.discard()
            else:
                session.publish()

    def publish_progress(self) -> bool:
        """A writer's committed work so far becomes the index now (checkpoint, then a copy
        swapped in), and the writer goes on; False when there was nothing to publish.

        Raises:
            DiskFullError: no room for the copy (the index stays as it was).
        """
        if self._session is None or not self._changed or self._failed:
            return False
        with self._lock:
            self.checkpoint()
            with self._full_disk_as_error():
                self._session.snapshot()
        return True

    def close_replacing_with(self, source: Path) -> None:
        """Close a writer and swap `source` (a finished file in the same folder) in as the
        index instead of its copy, still under its write lock (`compact`)."""
        session, self._session = self._session, None
        with suppress(duckdb.Error):
            self.conn.close()
        if session is None:
            raise StoreError(f"{self.path} is open read-only")
        session.publish(source)

    def discard(self) -> None:
        """Close a writer without swapping its copy in: the index stays as it was."""
        self._failed = True
        self.close()

    def _discard(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.discard()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
