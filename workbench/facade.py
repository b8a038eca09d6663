"""The one public interface every face calls: `Workbench(db).search(...)`, `.show(...)`..."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.config import DEFAULT_LIBRARIES, Settings, default_db_path
from workbench.embed.embedder import Embedder
from workbench.errors import EntityNotFoundError, QueryError, StoreError
from workbench.libraries import pipeline
from workbench.libraries.progress import IngestProgress
from workbench.model import EntityDetail, EvalCase, EvalRow, Hit, IngestReport, LibraryInfo
from workbench.retrieve import search as search_module
from workbench.retrieve.evaluation import score_mode
from workbench.store import queries, writer
from workbench.store.database import Database


class Workbench:
    """A workbench file opened for queries (read-only, the default) or for ingest.

    Args:
        db: the DuckDB file; default `data/workbench.duckdb` (or WORKBENCH_DB).
        read_only: open without the write lock, so many readers can share the file.
        settings: embedding and retrieval settings.
        embedder: a shared, already loaded embedder (tests and servers reuse one).
    """

    def __init__(
        self,
        db: str | Path | None = None,
        *,
        read_only: bool = True,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or Embedder(self.settings.embedding)
        self.path = Path(db or default_db_path())
        self.read_only = read_only
        self._db: Database | None = None
        self._library_names: set[str] | None = None
        self._bm25_ready: bool | None = None
        if read_only:
            _ = self.db  # fail early on a missing, foreign or corrupt file

    @property
    def db(self) -> Database:
        """The open file; a writable one is created on first use, so that an ingest whose
        names do not resolve never creates or touches it."""
        if self._db is None:
            self._db = Database(
                self.path,
                read_only=self.read_only,
                model_name=self.settings.embedding.name,
                dimension=self.settings.embedding.dimension,
            )
        return self._db

    # -- ingest ----------------------------------------------------------------------

    def ingest(
        self,
        names: list[str] | None = None,
        *,
        installed: bool = False,
        top: int | None = None,
        force: bool = False,
        progress: IngestProgress | None = None,
    ) -> list[IngestReport]:
        """Ingest libraries by name; with no names, the default set (or all installed).

        Explicit names must all be installed (else UnknownLibraryError, nothing written);
        the default and installed sets skip what is missing.
        """
        if names:
            plan = pipeline.plan_ingest(names)
            missing: list[str] = []
        else:
            candidates = pipeline.installed_library_names() if installed else list(DEFAULT_LIBRARIES)
            plan, missing = pipeline.resolve_available(candidates)
            if top is not None:
                plan.packages = plan.packages[:top]
        reports = pipeline.ingest(self.db, plan, self.embedder, force=force, progress=progress)
        reports.extend(IngestReport(name, status="skipped", message="not installed") for name in missing)
        self._library_names = None
        self._bm25_ready = None
        return reports

    # -- queries ---------------------------------------------------------------------

    def library_names(self) -> set[str]:
        """Names of the libraries in the file."""
        if self._library_names is None:
            self._library_names = {lib.name for lib in queries.list_libraries(self.db)}
        return self._library_names

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        mode: str = "hybrid",
        libraries: list[str] | None = None,
        kinds: list[str] | None = None,
    ) -> list[Hit]:
        """Ranked entities for a query. See `workbench.retrieve.search.search`."""
        request = search_module.validate(
            query, k, mode, libraries, kinds, known_libraries=self.library_names()
        )
        if self._bm25_ready is None:
            self._bm25_ready = writer.fts_exists(self.db)
        return search_module.search(
            self.db, self.embedder, request, self.settings.search, bm25_ready=self._bm25_ready
        )

    def show(self, path: str) -> EntityDetail:
        """One entity by its public, definition or alias path.

        Raises:
            EntityNotFoundError: no entity has that path (the message suggests close ones).
        """
        if not path.strip():
            raise QueryError("empty path")
        resolved = queries.resolve_path(self.db, path.strip())
        entity = queries.get_entity(self.db, resolved) if resolved else None
        if entity is None:
            close = queries.similar_paths(self.db, path.strip(), 3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise EntityNotFoundError(f"no entity '{path}' in the index{hint}")
        return EntityDetail(entity=entity, members=queries.members_of(self.db, entity.path))

    def libraries(self) -> list[LibraryInfo]:
        """Libraries in the file with their versions and counts."""
        return queries.list_libraries(self.db)

    def counts(self) -> dict[str, int]:
        """Row counts of libraries, entities, aliases and chunks."""
        return queries.counts(self.db)

    def library_sizes(self) -> list[tuple[str, int, int, int]]:
        """(library, entities, chunks, approximate bytes) per library."""
        return queries.library_sizes(self.db)

    def index_status(self) -> dict[str, bool]:
        """Whether the HNSW and BM25 indexes exist and the BM25 one is current."""
        return {
            "hnsw": writer.has_hnsw_index(self.db),
            "bm25": writer.fts_exists(self.db),
            "bm25_current": not writer.fts_is_stale(self.db),
        }

    def schema_version(self) -> int:
        """Schema version of the file (opening it writable applies pending migrations)."""
        return self.db.schema_version()

    def resolve(self, path: str) -> str | None:
        """Definition path of a public, alias or definition path (None if unknown)."""
        return queries.resolve_path(self.db, path)

    # -- evaluation ------------------------------------------------------------------

    def evaluate(
        self, cases: list[EvalCase], modes: tuple[str, ...] = ("bm25", "vector", "hybrid")
    ) -> tuple[list[EvalRow], list[EvalCase]]:
        """Score each mode on the cases whose expected paths are in the index.

        Returns:
            (one row per mode, the cases left out because no expected path is indexed).
        """
        relevant: dict[str, set[str]] = {}
        usable, skipped = [], []
        for case in cases:
            wanted = {p for p in (self.resolve(e) for e in case.expected) if p}
            if wanted:
                relevant[case.id] = wanted
                usable.append(case)
            else:
                skipped.append(case)

        def run(question: str, mode: str) -> list[Hit]:
            return self.search(question, 10, mode=mode)

        return [score_mode(m, usable, relevant, run) for m in modes], skipped

    def compact(self, destination: str | Path | None = None) -> tuple[int, int]:
        """Rewrite the file without the space deleted rows still hold.

        DuckDB never shrinks a file, so re-ingesting libraries grows it; this copies every
        table into a new file, builds its indexes and swaps it in (a crash leaves the old
        file). With `destination`, the compact copy goes there (to hand to a teammate) and
        this file stays as it is.

        Returns:
            (bytes before, bytes after), the WAL included.

        Raises:
            StoreError: compacting in place needs the file opened writable.
        """
        before = _size(self.path)
        if destination is not None:
            target = Path(destination)
            self._copy_with_indexes(target)
            return before, _size(target)
        if self.read_only:
            raise StoreError("compacting rewrites the file: open it with read_only=False")
        scratch = self.path.with_name(self.path.name + ".compact")
        scratch.unlink(missing_ok=True)
        self._copy_with_indexes(scratch)
        self.close()
        _wal(self.path).unlink(missing_ok=True)  # its changes are in the copy
        os.replace(scratch, self.path)
        return before, _size(self.path)

    def _copy_with_indexes(self, target: Path) -> None:
        """Copy the rows into a new file and build its BM25 and HNSW indexes there; a failed
        copy leaves no half-written file behind."""
        if target.exists():  # checked here too: the clean-up below must not delete it
            raise StoreError(f"{target} exists already")
        try:
            self.db.copy_to(target)
            with Database(target, read_only=False, dimension=self.settings.embedding.dimension) as copy:
                writer.rebuild_indexes(copy)
        except BaseException:
            target.unlink(missing_ok=True)
            _wal(target).unlink(missing_ok=True)
            raise

    def close(self) -> None:
        """Release the file."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _wal(path: Path) -> Path:
    """The write-ahead log DuckDB keeps beside a file."""
    return Path(f"{path}.wal")


def _size(path: Path) -> int:
    """Bytes of a DuckDB file and its write-ahead log."""
    wal = _wal(path)
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
