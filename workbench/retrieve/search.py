"""Hybrid search: HNSW vectors + BM25, fused by weighted RRF, with explained boosts."""

from __future__ import annotations

import re
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from workbench.config import MAX_QUERY_CHARS, SearchSettings
from workbench.embed.embedder import Embedder, vector_literal
from workbench.errors import QueryError
from workbench.ingest.identifiers import query_words
from workbench.inputs import check_text
from workbench.model import KINDS, SEARCH_MODES, Hit
from workbench.retrieve import ranker, understand
from workbench.retrieve.fusion import best_ranks, rrf
from workbench.retrieve.levers import NO_LEVERS, Levers, graph_prior
from workbench.store import cards, queries, signals
from workbench.store.database import Database


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: query text, result count, filters and mode."""

    query: str
    k: int = 10
    mode: str = "hybrid"
    libraries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


def validate(
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    libraries: list[str] | tuple[str, ...] | None = None,
    kinds: list[str] | tuple[str, ...] | None = None,
    known_libraries: set[str] | None = None,
) -> SearchRequest:
    """Check a search's inputs; every problem is a one-line QueryError."""
    text = check_text(query or "").strip()
    for name in [*(libraries or ()), *(kinds or ())]:
        check_text(name, "filter")
    if not text:
        raise QueryError("empty query: say what you are looking for")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})")
    if mode not in SEARCH_MODES:
        raise QueryError(f"unknown mode '{mode}': use one of {', '.join(SEARCH_MODES)}")
    if not 1 <= k <= 200:
        raise QueryError(f"k must be between 1 and 200, not {k}")
    bad_kinds = [kd for kd in kinds or () if kd not in KINDS]
    if bad_kinds:
        raise QueryError(f"unknown kind '{bad_kinds[0]}': use one of {', '.join(KINDS)}")
    if known_libraries is not None:
        missing = [lib for lib in libraries or () if lib not in known_libraries]
        if missing:
            have = ", ".join(sorted(known_libraries)) or "none"
            raise QueryError(f"library '{missing[0]}' is not in the index (indexed: {have})")
    return SearchRequest(text, k, mode, tuple(libraries or ()), tuple(kinds or ()))


def _identifier_terms(query: str) -> set[str]:
    """Query words that look like identifiers: snake_case, dotted, camelCase or alone."""
    words = query_words(query)
    if len(words) == 1:
        return set(words)
    raw = re.findall(r"[A-Za-z_][\w.]*", query)
    return {w.lower() for w in raw if "_" in w or "." in w.strip(".") or re.search(r"[a-z][A-Z]", w)}


def _fused(
    vector: tuple[int, float] | None, bm25: tuple[int, float] | None, settings: SearchSettings
) -> float:
    """Weighted RRF of an entity's vector and BM25 ranks (absent lists add nothing)."""
    return rrf(vector[0] if vector else None, settings.vector_weight, settings.rrf_k) + rrf(
        bm25[0] if bm25 else None, settings.bm25_weight, settings.rrf_k
    )


def _names_entity(row: dict, terms: set[str]) -> bool:
    """The query names the entity: its name, its public path, or a dotted tail of it
    (`DataFrame.group_by` names `polars.DataFrame.group_by`)."""
    public = row["public_path"].lower()
    return row["name"].lower() in terms or any(
        public == t or ("." in t and public.endswith("." + t)) for t in terms
    )


#: Member kinds whose parent is always a class: only they lend it support.
MEMBER_KINDS = frozenset({"method", "property"})


def _member_support(fused: dict[str, float], info: dict[str, dict], weight: float) -> dict[str, float]:
    """Evidence a class collects from its matching methods and properties.

    A question about keeping cookies matches `Cookies.update`, `Cookies.set_cookie_header`
    and more; together they point at `Cookies`. Each class gets `weight` times the sum of
    its best three public members' fused scores (it may not be a candidate itself), capped
    so that members lift it at most to just below the best of them.
    """
    children: dict[str, list[float]] = {}
    for path, score in fused.items():
        row = info[path]
        if row["parent_path"] and row["kind"] in MEMBER_KINDS and row["is_public"]:
            children.setdefault(row["parent_path"], []).append(score)
    support = {}
    for parent, scores in children.items():
        best = sorted(scores, reverse=True)[:3]
        room = max(0.0, best[0] * 0.999 - fused.get(parent, 0.0))
        if weight > 0 and room > 0:
            support[parent] = min(weight * sum(best), room)
    return support


