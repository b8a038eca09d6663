"""The read interface every face calls, written down once: the local `Workbench` and the
HTTP `RemoteWorkbench` both implement it, and one contract test suite runs on both.

Faces (TUI, notebooks, server) type against `WorkbenchReader`, never against a concrete
class, so they run unchanged on a local file or on a server. Library changes (ingest,
update, add, opt-out) are not part of it: they take the index's write lock and belong to
the local facade.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from workbench.model import (
    Answer,
    EntityDetail,
    GraphEdge,
    GraphPath,
    Hit,
    LibraryInfo,
    Subgraph,
)

#: The default per-step timeout of `ask`, in seconds (the planner's own default).
ASK_STEP_TIMEOUT_S = 10.0


@runtime_checkable
class WorkbenchReader(Protocol):
    """Reads of one workbench index, plus the light writes a face makes (feedback and
    suggestions), which never need the index's write lock."""

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        mode: str = "hybrid",
        libraries: list[str] | None = None,
        kinds: list[str] | None = None,
    ) -> list[Hit]:
        """Ranked entities for a query (hybrid, vector or bm25), with `explain`."""
        ...

    def show(self, path: str) -> EntityDetail:
        """One entity by public, definition or alias path (EntityNotFoundError if none)."""
        ...

    def resolve(self, path: str) -> str | None:
        """Definition path of a public, alias or definition path (None if unknown)."""
        ...

    def neighbors(
        self, path: str, relations: list[str] | None = None, direction: str = "both"
    ) -> list[GraphEdge]:
        """Edges at one hop from a node."""
        ...

    def subgraph(
        self,
        path: str,
        hops: int = 1,
        relations: list[str] | None = None,
        direction: str = "both",
        max_nodes: int = 500,
    ) -> Subgraph:
        """The neighbourhood of a node within `hops`, with its nodes' public paths."""
        ...

    def paths(
        self, src: str, dst: str, max_hops: int = 3, relations: list[str] | None = None, limit: int = 10
    ) -> list[GraphPath]:
        """Shortest paths between two nodes."""
        ...

    def ask(
        self,
        question: str,
        k: int = 5,
        max_hops: int | None = None,
        timeout: float = ASK_STEP_TIMEOUT_S,
        *,
        synthesize: bool = False,
    ) -> Answer:
        """A planned multi-hop answer: ranked items with evidence paths and confidence;
        `max_hops` None means the saved setting (`SearchSettings.max_hops`)."""
        ...

    def libraries(self) -> list[LibraryInfo]:
        """Libraries in the index with versions and counts."""
        ...

    def counts(self) -> dict[str, int]:
        """Row counts of libraries, entities, aliases and chunks."""
        ...

    def index_status(self) -> dict[str, bool]:
        """Which indexes exist and are current (hnsw, bm25, bm25_current, graph, vector_cache)."""
        ...

    def feedback(self, query: str, path: str, verdict: str) -> str:
        """Record that a result was good or bad for a query; returns the definition path."""
        ...

    def suggest(self, name: str, reason: str = "") -> int:
        """Queue a library suggestion; returns how often it has been suggested."""
        ...

    def suggestions(self) -> list[tuple[str, int, list[str]]]:
        """(name, count, reasons), most asked for first."""
        ...

    def close(self) -> None:
        """Release the index (or the connection to the server)."""
        ...
