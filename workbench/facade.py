"""The one public interface every face calls: `Workbench(db).search(...)`, `.show(...)`..."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.config import (
    DEFAULT_LIBRARIES,
    SearchSettings,
    Settings,
    default_db_path,
    search_settings_from_json,
    validate_search_settings,
)
from workbench.embed.embedder import BaseEmbedder as Embedder
from workbench.embed.onnx import make_embedder
from workbench.errors import (
    EntityNotFoundError,
    IndexBusyError,
    QueryError,
    StoreError,
    WorkbenchError,
)
from workbench.graph import build as graph_build
from workbench.graph.walk import Graph
from workbench.inputs import check_library_name, check_text
from workbench.model import (
    Answer,
    Candidate,
    DocQuality,
    EntityDetail,
    EvalCase,
    EvalRow,
    GraphEdge,
    GraphPath,
    Hit,
    IngestReport,
    LibraryInfo,
    LicenseVerdict,
    MultiHopCase,
    Subgraph,
)
from workbench.retrieve import ablation, calibration, multihop, multihop_eval, planner
from workbench.retrieve import search as search_module
from workbench.retrieve.ablation import AblationRow
from workbench.retrieve.cache import SingleFlightCache
from workbench.retrieve.evaluation import score_mode
from workbench.retrieve.intents import Hop, relation_chain
from workbench.retrieve.levers import Levers
from workbench.retrieve.multihop import WalkResult
from workbench.retrieve.multihop_eval import MultiHopReport
from workbench.store import background, cards, queries, records, swap, vector_cache, writer
from workbench.store.database import Database
from workbench.store.guard import guard_methods
from workbench.store.state import StateFile, state_path

if TYPE_CHECKING:
    from workbench.ingest.packages import InstalledPackage
    from workbench.libraries.discover import DiscoverOptions
    from workbench.libraries.progress import IngestProgress
    from workbench.libraries.share import ImportedLibrary
    from workbench.libraries.update import UpdateCheck
    from workbench.retrieve.ranker import Question, RankerModel
    from workbench.store.backup import BackupResult
    from workbench.store.manifest import Manifest
    from workbench.store.opening import OpenedFile

# Library management (griffe, pyarrow, httpx, pip) is imported by the methods that use it:
# a face that only reads the index starts without it.

VECTORS_AFTER_WALKS = 3
#: The state file's settings row that holds the saved search settings.
SEARCH_SETTINGS_KEY = "search"


@guard_methods
class Workbench:
    """A workbench file opened for queries (read-only, the default) or for ingest.

    What a face writes (feedback, suggestions, saved settings) goes to the small state file
    beside the index (`state`, see `workbench.store.state`), so a read-only workbench can
    write them while other processes read the index.

    Args:
        db: the DuckDB file; default `data/workbench.duckdb` (or WORKBENCH_DB).
        read_only: open without the write lock, so many readers can share the file.
        settings: embedding and retrieval settings; without them, the defaults with the
            search settings saved in the state file (`save_settings`).
        embedder: a shared, already loaded embedder (tests and servers reuse one).
        opened: the file, already opened read-only (`store.opening.open_warming`: the
            CLI's search opens it before importing this module).

    Raises:
        StoreError: the index is missing, foreign, corrupt or locked by a writer
            (IndexBusyError), or the saved settings are unreadable.
    """

    def __init__(
        self,
        db: str | Path | None = None,
        *,
        read_only: bool = True,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        opened: OpenedFile | None = None,
    ) -> None:
        self.path = Path(db or default_db_path())
        try:
            self.state = StateFile(state_path(self.path))
        except OSError as error:  # an unreadable folder or a name too long: one line
            raise StoreError(f"cannot open {self.path}: {error.strerror or error}") from error
        self.settings = settings or replace(Settings(), search=self.saved_settings())
        self.embedder = embedder or make_embedder(self.settings.embedding)
        self.read_only = read_only
        self._db: Database | None = None
        self._stamp: swap.FileStamp | None = None
        self._library_names: set[str] | None = None
        self._bm25_ready: bool | None = None
        self._graph: Graph | None = None
        self._searches: SingleFlightCache[list[Hit]] = SingleFlightCache()
        if opened is not None and read_only:
            self._db, self._stamp = opened.database, opened.stamp
        if read_only:
            _ = self.db  # fail early on a missing, foreign or corrupt file

    @property
    def db(self) -> Database:
        """The open file; a writable one is created on first use, so that an ingest whose
        names do not resolve never creates or touches it."""
        if self._db is not None and self.read_only and swap.changed_since(self.path, self._stamp):
            # a writer swapped a new index in: read it from now on (the old handle closes
            # when the calls still using it are done)
            self._db = None
            self._forget_caches()
        if self._db is None:
            self._stamp = swap.stamp(self.path)
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
        from workbench.libraries import pipeline

        if names:
            names = [check_library_name(name) for name in names]
            plan = pipeline.plan_ingest(names)
            missing: list[str] = []
            opted = records.opted_out(self.db)
            for package in plan.packages:
                pipeline.refuse_opted_out(package.name, opted)
        else:
            candidates = pipeline.installed_library_names() if installed else list(DEFAULT_LIBRARIES)
            plan, missing = pipeline.resolve_available(candidates)
            if top is not None:
                plan.packages = plan.packages[:top]
        reports = pipeline.ingest(self.db, plan, self.embedder, force=force, progress=progress)
        reports.extend(IngestReport(name, status="skipped", message="not installed") for name in missing)
        self._forget_caches()
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
        search_settings: SearchSettings | None = None,
        levers: Levers | None = None,
    ) -> list[Hit]:
        """Ranked entities for a query. See `workbench.retrieve.search.search`.

        `search_settings` ranks this one query with other knobs than `settings.search`
        (an evaluation of candidate settings), `levers` with other ranking levers (the
        ablation of `workbench eval`); results are cached per (query, settings, levers).
        """
        request = search_module.validate(
            query, k, mode, libraries, kinds, known_libraries=self.library_names()
        )
        chosen = search_settings or self.settings.search
        if search_settings is not None:
            validate_search_settings(search_settings)

        chosen_levers = levers or Levers()

        def run() -> list[Hit]:
            return self._search(request, chosen, chosen_levers)

        return list(self._searches.get((request, chosen, chosen_levers), run))

    def _search(
        self,
        request: search_module.SearchRequest,
        settings: SearchSettings,
        levers: Levers,
        card_union: int = 0,
    ) -> list[Hit]:
        """One search of the file, uncached (see `workbench.retrieve.search.search`)."""
        return search_module.search(
            self.db,
            self.embedder,
            request,
            settings,
            bm25_ready=self._bm25(),
            levers=levers,
            known_libraries=self.library_names(),
            card_union=card_union,
        )

    def clear_caches(self) -> None:
        """Forget cached search results (benchmarks time queries, not the cache)."""
        self._searches.clear()
        self.embedder.clear_cache()

    def _bm25(self) -> bool:
        if self._bm25_ready is None:
            self._bm25_ready = writer.fts_exists(self.db)
        return self._bm25_ready

    def show(self, path: str) -> EntityDetail:
        """One entity by its public, definition or alias path.

        Raises:
            EntityNotFoundError: no entity has that path (the message suggests close ones).
        """
        if not check_text(path, "path").strip():
            raise QueryError("empty path")
        resolved = queries.resolve_path(self.db, path.strip())
        entity = queries.get_entity(self.db, resolved) if resolved else None
        if entity is None:
            raise EntityNotFoundError(f"no entity '{path}' in the index{queries.did_you_mean(self.db, path)}")
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
        """Whether the HNSW and BM25 indexes exist, the BM25 one is current, the graph is
        built, a vector cache of the current chunks is there (`store.vector_cache`) and
        every entity that gets a card has it (`store.cards.CARDED`)."""
        return {
            "hnsw": writer.has_hnsw_index(self.db),
            "bm25": writer.fts_exists(self.db),
            "bm25_current": not writer.fts_is_stale(self.db),
            "graph": not graph_build.is_stale(self.db),
            "vector_cache": queries.cached_vectors(self.db, use=False) is not None,
            "cards": cards.missing_cards(self.db) == 0,
        }

    def refresh_cards(self, progress: IngestProgress | None = None) -> int:
        """Embed the entity cards the file lacks and drop those of entities that are gone
        (see `store.cards`); returns how many were embedded. Writes the file."""
        from workbench.libraries import pipeline

        if self.read_only:
            raise StoreError("embedding entity cards writes the file: open it with read_only=False")
        carded = pipeline.refresh_cards(self.db, self.embedder, progress)
        if carded:
            self._forget_caches()
        return carded

    def schema_version(self) -> int:
        """Schema version of the file (opening it writable applies pending migrations)."""
        return self.db.schema_version()

    def resolve(self, path: str) -> str | None:
        """Definition path of a public, alias or definition path (None if unknown)."""
        return queries.resolve_path(self.db, check_text(path, "path"))

    # -- library management ----------------------------------------------------------

    def check_updates(self, names: list[str] | None = None, *, online: bool = False) -> list[UpdateCheck]:
        """Indexed libraries against the installed (or fetched) ones, and with `online`
        against PyPI's latest release; writes nothing."""
        from workbench.libraries import update
        from workbench.libraries.pypi import PyPI, PyPIProject

        latest: dict[str, str] = {}
        notes: dict[str, str] = {}
        dists = {lib.name: lib.distribution for lib in self.libraries()}
        if online:
            wanted = {dist for name, dist in dists.items() if not names or name in names}
            with PyPI(self.settings.discovery) as pypi:
                answers = pypi.projects(sorted(wanted))
            for distribution, answer in answers.items():
                if isinstance(answer, PyPIProject):
                    latest[distribution] = answer.version
                else:
                    notes[distribution] = answer
        checks = update.check(self.db, names, self.locate, latest)
        for row in checks:
            row.note = row.note or notes.get(dists.get(row.library, ""), "")
        return checks

    def update(
        self,
        names: list[str] | None = None,
        *,
        online: bool = False,
        progress: IngestProgress | None = None,
    ) -> list[IngestReport]:
        """Re-index the libraries whose installed version or sources changed; with
        `online`, fetch PyPI's newer release of libraries that `add` fetched from PyPI.

        Each is replaced in one transaction (a failure leaves the previous version fully
        queryable and is recorded in the history); only chunks whose text changed are
        re-embedded; cached query results are dropped.
        """
        from workbench.libraries import pipeline, update

        names = [check_library_name(name) for name in names] if names else names
        checks = self.check_updates(names, online=online)
        stale = [c.package for c in checks if c.state in update.STALE and c.package is not None]
        reports = []
        if stale:
            plan = pipeline.IngestPlan(stale)
            reports = pipeline.ingest(self.db, plan, self.embedder, progress=progress)
        for row in checks:
            if row.state == "newer on PyPI" and row.origin.startswith("pypi "):
                distribution = row.package.distribution if row.package else row.library
                try:
                    reports.append(self.add(f"{distribution}=={row.latest_version}", progress=progress))
                except WorkbenchError as error:
                    reports.append(
                        IngestReport(row.library, row.latest_version, "failed", message=str(error))
                    )
        self._forget_caches()
        return reports

    def add(self, spec: str, *, progress: IngestProgress | None = None) -> IngestReport:
        """Index one library: installed (`NAME`), a wheel file, or `NAME==VERSION` fetched
        with pip into the private folder beside the file (never installed).

        Raises:
            FetchError, LibraryOptedOutError, LibraryLoadError: the file is unchanged.
        """
        from workbench.libraries import add as add_library

        report = add_library.add(self.db, spec, self.packages_dir, self.embedder, progress=progress)
        self._forget_caches()
        return report

    @property
    def packages_dir(self) -> Path:
        """The private folder of wheels fetched or unpacked by `add`."""
        from workbench.libraries import fetch

        return fetch.packages_dir(self.path)

    def locate(self, name: str) -> InstalledPackage | None:
        """An installed package, else a copy unpacked by `add`, else None."""
        from workbench.libraries import fetch

        return fetch.locate(name, self.packages_dir)

    def discover(
        self, options: DiscoverOptions | None = None, progress: Callable[[str], None] | None = None
    ) -> list[Candidate]:
        """Ranked libraries worth indexing (see `workbench.libraries.discover`)."""
        from workbench.libraries import discover as discover_module
        from workbench.libraries.discover import DiscoverContext, DiscoverOptions, normalize

        indexed = set()
        for lib in self.libraries():
            indexed |= {normalize(lib.name), normalize(lib.distribution)}
        context = DiscoverContext(
            indexed=indexed,
            opted_out={normalize(name) for name in records.opted_out(self.db)},
            suggested={normalize(name): count for name, count, _ in self.suggestions()},
        )
        options = options or DiscoverOptions()
        if options.quality_cache is None:
            options.quality_cache = self.packages_dir / "doc-quality.json"
        return discover_module.discover(
            options,
            context,
            self.settings.discovery,
            self.settings.compliance,
            self.locate,
            progress or (lambda _message: None),
        )

    def history(self, library: str | None = None) -> list[dict]:
        """Ingest and update outcomes, newest first."""
        return records.versions(self.db, library)

    def compliance(self) -> list[LicenseVerdict]:
        """License, class and policy verdict of every indexed and every opted-out library."""
        from workbench.libraries import compliance

        out = []
        opted = records.opted_out(self.db)
        for lib in self.libraries():
            expression = lib.license or compliance.license_of(lib.distribution)
            cls = compliance.classify(expression)
            out.append(
                LicenseVerdict(
                    lib.name, lib.version, expression, cls, compliance.allowed(cls, self.settings.compliance)
                )
            )
        for name, reason in opted.items():
            out.append(LicenseVerdict(name, "", "", "unknown", False, opted_out=True, reason=reason))
        return out

    def opt_out(self, library: str, reason: str) -> int:
        """Purge a library (entities, chunks, edges, cached results) and refuse it until it
        is opted in again. Returns the number of entities removed."""
        library = check_library_name(library)
        if not reason.strip():
            raise QueryError("say why the library is opted out (--reason)")
        from workbench.libraries import pipeline

        removed = queries.counts_for(self.db, library)
        writer.remove_library(self.db, library)
        records.set_opt_out(self.db, library, reason.strip())
        pipeline.ensure_indexes(self.db)
        self._forget_caches()
        return removed

    def opt_in(self, library: str) -> None:
        """Take a library off the opt-out list (ingest it again to index it)."""
        if library not in records.opted_out(self.db):
            raise QueryError(f"'{library}' is not opted out")
        records.set_opt_out(self.db, library, None)

    def suggest(self, name: str, reason: str = "") -> int:
        """Queue a library suggestion in the state file (no write lock on the index needed);
        returns how many times it has been suggested, older suggestions in the index included.
        """
        name = _check_suggestion(name)
        count = self.state.suggest(name, reason.strip())
        return count + sum(c for n, c, _ in records.suggestions(self.db) if n == name)

    def suggestions(self) -> list[tuple[str, int, list[str]]]:
        """(name, count, reasons), most asked for first: the state file's suggestions and
        those older workbenches wrote into the index, added up per name."""
        merged: dict[str, tuple[int, list[str]]] = {}
        for name, count, reasons in [*records.suggestions(self.db), *self.state.suggestions()]:
            total, known = merged.get(name, (0, []))
            merged[name] = (total + count, known + [r for r in reasons if r not in known])
        return sorted(((n, c, r) for n, (c, r) in merged.items()), key=lambda row: (-row[1], row[0]))

    def feedback(self, query: str, path: str, verdict: str) -> str:
        """Record in the state file that a result was good or bad for a query (no write
        lock on the index needed); returns the definition path."""
        _check_feedback(query, verdict)
        resolved = self.resolve(path)
        if resolved is None:
            raise EntityNotFoundError(f"no entity '{path}' in the index{queries.did_you_mean(self.db, path)}")
        self.state.add_feedback(query.strip(), resolved, verdict)
        return resolved

    def feedback_cases(self) -> list[EvalCase]:
        """Feedback as evaluation cases: each query with the paths judged good for it, from
        the state file and from the index (where older workbenches wrote it)."""
        good: dict[str, list[str]] = {}
        rows = sorted([*records.feedback(self.db), *self.state.feedback()], key=lambda row: row[3])
        for query, path, verdict, _ in rows:
            if verdict == "good" and path not in good.setdefault(query, []):
                good[query].append(path)
        return [
            EvalCase(id=f"feedback-{i}", question=q, expected=paths)
            for i, (q, paths) in enumerate(good.items(), 1)
        ]

    # -- saved settings --------------------------------------------------------------

    def saved_settings(self) -> SearchSettings:
        """The search settings saved in the state file over the defaults (the defaults if
        none are saved). Knobs this version does not know are ignored.

        Raises:
            StoreError: a saved value has the wrong type or is out of range.
        """
        raw = self.state.setting(SEARCH_SETTINGS_KEY)
        if raw is None:
            return SearchSettings()
        fix = f"run `workbench settings reset` (saved in {self.state.path})"
        if not isinstance(raw, dict):
            raise StoreError(f"the saved search settings are not a JSON object: {fix}")
        try:
            return search_settings_from_json(raw)
        except QueryError as error:
            raise StoreError(f"saved search setting: {error}: {fix}") from None

    def save_settings(self, search: SearchSettings) -> None:
        """Save search settings in the state file (no write lock on the index needed) and
        use them here; every Workbench opened later without `settings=` starts with them.
        Only the knobs that differ from the defaults are stored, so later defaults apply
        to the rest.

        Raises:
            QueryError: a value is out of range (see `validate_search_settings`).
            StoreError: the state file cannot be written.
        """
        validate_search_settings(search)
        defaults = asdict(SearchSettings())
        changed = {k: v for k, v in asdict(search).items() if v != defaults[k]}
        self.state.save_setting(SEARCH_SETTINGS_KEY, changed)
        self.settings = replace(self.settings, search=search)

    def reset_settings(self) -> None:
        """Forget the saved search settings; this workbench and later ones use the defaults."""
        self.state.delete_setting(SEARCH_SETTINGS_KEY)
        self.settings = replace(self.settings, search=SearchSettings())

    def _forget_caches(self) -> None:
        if self._db is not None:
            background.forget_maps(self._db)
        self._library_names = None
        self._bm25_ready = None
        self._graph = None
        self._searches.clear()

    # -- graph -----------------------------------------------------------------------

    @property
    def graph(self) -> Graph:
        """The API graph of the file (built here if stale and the file is writable).

        Raises:
            StoreError: the graph tables are not built and the file is open read-only.
        """
        if self._graph is None:
            if graph_build.is_stale(self.db):
                if self.read_only:
                    raise StoreError(
                        f"the graph of {self.path} is not built: run `workbench ingest` "
                        "(unchanged libraries are not re-embedded)"
                    )
                graph_build.update(self.db)
            self._graph = Graph(self.db)
        return self._graph

    def neighbors(
        self, path: str, relations: list[str] | None = None, direction: str = "both"
    ) -> list[GraphEdge]:
        """Edges at one hop from a node. See `workbench.graph.walk.Graph.neighbors`."""
        return self.graph.neighbors(check_text(path, "path"), relations, direction)

    def subgraph(
        self,
        path: str,
        hops: int = 1,
        relations: list[str] | None = None,
        direction: str = "both",
        max_nodes: int = 500,
    ) -> Subgraph:
        """The neighbourhood of a node within `hops`. See `Graph.subgraph`."""
        return self.graph.subgraph(check_text(path, "path"), hops, relations, direction, max_nodes)

    def paths(
        self, src: str, dst: str, max_hops: int = 3, relations: list[str] | None = None, limit: int = 10
    ) -> list[GraphPath]:
        """Shortest paths between two nodes. See `Graph.paths`."""
        src, dst = check_text(src, "path"), check_text(dst, "path")
        return self.graph.paths(src, dst, max_hops, relations, limit)

    def multi_hop(
        self, question: str, k: int = 10, max_hops: int | None = None, hops: list[Hop] | None = None
    ) -> WalkResult:
        """Seeds from hybrid search, walked along the relations the question asks for (or
        `hops`), at most `max_hops` (default `settings.search.max_hops`). See
        `workbench.retrieve.multihop.multi_hop`."""
        search_module.validate(question, k)
        max_hops = max_hops or self.settings.search.max_hops
        if hops is None:
            hops = relation_chain(question, max_hops)
        # the question (its search waits for it) first, then the clauses of its hops (the
        # walk waits for them), on a thread of their own while the search runs
        self.embedder.prefetch([question], [hop.text for hop in hops if hop.text])
        return multihop.multi_hop(
            self.db,
            self.embedder,
            self.graph,
            question,
            k=k,
            max_hops=max_hops,
            chain=hops,
            seeds=self.search(question, max(multihop.SEEDS, k), levers=WALK_LEVERS),
            vectors=self._chunk_vectors(),
        )

    def _chunk_vectors(self) -> multihop.ChunkVectors | None:
        """Counts a walk; the chunk vectors once they are in memory, else None."""
        return self._vectors_load().value()

    def _vectors_load(self) -> background.BackgroundLoad[multihop.ChunkVectors]:
        """From the third walk on, chunk embeddings are kept in memory (a one-off question
        does not pay their load: 1.2-1.6 s of CPU and 141 MB on the default index; a
        session, an eval or a server does, once). They load on a thread of their own, so
        no walk waits for them: walks rank by a query until they are in."""
        return background.map_of(self.db, "chunk-vectors", _chunk_vectors_load)

    def settle(self, timeout: float | None = None) -> None:
        """Wait for loads started in the background (chunk vectors, in-degrees, chunk
        owners), so that what follows is timed warm (`workbench bench`)."""
        if self._db is not None:
            for load in background.maps_of(self._db):
                load.wait(timeout)

    def walk(self, question: str, hops: list[Hop], k: int) -> WalkResult:
        """A planner step: `multi_hop` along given hops."""
        return self.multi_hop(question, k, max(len(hops), 1), hops)

    def ask(
        self,
        question: str,
        k: int = 5,
        max_hops: int | None = None,
        timeout: float = planner.STEP_TIMEOUT_S,
        *,
        synthesize: bool = False,
    ) -> Answer:
        """Plan a question, run its sub-queries concurrently and merge them, with paths;
        at most `max_hops` relations are walked (default `settings.search.max_hops`).
        See `workbench.retrieve.planner`. With `synthesize` and an LLM endpoint configured
        (WORKBENCH_LLM_URL), a prose answer is added; its failure degrades the answer only.
        """
        search_module.validate(question, k)
        max_hops = max_hops or self.settings.search.max_hops
        # without a built graph the walk steps fail and the answer is `degraded`: the
        # search steps still answer
        self.embedder.load()  # seconds, once: not to be counted against a step's timeout
        the_plan = planner.plan(question, max_hops)
        # every text a step will embed, on a thread of their own while the steps run: the
        # texts searches wait for first, then the clauses that only walks wait for
        clauses = [hop.text for hop in relation_chain(question, max_hops) if hop.text]
        searched = [[step.query] for step in the_plan.steps if step.kind in ("search", "walk")]
        self.embedder.prefetch(*searched, clauses)
        runner = planner.Planner(
            _WithoutRanker(self),
            lambda score, relative: calibration.probability(score, relative, calibration.SEARCH),
            k=k,
            timeout=timeout,
        )
        answer = runner.run(the_plan)
        if synthesize and self.settings.synthesis.enabled and answer.items:
            from workbench.retrieve import synthesis

            try:
                answer.synthesis = synthesis.synthesize(answer, self.settings.synthesis)
            except WorkbenchError as error:
                answer.degraded = True
                answer.synthesis_error = str(error)
        return answer

    def graph_size(self) -> list[tuple[str, int]]:
        """(relation, edge count) of the graph, then ("nodes", n) and ("stub nodes", n)."""
        return graph_build.size(self.db)

    # -- evaluation ------------------------------------------------------------------

    def evaluate(
        self,
        cases: list[EvalCase],
        modes: tuple[str, ...] = ("bm25", "vector", "hybrid"),
        search_settings: SearchSettings | None = None,
        levers: Levers | None = None,
    ) -> tuple[list[EvalRow], list[EvalCase]]:
        """Score each mode on the cases whose expected paths are in the index.

        With `search_settings`, the searches of this run use them and `settings` stays as
        it is (a face can try candidate settings in a thread while it keeps searching).
        Without `levers`, hybrid runs without the learned ranker: the shipped one (or the
        file's) may have been fitted on these very questions, and is judged only by its
        cross-validated row (`cross_validate_ranker`).

        Returns:
            (one row per mode, the cases left out because no expected path is indexed).
        """
        relevant, usable, skipped = self._relevant(cases)

        def run(question: str, mode: str) -> list[Hit]:
            return self.search(question, 10, mode=mode, search_settings=search_settings, levers=chosen)

        chosen = levers or Levers(learned_ranker=False)
        return [score_mode(m, usable, relevant, run) for m in modes], skipped

    def _relevant(self, cases: list[EvalCase]) -> tuple[dict[str, set[str]], list[EvalCase], list[EvalCase]]:
        """(case id -> definition paths, usable cases, cases with no expected path indexed)."""
        relevant: dict[str, set[str]] = {}
        usable, skipped = [], []
        for case in cases:
            wanted = {p for p in (self.resolve(e) for e in case.expected) if p}
            if wanted:
                relevant[case.id] = wanted
                usable.append(case)
            else:
                skipped.append(case)
        return relevant, usable, skipped

    def _ranker_questions(self, cases: list[EvalCase]) -> tuple[list[Question], list[float]]:
        """Each usable case's hybrid candidates as the ranker gets them (the top `DEPTH`
        and those the nearest cards add; no saved ranker involved) and the milliseconds
        each search took."""
        from workbench.retrieve import ranker

        relevant, usable, _ = self._relevant(cases)
        plain = Levers(learned_ranker=False)
        pool = replace(self.settings.search, candidates=max(self.settings.search.candidates, ranker.POOL))
        known = self.library_names()
        self.embedder.load()
        self.clear_caches()
        questions, times = [], []
        for case in usable:
            started = time.perf_counter()
            request = search_module.validate(
                case.question, ranker.DEPTH, "hybrid", None, None, known_libraries=known
            )
            hits = self._search(request, pool, plain, card_union=ranker.CARD_UNION)
            times.append((time.perf_counter() - started) * 1000)
            questions.append(ranker.Question(case.question, hits, relevant[case.id]))
        return questions, times

    def cross_validate_ranker(self, cases: list[EvalCase], folds: int = 5) -> AblationRow:
        """The learned ranker's ablation row: k-fold held-out means over `cases` (each
        question scored by a model fitted without it) and the p95 of a search of the top
        candidates plus their re-ranking (see `workbench.retrieve.ranker`)."""
        from workbench.retrieve import ranker

        questions, times = self._ranker_questions(cases)
        report = ranker.cross_validate(questions, folds)
        if ranker.fittable(questions):
            model = ranker.export(ranker.fit(questions), questions)
            for i, question in enumerate(questions):
                started = time.perf_counter()
                copies = [replace(h, explain=dict(h.explain)) for h in question.hits]
                ranker.apply(model, copies, question.query)
                times[i] += (time.perf_counter() - started) * 1000
        return ablation.held_out_row(f"+ learned_ranker ({folds}-fold held-out)", report, times)

    def fitted_ranker(self, cases: list[EvalCase]) -> RankerModel:
        """The learned ranker fitted on every usable case, not saved (see `fit_ranker`).

        Raises:
            WorkbenchError: no question's candidates hold both an answer and a non-answer.
        """
        from workbench.retrieve import ranker

        questions, _ = self._ranker_questions(cases)
        if not ranker.fittable(questions):
            raise WorkbenchError(
                f"cannot fit a ranker: the top {ranker.DEPTH} of these questions hold no answer "
                "(or only answers); use a set with more questions"
            )
        return ranker.export(ranker.fit(questions), questions)

    def fit_ranker(self, cases: list[EvalCase]) -> RankerModel:
        """Fit the learned ranker on every usable case and save it in the file, where every
        face's hybrid search then uses it (`Levers.learned_ranker`).

        Raises:
            StoreError: the file is open read-only.
        """
        from workbench.retrieve import ranker

        if self.read_only:
            raise StoreError("saving the ranker writes the file: open it with read_only=False")
        model = self.fitted_ranker(cases)
        self.db.set_meta(ranker.META_KEY, model.to_json())
        search_module.forget_ranker(self.db)
        self.clear_caches()
        return model

    def evaluate_apart(self, cases: list[EvalCase]) -> tuple[list[AblationRow], list[EvalCase]]:
        """Hybrid without and with the learned ranker every face applies (the file's, else
        the shipped one) on the cases it was not fitted on: how it does on questions it
        never saw, the figure a cross-validation only estimates.

        Returns:
            (the two rows, the cases left out because the ranker was fitted on them).
        """
        from workbench.retrieve import ranker

        model = search_module.ranker_in_use(self.db)
        seen = set(model.fitted_on) if model is not None else set()
        fitted, unseen = [], []
        for case in cases:
            (fitted if ranker.question_key(case.question) in seen else unseen).append(case)
        relevant, usable, _ = self._relevant(unseen)
        if not usable:
            return [], fitted
        self.embedder.load()
        self.clear_caches()
        rows = [
            ("hybrid", Levers(learned_ranker=False)),
            ("+ learned_ranker (as every face applies it)", Levers()),
        ]
        return ablation.ablate(usable, relevant, self._top10, rows=rows), fitted

    def _top10(self, question: str, levers: Levers) -> list[Hit]:
        return self.search(question, 10, levers=levers)

    def evaluate_levers(self, cases: list[EvalCase]) -> list[AblationRow]:
        """Hybrid search with each ranking lever on and off (see `workbench.retrieve.ablation`);
        each row's latency includes embedding the question (the model is loaded first)."""
        relevant, usable, _ = self._relevant(cases)
        self.embedder.load()
        self.clear_caches()
        return ablation.ablate(usable, relevant, self._top10)

    def evaluate_multihop(self, cases: list[MultiHopCase], k: int = 5) -> MultiHopReport:
        """Search alone against the planner (search + graph) on multi-hop questions.
        See `workbench.retrieve.multihop_eval`."""
        self.embedder.load()
        return multihop_eval.evaluate_multihop(
            cases,
            resolve=lambda p: self.resolve(p) or self._graph_node(p),
            search=lambda q: self.search(q, k),
            ask=lambda q: self.ask(q, k),
            valid=lambda path: multihop.path_is_valid(self.graph, path),
        )

    def _graph_node(self, path: str) -> str | None:
        try:
            return self.graph.resolve(path)
        except EntityNotFoundError:
            return None

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
        database, self._db = self.db, None
        database.close_replacing_with(scratch)  # under the write lock: no writer in between
        return before, _size(self.path)

    def _copy_with_indexes(self, target: Path) -> None:
        """Copy the rows into a new file and build its BM25 and HNSW indexes there; a failed
        copy leaves no half-written file behind."""
        if target.exists():  # checked here too: the clean-up below must not delete it
            raise StoreError(f"{target} exists already")
        from workbench.libraries import pipeline

        try:
            self.db.copy_to(target)
            with Database(target, read_only=False, dimension=self.settings.embedding.dimension) as copy:
                pipeline.ensure_indexes(copy)
        except BaseException:
            target.unlink(missing_ok=True)
            swap.wal_path(target).unlink(missing_ok=True)
            raise

    def close(self) -> None:
        """Release the file (once a vector cache it is writing is written)."""
        if self._db is not None:
            vector_cache.finish(self._db)
            self._db.close()
            self._db = None

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- aggregates for dashboards (the notebooks) -------------------------------------

    def degree_histogram(self, direction: str = "in") -> list[tuple[str, int, int]]:
        """(relation, degree, nodes with that degree) of the API graph; `direction` "in"
        counts edges arriving at a node, "out" edges leaving it."""
        from workbench.store import insights

        _ = self.graph  # a missing graph is a clear error
        return insights.degree_histogram(self.db, direction)

    def hubs(
        self, relation: str, direction: str = "in", limit: int = 10
    ) -> list[tuple[str, str, str, str, int]]:
        """(path, public path, kind, library, degree): the nodes with the most edges of one
        relation, e.g. `hubs("inherits")` the most inherited classes, `hubs("raises")` the
        most raised exceptions."""
        from workbench.model import RELATIONS
        from workbench.store import insights

        if relation not in RELATIONS:
            raise QueryError(f"unknown relation {relation}: choose from {', '.join(RELATIONS)}")
        _ = self.graph
        return insights.hubs(self.db, relation, direction, limit)

    def doc_quality(self) -> dict[str, DocQuality]:
        """Documentation quality of each indexed library, measured on its indexed public
        classes, functions and methods (as `discover` measures candidates)."""
        from workbench.ingest.quality import doc_quality
        from workbench.store import insights

        return {
            lib.name: doc_quality(insights.public_callables(self.db, lib.name)) for lib in self.libraries()
        }

    def feedback_log(self) -> list[tuple[str, str, str, str]]:
        """Every judgement, good and bad: (query, path, verdict, given_at), oldest first,
        from the state file and from the index (where older workbenches wrote it)."""
        return sorted([*records.feedback(self.db), *self.state.feedback()], key=lambda row: row[3])

    # -- share and operate (workbench.libraries.share, workbench.store.backup) ----------

    def export(self, destination: str | Path, libraries: list[str] | None = None) -> Manifest:
        """A self-contained copy for teammates (all libraries, or some) with indexes,
        graph and a manifest with a content checksum. See `libraries.share.export`."""
        from workbench.libraries import share

        return share.export(self.db, Path(destination), list(libraries or []))

    def manifest(self) -> Manifest | None:
        """The manifest of an exported file (None for a file made by `ingest`)."""
        from workbench.store.manifest import read_manifest

        return read_manifest(self.db)

    def import_file(
        self, source: str | Path, libraries: list[str] | None = None, *, replace: bool = False
    ) -> list[ImportedLibrary]:
        """Merge libraries from a teammate's file (same embedding model) into this one,
        which must be open writable. See `libraries.share.import_file`."""
        from workbench.libraries import share

        embedding = self.settings.embedding
        # the teammate's file is checked before this one is opened to write
        theirs = share.check_source(Path(source), list(libraries or []), embedding.name, embedding.dimension)
        report = share.import_file(self.db, theirs, replace=replace)
        self._forget_caches()
        return report

    def backup(self, folder: str | Path, keep: int = 7) -> BackupResult:
        """A timestamped copy of the file (and its state file) in `folder`, keeping the
        newest `keep`. See `store.backup`."""
        from workbench.store import backup

        return backup.backup(self.db, Path(folder), keep, self.state.path)


def _check_feedback(query: str, verdict: str) -> None:
    if verdict not in {"good", "bad"}:
        raise QueryError("verdict must be good or bad")
    search_module.validate(query)


def _check_suggestion(name: str) -> str:
    return check_library_name(name).lower()


def record_feedback(
    db: str | Path | None, query: str, path: str, verdict: str, *, embedder: Embedder | None = None
) -> tuple[str, bool]:
    """Feedback from a process that does not keep the index open (the CLI).

    The path is checked against the index opened read-only. While another process writes
    the index, DuckDB lets no one else open it, not even to read; the feedback still goes
    to the state file (found from the index's path alone), with the path as given.

    Returns:
        (the path stored, whether it was checked against the index).
    """
    _check_feedback(query, verdict)
    try:
        with Workbench(db, embedder=embedder) as wb:
            return wb.feedback(query, path, verdict), True
    except IndexBusyError:
        StateFile(state_path(db or default_db_path())).add_feedback(query.strip(), path.strip(), verdict)
        return path.strip(), False


def record_suggestion(
    db: str | Path | None, name: str, reason: str = "", *, embedder: Embedder | None = None
) -> tuple[int, bool]:
    """A library suggestion from a process that does not keep the index open (the CLI);
    like `record_feedback`, it reaches the state file while another process writes the index.

    Returns:
        (how many times it has been suggested, whether the index's older ones were counted).
    """
    name = _check_suggestion(name)
    try:
        with Workbench(db, embedder=embedder) as wb:
            return wb.suggest(name, reason), True
    except IndexBusyError:
        return StateFile(state_path(db or default_db_path())).suggest(name, reason.strip()), False


def restore_backup(
    db: str | Path | None, source: str | Path, settings: Settings | None = None
) -> Path | None:
    """Put a backup (or any workbench file) in place of the index at `db` once it passes
    every check an open makes, its SHA-256 and an export's checksum; a refused file leaves
    the index as it was. Returns where the replaced file is kept (or None).

    Raises:
        StoreError: the backup is bad, or a writer held the index longer than
            `$WORKBENCH_WRITE_WAIT` (IndexBusyError, naming its pid).
    """
    from workbench.store import backup

    path = Path(db or default_db_path())
    embedding = (settings or Settings()).embedding
    return backup.restore(Path(source), path, embedding.name, embedding.dimension, state_path(path))


def _size(path: Path) -> int:
    """Bytes of a DuckDB file and its write-ahead log."""
    wal = swap.wal_path(path)
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def _chunk_vectors_load(db: Database) -> background.BackgroundLoad[multihop.ChunkVectors]:
    return background.BackgroundLoad(db, "chunk-vectors", multihop.ChunkVectors, after=VECTORS_AFTER_WALKS)


#: the walk and the planner rank without the learned ranker: it was fitted on lookup
#: answers, and re-ordering a walk's seeds by it cost `ask` 0.09 answer@5 on the
#: multi-hop set (0.905 -> 0.811), while lookups gain from it
WALK_LEVERS = Levers(learned_ranker=False)


class _WithoutRanker:
    """The facade as the planner's services, its searches without the learned ranker."""

    def __init__(self, wb: Workbench) -> None:
        self._wb = wb

    def search(self, query: str, k: int = 10, **options: Any) -> list[Hit]:
        options.setdefault("levers", WALK_LEVERS)
        return self._wb.search(query, k, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wb, name)