def _explain(
    mode: str,
    vector: tuple[int, float] | None,
    bm25: tuple[int, float] | None,
    boosts: tuple[float, float, float, float, float] | None,
    in_degree: int,
    named: tuple[str, ...],
) -> dict:
    """A hit's `explain`: its ranks and scores in each list, and in hybrid each boost."""
    v_rank, v_score = vector or (None, None)
    b_rank, b_score = bm25 or (None, None)
    if mode == "vector":
        return {"vector_rank": v_rank, "vector_similarity": round(v_score, 4)}
    if mode == "bm25":
        return {"bm25_rank": b_rank, "bm25_score": round(b_score, 4)}
    fused_score, members, name_boost, public_boost, prior = boosts or (0.0, 0.0, 0.0, 0.0, 0.0)
    return {
        "vector_rank": v_rank,
        "vector_similarity": None if v_score is None else round(v_score, 4),
        "bm25_rank": b_rank,
        "bm25_score": None if b_score is None else round(b_score, 4),
        "rrf": round(fused_score, 6),
        "member_support": round(members, 6),
        "name_boost": name_boost,
        "public_boost": public_boost,
        "in_degree": in_degree,
        "graph_prior": round(prior, 6),
        "named_libraries": list(named),
    }


def _class_row(path: str, member: dict) -> dict:
    """What a search needs of a class that is not a candidate, read off one of its members
    (a public member's public path is its class's public path plus its name); summary and
    signature are filled in only if the class makes the final list."""
    public_path = member["public_path"].rsplit(".", 1)[0]
    return {
        "path": path,
        "public_path": public_path,
        "kind": "class",
        "library": member["library"],
        "name": path.rsplit(".", 1)[-1],
        "summary": None,
        "signature": None,
        "is_public": True,
        "parent_path": None,
        "partial": True,
    }


_BRANCHES: ThreadPoolExecutor | None = None
_BRANCHES_LOCK = threading.Lock()


def _branches() -> ThreadPoolExecutor:
    """Threads for the vector branch of searches (created on first use, shared)."""
    global _BRANCHES
    with _BRANCHES_LOCK:
        if _BRANCHES is None:
            _BRANCHES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="search-vector")
        return _BRANCHES


def _vector_candidates(
    db: Database, embedder: Embedder, query: str, n: int, libs: list[str] | None, kinds: list[str] | None
) -> tuple[list[tuple[str, float]], np.ndarray]:
    """(the `n` nearest chunks' entity paths and similarities, the query's vector)."""
    warming: Future[object] | None = None
    if not embedder.loaded and not libs and not kinds:
        # a new process's first search: the vector index opens (the cache in a few ms, or
        # DuckDB's HNSW index, read in 0.5-0.8 s) while the model loads (0.3-0.5 s)
        warming = _branches().submit(queries.warm_vector_index, db)
    vector = embedder.embed_query(query)
    if warming is not None:
        warming.result()
    return queries.vector_candidates(db, vector_literal(vector), n, libs, kinds, vector=vector), vector


def search(
    db: Database,
    embedder: Embedder | None,
    request: SearchRequest,
    settings: SearchSettings | None = None,
    *,
    bm25_ready: bool = True,
    levers: Levers | None = None,
    known_libraries: set[str] | frozenset[str] | None = None,
    card_union: int = 0,
) -> list[Hit]:
    """Ranked entities for a query (one hit per entity, its best chunk counts).

    Scores: `vector` mode gives cosine similarity, `bm25` the BM25 score, `hybrid`
    weighted RRF plus the support of matching members (see `_member_support`) and two
    boosts, each reported in `Hit.explain`: an exact identifier match (the query names the
    entity, e.g. `read_csv`) and public over private paths.
    When the file has no BM25 index yet (`bm25_ready=False`, e.g. an ingest was killed
    before its first index build), hybrid falls back to vectors alone.

    `levers` (see `workbench.retrieve.levers`) add query understanding and the graph
    prior; `known_libraries` (the file's, read when not given) are the names a query may use.

    When the learned ranker re-orders (or `card_union` is given: the ranker's candidates
    for `workbench eval`), each kept hit's `explain` has its `card_rank`, the rank of its
    card among the cards of the whole candidate pool by similarity to the question, and the
    hits past the top `k` whose card ranks within `card_union` are kept too, after them:
    the ranker's candidate set (see `ranker.CARD_UNION`).
    """
    settings = settings or SearchSettings()
    # bm25 and vector modes stay the raw retrievers that hybrid fuses
    levers = (levers or Levers()) if request.mode == "hybrid" else NO_LEVERS
    original_k = request.k
    named: tuple[str, ...] = ()
    if levers.named_library and not request.libraries:
        known = known_libraries if known_libraries is not None else signals.library_names(db)
        named = understand.named_libraries(request.query, known)
    # a query that names code (`TransportError`, `read_csv`, `DataFrame.explode`) is a name
    # lookup, which hybrid's exact-name boost ranks; the learned ranker was fitted on
    # questions in users' words (1 of 318 names code) and put exact names below prose
    terms = _identifier_terms(request.query)
    model = ranker_in_use(db) if levers.learned_ranker and not terms else None
    if model is not None:
        request = replace(request, k=max(request.k, model.depth))
        settings = replace(settings, candidates=max(settings.candidates, model.pool))
        card_union = model.card_union
    hits: list[Hit] = []
    if named:
        hits = _search(db, embedder, request, settings, bm25_ready, levers, named, terms, card_union)
    if not hits:
        hits = _search(db, embedder, request, settings, bm25_ready, levers, (), terms, card_union)
    if model is not None:
        hits = ranker.apply(model, hits, request.query)[:original_k]
    return hits


