"""Plain dataclasses shared by every layer; this module imports nothing of workbench."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["module", "class", "function", "method", "property", "attribute"]
KINDS: tuple[str, ...] = ("module", "class", "function", "method", "property", "attribute")
SearchMode = Literal["hybrid", "vector", "bm25"]
SEARCH_MODES: tuple[str, ...] = ("hybrid", "vector", "bm25")


@dataclass
class DocItem:
    """One named element of a docstring section: a parameter, an exception, a return."""

    name: str = ""
    annotation: str = ""
    description: str = ""
    default: str = ""


@dataclass
class DocSection:
    """A parsed docstring section (griffe's google/numpy/sphinx parsers)."""

    kind: str  # text, parameters, returns, raises, examples, attributes, ...
    title: str = ""
    text: str = ""
    items: list[DocItem] = field(default_factory=list)


@dataclass
class Entity:
    """One API object of a library: module, class, function, method, property or attribute.

    `path` is where the object is defined (`httpx._client.Client`); `public_path` is the
    shortest public way to reach it (`httpx.Client`) and is what results show.
    """

    path: str
    public_path: str
    library: str
    version: str
    kind: str
    name: str
    parent_path: str | None
    signature: str = ""
    returns: str = ""
    docstring: str = ""
    summary: str = ""
    sections: list[DocSection] = field(default_factory=list)
    docstring_style: str = ""
    filepath: str = ""
    lineno: int | None = None
    endlineno: int | None = None
    is_public: bool = True
    is_deprecated: bool = False
    source: str = ""
    bases: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    content_hash: str = ""


RELATIONS: tuple[str, ...] = (
    "member_of",
    "inherits",
    "returns",
    "accepts",
    "raises",
    "calls",
    "reexports",
    "alias_of",
    "mentions",
    "overrides",
)


@dataclass(frozen=True)
class Edge:
    """A relation read from a library: `src` is defined there, `dst` is a path as written.

    `evidence` says where it was read (structure, signature, docstring, source, alias);
    `weight` in (0, 1] is how much a path through it is trusted; `detail` is e.g. the
    parameter name of an `accepts` edge.
    """

    src: str
    dst: str
    relation: str
    evidence: str
    weight: float
    detail: str = ""


@dataclass
class Chunk:
    """A piece of text that is embedded and full-text indexed, tied to one entity."""

    entity_path: str
    library: str
    ordinal: int
    text: str
    embed_text: str
    fts_text: str
    text_hash: str


@dataclass
class LibraryInfo:
    """A library as recorded in the file: version, counts and fingerprint."""

    name: str
    distribution: str
    version: str
    fingerprint: str
    entity_count: int = 0
    chunk_count: int = 0
    alias_count: int = 0
    ingested_at: str = ""
    duration_s: float = 0.0
    source_dir: str = ""
    #: "installed", "wheel FILE" or "pypi NAME==VERSION" (fetched by `workbench add`)
    origin: str = "installed"
    license: str = ""


@dataclass
class IngestReport:
    """What ingesting one library did."""

    library: str
    version: str = ""
    status: Literal["ingested", "unchanged", "skipped", "failed"] = "ingested"
    entities: int = 0
    chunks: int = 0
    embedded: int = 0
    reused_embeddings: int = 0
    seconds: float = 0.0
    load_seconds: float = 0.0
    embed_seconds: float = 0.0
    write_seconds: float = 0.0
    message: str = ""
    #: entities against the previous version, by content hash
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    license: str = ""
    origin: str = "installed"


@dataclass
class LicenseVerdict:
    """A library's license, its class and what the policy says of it."""

    library: str
    version: str
    license: str  # SPDX expression or the classifier text; "" when unknown
    license_class: str  # permissive, weak-copyleft, strong-copyleft, unknown
    allowed: bool
    opted_out: bool = False
    reason: str = ""


@dataclass
class Hit:
    """One search result: an entity with its fused score and how the score was made."""

    rank: int
    path: str
    definition_path: str
    kind: str
    library: str
    score: float
    summary: str
    signature: str = ""
    is_public: bool = True
    explain: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON contract of `workbench search --json`."""
        return {
            "rank": self.rank,
            "path": self.path,
            "definition_path": self.definition_path,
            "kind": self.kind,
            "library": self.library,
            "score": round(self.score, 6),
            "summary": self.summary,
            "signature": self.signature,
            "explain": self.explain,
        }


@dataclass
class EntityDetail:
    """Everything `show` prints about one entity."""

    entity: Entity
    members: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, summary)


@dataclass
class EvalCase:
    """One evaluation question with the dotted paths that answer it."""

    id: str
    question: str
    expected: list[str]
    library: str = ""


@dataclass
class MultiHopCase:
    """A question that needs several hops: its answers and the path that reaches them
    (node, relation, node, ...; a relation may be walked against its edge)."""

    id: str
    question: str
    expected: list[str]
    path: list[str]
    hops: int
    library: str = ""


@dataclass
class MultiHopRow:
    """Multi-hop results of one system over the multi-hop set.

    `success_at_5`: an expected answer in the top 5 with a valid evidence path (search alone
    has no paths, so for it this is answer@5); `path_match`: the answer's paths include the
    expected one.
    """

    system: str
    n: int
    answer_at_1: float
    answer_at_5: float
    success_at_5: float
    path_match: float
    p50_ms: float
    p95_ms: float
    misses: list[tuple[str, list[str], list[str]]] = field(default_factory=list)


@dataclass
class EvalRow:
    """Metrics of one retrieval mode over an evaluation set."""

    mode: str
    n: int
    recall_at_1: float
    recall_at_5: float
    recall_at_10: float
    mrr_at_10: float
    ndcg_at_10: float
    misses: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    #: library -> (cases, recall@10): the case's library, else its first expected path's root
    per_library: dict[str, tuple[int, float]] = field(default_factory=dict)


@dataclass(frozen=True, order=True)
class GraphEdge:
    """A resolved edge of the graph: `src` -[relation]-> `dst`, definition paths."""

    src: str
    dst: str
    relation: str
    evidence: str
    weight: float
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "relation": self.relation,
            "evidence": self.evidence,
            "weight": round(self.weight, 4),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class GraphNode:
    """A node: an indexed entity, an alias, or a stub for a type no indexed library defines."""

    path: str
    public_path: str
    kind: str
    library: str
    is_stub: bool = False


@dataclass
class GraphPath:
    """A walk through the graph: `nodes[i]` and `nodes[i + 1]` are joined by `edges[i]`
    (traversed along or against its direction)."""

    nodes: list[str]
    edges: list[GraphEdge]

    @property
    def hops(self) -> int:
        return len(self.edges)

    def to_json(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "edges": [e.to_json() for e in self.edges]}


@dataclass
class Subgraph:
    """The neighbourhood of a node: nodes by path, edges, and the hop at which each node
    was first reached."""

    root: str
    nodes: dict[str, GraphNode] = field(default_factory=dict)
    edges: list[GraphEdge] = field(default_factory=list)
    depth: dict[str, int] = field(default_factory=dict)
    truncated: bool = False


@dataclass
class AnswerItem:
    """One entity of an answer, with the evidence paths that led to it.

    `via` is "graph" when a walk reached it, "search" when hybrid search found it directly;
    `confidence` is the calibrated probability that it answers the question.
    """

    path: str
    public_path: str
    kind: str
    library: str
    summary: str
    score: float
    confidence: float
    via: str
    paths: list[GraphPath] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.public_path,
            "definition_path": self.path,
            "kind": self.kind,
            "library": self.library,
            "summary": self.summary,
            "score": round(self.score, 6),
            "confidence": round(self.confidence, 4),
            "via": self.via,
            "paths": [p.to_json() for p in self.paths],
        }


@dataclass
class PlanStep:
    """One sub-query of a plan: `search` (hybrid), `walk` (multi-hop along `relations`,
    each "name" or "name<-" for against the edge) or `paths` (between the top answers of
    the steps it `depends` on)."""

    id: str
    kind: str
    query: str
    relations: list[str] = field(default_factory=list)
    depends: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """How a question is answered: its class and its sub-queries."""

    question: str
    kind: str  # lookup, how-to, comparison, relationship, chain
    steps: list[PlanStep] = field(default_factory=list)


@dataclass
class StepResult:
    """What one step returned; `status` is ok, empty, failed or timeout."""

    step: PlanStep
    status: str
    seconds: float
    items: list[AnswerItem] = field(default_factory=list)
    message: str = ""


@dataclass
class Answer:
    """The planner's answer: ranked entities with evidence paths, and how it was reached.

    `degraded` is set when a step failed, timed out or found nothing; the answer then
    rests on the other steps.
    """

    question: str
    plan: Plan
    results: list[StepResult]
    items: list[AnswerItem]
    degraded: bool
    seconds: float
    synthesis: str = ""
    synthesis_error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "kind": self.plan.kind,
            "degraded": self.degraded,
            "seconds": round(self.seconds, 4),
            "steps": [
                {
                    "id": r.step.id,
                    "kind": r.step.kind,
                    "query": r.step.query,
                    "relations": r.step.relations,
                    "depends": r.step.depends,
                    "status": r.status,
                    "seconds": round(r.seconds, 4),
                    "message": r.message,
                    "results": [i.public_path for i in r.items],
                }
                for r in self.results
            ],
            "answer": [i.to_json() for i in self.items],
            "synthesis": self.synthesis,
            "synthesis_error": self.synthesis_error,
        }


@dataclass
class DocQuality:
    """How well a library documents its public API, from its entities (griffe).

    Shares are of public functions, methods and classes (`objects`): with a docstring,
    with a fully annotated signature, with an example (an Examples section, `>>>` or a
    code block).
    """

    objects: int = 0
    docstrings: float = 0.0
    typed: float = 0.0
    examples: float = 0.0

    @property
    def score(self) -> float:
        """One number in [0, 1]: docstrings weigh most, then types, then examples."""
        return 0.5 * self.docstrings + 0.3 * self.typed + 0.2 * self.examples


@dataclass
class Candidate:
    """A library `workbench discover` proposes to index, with the evidence for its rank."""

    name: str
    summary: str = ""
    rank: int | None = None  # popularity rank on PyPI (snapshot), 1 = most downloaded
    license: str = ""
    license_class: str = "unknown"
    allowed: bool = False
    installed_version: str = ""
    latest_version: str = ""  # from PyPI, --online only
    has_wheel: bool | None = None  # from PyPI, --online only
    quality: DocQuality | None = None
    suggested: int = 0
    sources: list[str] = field(default_factory=list)  # env, snapshot, pypi
    notes: list[str] = field(default_factory=list)
    score: float = 0.0
