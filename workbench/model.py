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