_RANKERS: weakref.WeakKeyDictionary[Database, ranker.RankerModel | None] = weakref.WeakKeyDictionary()


def ranker_in_use(db: Database) -> ranker.RankerModel | None:
    """The learned ranker hybrid searches of this file apply: the one saved in the file,
    else the one the workbench ships (`ranker.bundled`), read once per open file."""
    if db not in _RANKERS:
        text = db.meta(ranker.META_KEY)
        saved = ranker.RankerModel.from_json(text) if text else None
        _RANKERS[db] = saved or ranker.bundled()
    return _RANKERS[db]


def forget_ranker(db: Database) -> None:
    """Read the saved ranker again at the next search (after it was saved or removed)."""
    _RANKERS.pop(db, None)


def _search(
    db: Database,
    embedder: Embedder | None,
    request: SearchRequest,
    settings: SearchSettings,
    bm25_ready: bool,
    levers: Levers,
    named: tuple[str, ...],
    terms: set[str],
    card_union: int = 0,
) -> list[Hit]:
    """One pass of `search`, within the libraries the query named if any; `terms` are the
    query's identifier words (`_identifier_terms`), which hybrid's exact-name boost uses;
    `card_union` as in `search`."""
    libs = list(request.libraries or named) or None
    kinds = list(request.kinds) or None
    n = max(settings.candidates, request.k * 3)
    vec: dict[str, tuple[int, float]] = {}
    bm: dict[str, tuple[int, float]] = {}
    query_vector: np.ndarray | None = None
    vector_branch: Future[tuple[list[tuple[str, float]], np.ndarray]] | None = None
    if request.mode in ("hybrid", "vector"):
        if embedder is None:
            raise QueryError(f"mode '{request.mode}' needs the embedding model")
        # embedding + HNSW on another thread while BM25 runs here (both release the GIL)
        vector_branch = _branches().submit(_vector_candidates, db, embedder, request.query, n, libs, kinds)
    try:
        if request.mode == "bm25" and not bm25_ready:
            raise QueryError("this file has no BM25 index yet: run `workbench ingest` to build it")
        if request.mode in ("hybrid", "bm25") and bm25_ready:
            text = request.query
            if levers.filler_words:
                text = understand.bm25_text(text)
            bm = best_ranks(queries.bm25_candidates(db, text, n, libs, kinds))
    finally:
        if vector_branch is not None:
            nearest, query_vector = vector_branch.result()
            vec = best_ranks(nearest)

    paths = list(dict.fromkeys([*vec, *bm]))
    info = queries.ranking_rows(db, paths)
    fused: dict[str, float] = {}
    support: dict[str, float] = {}
    if request.mode == "hybrid":
        fused = {p: _fused(vec.get(p), bm.get(p), settings) for p in paths if p in info}
        support = _member_support(fused, info, settings.member_weight)
        if not request.kinds or "class" in request.kinds:
            member_of = {row["parent_path"]: row for row in info.values() if row["kind"] in MEMBER_KINDS}
            for parent in support:
                if parent not in info:
                    info[parent] = _class_row(parent, member_of[parent])
                    paths.append(parent)
    usage: dict[str, signals.Usage] = {}
    if request.mode == "hybrid" and levers.graph_prior > 0:
        # the classes of member candidates too: a method of a much-used class (`Client.close`)
        # is more often the answer than one of a class nothing else uses
        parents = {
            row["parent_path"] for row in info.values() if row["kind"] in MEMBER_KINDS and row["parent_path"]
        }
        usage = signals.usage_of(db).get([*(p for p in paths if p in info), *(parents - info.keys())])
    scored: list[tuple[float, str]] = []
    boosts: dict[str, tuple[float, float, float, float, float]] = {}
    for path in paths:
        row = info.get(path)
        if row is None:
            continue
        if request.mode == "vector":
            score = vec[path][1]
        elif request.mode == "bm25":
            score = bm[path][1]
        else:
            fused_score = fused.get(path, 0.0)
            members = support.get(path, 0.0)
            name_boost = settings.exact_name_boost if terms and _names_entity(row, terms) else 0.0
            public_boost = settings.public_boost if row["is_public"] else 0.0
            prior = graph_prior(usage.get(path, signals.NO_USAGE).in_degree, levers.graph_prior)
            boosts[path] = (fused_score, members, name_boost, public_boost, prior)
            score = fused_score + members + name_boost + public_boost + prior
        scored.append((score, path))
    scored.sort(key=lambda item: (-item[0], info[item[1]]["public_path"]))
    chosen = scored[: request.k]
    card_ranks: dict[str, int] | None = None
    similarity: dict[str, float] = {}
    if card_union and request.mode == "hybrid" and query_vector is not None:
        # the pool's cards ranked by how well they meet the question: the rank is a feature
        # of the learned ranker, and the best `card_union` join its candidates
        carded = [path for _, path in scored if info[path]["is_public"]]  # only public ones have cards
        similarity = cards.card_similarities(db, carded, query_vector)
        order = sorted(similarity, key=lambda path: (-similarity[path], path))
        card_ranks = {path: rank for rank, path in enumerate(order, start=1)}
        chosen += [
            item for item in scored[request.k :] if ranker.joins_by_card(card_ranks.get(item[1]), card_union)
        ]
    # explained only for the hits kept: rounding every candidate's parts cost ~1 ms
    top = []
    for score, path in chosen:
        used = usage.get(path, signals.NO_USAGE)
        parts = (vec.get(path), bm.get(path), boosts.get(path), used.in_degree)
        explain = _explain(request.mode, *parts, named)
        if request.mode == "hybrid":
            row = info[path]
            explain["used_by_libraries"] = used.used_by(row["library"])
            if row["kind"] in MEMBER_KINDS:
                explain["parent_in_degree"] = usage.get(row["parent_path"], signals.NO_USAGE).in_degree
        if card_ranks is not None:
            explain["card_rank"] = card_ranks.get(path)
        top.append((score, path, explain))
    kept = [path for _, path, _ in top]
    if request.mode == "hybrid" and query_vector is not None:
        # how well each kept entity's card (name and summary, `store.cards`) alone meets the
        # question: a feature of the learned ranker, shown in `explain`
        if card_ranks is None:
            similarity = cards.card_similarities(db, kept, query_vector)
        for _, path, explain in top:
            card = similarity.get(path)
            explain["card_similarity"] = None if card is None else round(card, 4)
    partial = [path for path in kept if info[path].get("partial")]
    whole = [path for path in kept if not info[path].get("partial")]
    if partial:
        info.update(queries.candidate_rows(db, partial))
    for path, row in queries.display_rows(db, whole).items():
        info[path].update(row)
    sizes = signals.library_sizes(db) if request.mode == "hybrid" else {}
    hits = []
    for rank, (score, path, explain) in enumerate(top, start=1):
        row = info[path]
        if request.mode == "hybrid":
            # what the learned ranker knows of the entity alone: how much documentation it
            # has, and how many entities its library holds
            explain["doc_length"] = row.get("doc_length") or 0
            explain["library_size"] = sizes.get(row["library"], 0)
        hits.append(
            Hit(
                rank=rank,
                path=row["public_path"],
                definition_path=path,
                kind=row["kind"],
                library=row["library"],
                score=float(score),
                summary=row["summary"] or "",
                signature=row["signature"] or "",
                is_public=bool(row["is_public"]),
                explain=explain,
            )
        )
    return hits
