"""Multi-hop retrieval: seed entities from hybrid search, walk the relations the question
asks for, rank what the walks reach, and keep the paths as evidence.

A path's score is the seed's (normalised) hybrid score, times each edge's weight, times a
decay per hop, times how close each reached node's text is to the question (so among the
forty members of a returned class, the one the question is about comes first). A hop may
also be skipped, at a cost: when search already found an exception, "which exception ...
and what is its base class" needs only the `inherits` hop.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np

from workbench.embed.embedder import Embedder, vector_literal
from workbench.graph.walk import Graph
from workbench.ingest.identifiers import is_public_path
from workbench.model import AnswerItem, GraphPath, Hit
from workbench.retrieve import calibration
from workbench.retrieve.intents import Hop, relation_chain
from workbench.store import cards, queries
from workbench.store.database import Database
from workbench.store.queries import sql_strings

SEEDS = 20


@dataclass(frozen=True)
class HopSettings:
    """Knobs of the walk (tuned on the multi-hop eval set)."""

    seeds: int = SEEDS
    beam: int = 200
    decay: float = 0.85
    skip: float = 0.2
    #: a reached node's score is multiplied by floor + (1 - floor) * similarity
    relevance_floor: float = 0.3
    #: stubs (types no indexed library defines) have no text to compare
    stub_relevance: float = 0.35
    paths_per_answer: int = 3
    #: a node only reachable by a private path (`Response._get_content_decoder`) is rarely
    #: what a user asks for
    private_factor: float = 0.7
    #: the clause names the node ("which method reads it as JSON" -> `Response.json`)
    name_factor: float = 1.3
    #: a reached node is compared to clause_weight * its clause + the rest * the question
    clause_weight: float = 0.5
    #: nodes reached by a hop that are compared to the question (the best by prior score)
    relevance_pool: int = 150
    #: confidence from (score, score / best score); see `calibration.WALK`
    calibration: calibration.Params = calibration.WALK


@dataclass
class _Beam:
    node: str
    score: float
    path: GraphPath


@dataclass
class WalkResult:
    """What `multi_hop` did: the hops it followed, its seeds and its ranked answers."""

    chain: list[Hop]
    seeds: list[Hit]
    items: list[AnswerItem] = field(default_factory=list)


def relevance(db: Database, vector: str, paths: set[str]) -> dict[str, float]:
    """Cosine similarity of each entity's closest chunk to the question (absent: no chunk).

    A join on the unnested list, not `IN (...)`: chunks has no index on entity_path, and
    DuckDB filters the IN list row by row (210 ms for 150 paths against 17 ms). It still
    reads the embeddings of every row group it touches: a process that walks often keeps
    them in memory instead (`ChunkVectors`).
    """
    if not paths:
        return {}
    rows = db.rows(
        f"SELECT c.entity_path, max(array_inner_product(c.embedding, ?::FLOAT[{db.dimension}])) "
        f"FROM (SELECT unnest([{sql_strings(paths)}]) AS path) wanted "
        "JOIN chunks c ON c.entity_path = wanted.path GROUP BY 1",
        [vector],
    )
    return {path: max(0.0, float(sim)) for path, sim in rows}


class ChunkVectors:
    """Every chunk embedding in memory (104k x 384 floats: 160 MB, 0.7-1.6 s to load; the
    vector cache's memory map when the file has one, shared with searches), so that
    ranking a hop's nodes by similarity is a matrix product instead of a query."""

    def __init__(self, db: Database) -> None:
        paths, self.matrix = queries.chunk_embeddings(db)
        self.rows: dict[str, list[int]] = {}
        for row, path in enumerate(paths):
            self.rows.setdefault(path, []).append(row)

    def similarity(self, vector: np.ndarray, paths: set[str]) -> dict[str, float]:
        out = {}
        for path in paths:
            rows = self.rows.get(path)
            if rows:
                out[path] = max(0.0, float((self.matrix[rows] @ vector).max()))
        return out


def _name_overlap(name: str, words: set[str]) -> float:
    """Share of a name's parts the clause says (`words` holds its words and each pair of
    neighbours joined): `json` in "as JSON" is 1, `max_keepalive_connections` in "caps the
    idle keep-alive connections" is 2/3."""
    if name.lower() in words:
        return 1.0
    parts = [p for p in re.split(r"_|(?<=[a-z])(?=[A-Z])", name.strip("_")) if p]
    if not parts:
        return 0.0
    found = sum(1 for p in parts if p.lower() in words or p.lower().rstrip("s") in words)
    return found / len(parts)


def _walk(
    graph: Graph,
    beams: list[_Beam],
    hop: Hop,
    db: Database,
    vector: np.ndarray,
    settings: HopSettings,
    vectors: ChunkVectors | None,
) -> list[_Beam]:
    """One hop from every beam, plus each beam unmoved at the skip cost; best `beam` kept.

    Reached nodes are first ranked without their text (a hub such as a module has
    thousands of members); only the best `relevance_pool` are compared to the question.
    """
    by_node: dict[str, list[_Beam]] = {}
    for beam in beams:
        by_node.setdefault(beam.node, []).append(beam)
    edges = graph.backend.hop(set(by_node), (hop.relation,), hop.direction)
    prior: dict[str, float] = {}
    for edge in edges:
        here, there = (edge.src, edge.dst) if hop.direction == "out" else (edge.dst, edge.src)
        best = max(b.score for b in by_node.get(here, ())) * edge.weight
        prior[there] = max(prior.get(there, 0.0), best)
    pool = set(sorted(prior, key=lambda n: (-prior[n], n))[: settings.relevance_pool])
    known = graph.nodes(pool)
    tokens = re.findall(r"[a-z0-9]+", hop.text.lower())
    words = {*tokens, *(a + b for a, b in itertools.pairwise(tokens))}  # keep+alive
    wanted = {n for n in pool if not known[n].is_stub}
    close = vectors.similarity(vector, wanted) if vectors else relevance(db, vector_literal(vector), wanted)
    # an entity is as close as the closest of its texts: any chunk, or its card (name and
    # summary, `store.cards`), which often says in a line what a hop asks for
    for path, card in cards.card_similarities(db, sorted(wanted), vector).items():
        close[path] = max(close.get(path, 0.0), card)
    moved: list[_Beam] = []
    for edge in edges:
        here, there = (edge.src, edge.dst) if hop.direction == "out" else (edge.dst, edge.src)
        if there not in pool:
            continue
        sim = close.get(there, settings.stub_relevance if known[there].is_stub else 0.0)
        factor = (
            edge.weight * settings.decay * (settings.relevance_floor + (1 - settings.relevance_floor) * sim)
        )
        name = there.rsplit(".", 1)[-1]
        if not is_public_path(known[there].public_path) or (name.startswith("__") and name.endswith("__")):
            factor *= settings.private_factor
        factor *= 1 + (settings.name_factor - 1) * _name_overlap(name, words)
        for beam in by_node.get(here, []):
            # no node twice, but the seed may come back: it is what search found, not a
            # step taken (`raise_for_status` returns its response, then is its member)
            if there in beam.path.nodes[1:]:
                continue
            path = GraphPath([*beam.path.nodes, there], [*beam.path.edges, edge])
            moved.append(_Beam(there, beam.score * factor, path))
    kept = [_Beam(b.node, b.score * settings.skip, b.path) for b in beams]
    out = sorted(moved + kept, key=lambda b: (-b.score, b.path.hops, b.node))
    return out[: settings.beam]


def multi_hop(
    db: Database,
    embedder: Embedder,
    graph: Graph,
    question: str,
    *,
    k: int = 10,
    max_hops: int = 3,
    chain: list[Hop] | None = None,
    seeds: list[Hit],
    settings: HopSettings | None = None,
    vectors: ChunkVectors | None = None,
) -> WalkResult:
    """Answer a question that needs several lookups; see the module docstring.

    `seeds` are the hybrid hits of the question (at least `settings.seeds` of them); the
    caller searches, so that its search cache serves both. With no relation cue in the
    question (and no `chain`), this is hybrid search with paths of length zero.
    """
    settings = settings or HopSettings()
    hops = chain if chain is not None else relation_chain(question, max_hops)
    seeds = seeds[: settings.seeds]
    result = WalkResult(hops[:max_hops], seeds)
    if not seeds:
        return result
    top = seeds[0].score or 1.0
    beams = [_Beam(h.definition_path, h.score / top, GraphPath([h.definition_path], [])) for h in seeds]
    texts = [question, *(hop.text for hop in result.chain if hop.text)]
    embedded = dict(zip(texts, embedder.embed_queries(texts), strict=True))
    whole = embedded[question]
    for hop in result.chain:
        # the nodes a hop reaches are compared to the clause that asked for it and to the
        # whole question (inner products are linear: one mixed vector does both)
        clause = embedded[hop.text] if hop.text else whole
        mixed = settings.clause_weight * clause + (1 - settings.clause_weight) * whole
        beams = _walk(graph, beams, hop, db, mixed.astype(np.float32), settings, vectors)
    result.items = _answers(db, graph, beams, k, settings)
    return result


def _answers(
    db: Database, graph: Graph, beams: list[_Beam], k: int, settings: HopSettings
) -> list[AnswerItem]:
    """One answer per node reached: its best score and its best few paths."""
    best: dict[str, list[_Beam]] = {}
    for beam in beams:
        best.setdefault(beam.node, []).append(beam)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0].score, item[0]))[:k]
    info = queries.candidate_rows(db, [node for node, _ in ranked])
    nodes = graph.nodes(node for node, _ in ranked if node not in info)
    items = []
    best_score = ranked[0][1][0].score if ranked else 1.0
    for node, found in ranked:
        row = info.get(node)
        stub = nodes.get(node)
        score = found[0].score
        items.append(
            AnswerItem(
                path=node,
                public_path=row["public_path"] if row else stub.public_path,
                kind=row["kind"] if row else stub.kind,
                library=row["library"] if row else stub.library,
                summary=(row["summary"] or "") if row else "",
                score=score,
                confidence=calibration.probability(score, score / best_score, settings.calibration),
                via="graph" if found[0].path.edges else "search",
                paths=[b.path for b in found[: settings.paths_per_answer]],
            )
        )
    return items


def path_is_valid(graph: Graph, path: GraphPath) -> bool:
    """Whether every edge of a path is in the graph and joins consecutive nodes."""
    if len(path.nodes) != len(path.edges) + 1:
        return False
    for i, edge in enumerate(path.edges):
        ends = {path.nodes[i], path.nodes[i + 1]}
        if {edge.src, edge.dst} != ends:
            return False
        if edge not in graph.backend.hop({edge.src}, (edge.relation,), "out"):
            return False
    return True
