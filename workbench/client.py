"""`RemoteWorkbench`: the `WorkbenchReader` of a `workbench serve` server, over httpx.

Same methods, same return dataclasses and the same errors as the local `Workbench`, so a
face written against `WorkbenchReader` runs unchanged on a file or on a server:

    >>> from workbench.client import RemoteWorkbench
    >>> with RemoteWorkbench("http://127.0.0.1:8765", token="...") as wb:
    ...     hits = wb.search("set a timeout on a client", k=5)

It imports no duckdb, torch or griffe: a laptop with only httpx can query a team's index.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import httpx

from workbench import errors
from workbench.errors import WorkbenchError
from workbench.model import (
    Answer,
    EntityDetail,
    GraphEdge,
    GraphPath,
    Hit,
    LibraryInfo,
    Subgraph,
)
from workbench.protocol import ASK_STEP_TIMEOUT_S
from workbench.wire import from_wire

#: Seconds to wait for an answer; `ask` adds its own step timeout on top.
DEFAULT_TIMEOUT_S = 60.0


class RemoteError(WorkbenchError):
    """The server could not be reached or refused for its own reasons (auth, busy, time
    limit, read-only). `status` is the HTTP status (0: no answer), `code` the error code."""

    def __init__(self, message: str, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class RemoteWorkbench:
    """A workbench index served by `workbench serve`, read over HTTP.

    Args:
        url: the server, e.g. `http://127.0.0.1:8765`.
        token: the bearer token (or None on an open loopback server).
        timeout: seconds per request.
        retries: how often a read the server turned away as busy (503 + Retry-After) is
            tried again, waiting what it asked for (at most 2 s each time).
        transport: an httpx transport (tests, proxies); default: a pooled HTTP/1.1 one.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.retries = retries
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, transport=transport)

    # -- transport -------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: Any = None, body: Any = None) -> Any:
        reads = method == "GET" or path == "/ask"  # safe to send twice
        for attempt in range(self.retries + 1):
            try:
                response = self._http.request(method, path, params=params, json=body)
            except httpx.TimeoutException as error:
                raise RemoteError(f"{self.url}: no answer in time ({type(error).__name__})") from error
            except httpx.HTTPError as error:
                raise RemoteError(f"{self.url}: {error}") from error
            if response.is_success:
                return response.json()
            wait = _retry_after(response)
            if not (reads and wait is not None and attempt < self.retries):
                raise _error_of(response)
            time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, endpoint: str, /, **params: Any) -> Any:
        query = [
            (name, item)
            for name, value in params.items()
            if value is not None
            for item in (value if isinstance(value, list | tuple) else [value])
        ]
        return self._request("GET", endpoint, params=query)

    # -- WorkbenchReader -------------------------------------------------------------

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
        data = self._get("/search", q=query, k=k, mode=mode, library=libraries, kind=kinds)
        return from_wire(data, list[Hit])

    def show(self, path: str) -> EntityDetail:
        """One entity by public, definition or alias path (EntityNotFoundError if none)."""
        if not path.strip():
            raise errors.QueryError("empty path")
        return from_wire(self._get(f"/entities/{quote(path, safe='')}"), EntityDetail)

    def resolve(self, path: str) -> str | None:
        """Definition path of a public, alias or definition path (None if unknown)."""
        return self._get("/resolve", path=path)["path"]

    def neighbors(
        self, path: str, relations: list[str] | None = None, direction: str = "both"
    ) -> list[GraphEdge]:
        """Edges at one hop from a node."""
        data = self._get("/graph/neighbors", path=path, relation=relations, direction=direction)
        return from_wire(data, list[GraphEdge])

    def subgraph(
        self,
        path: str,
        hops: int = 1,
        relations: list[str] | None = None,
        direction: str = "both",
        max_nodes: int = 500,
    ) -> Subgraph:
        """The neighbourhood of a node within `hops`, with its nodes' public paths."""
        data = self._get(
            "/graph/subgraph",
            path=path,
            hops=hops,
            relation=relations,
            direction=direction,
            max_nodes=max_nodes,
        )
        return from_wire(data, Subgraph)

    def paths(
        self, src: str, dst: str, max_hops: int = 3, relations: list[str] | None = None, limit: int = 10
    ) -> list[GraphPath]:
        """Shortest paths between two nodes."""
        data = self._get("/graph/paths", src=src, dst=dst, max_hops=max_hops, relation=relations, limit=limit)
        return from_wire(data, list[GraphPath])

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
        `max_hops` None means the server's setting, as locally."""
        body = {
            "question": question,
            "k": k,
            "max_hops": max_hops,
            "timeout": timeout,
            "synthesize": synthesize,
        }
        return from_wire(self._request("POST", "/ask", body=body), Answer)

    def libraries(self) -> list[LibraryInfo]:
        """Libraries in the index with versions and counts."""
        return from_wire(self._get("/libraries"), list[LibraryInfo])

    def counts(self) -> dict[str, int]:
        """Row counts of libraries, entities, aliases and chunks."""
        return from_wire(self._get("/status")["counts"], dict[str, int])

    def index_status(self) -> dict[str, bool]:
        """Which indexes exist and are current (hnsw, bm25, bm25_current, graph, vector_cache)."""
        return from_wire(self._get("/status")["index"], dict[str, bool])

    def feedback(self, query: str, path: str, verdict: str) -> str:
        """Record that a result was good or bad for a query; returns the definition path."""
        body = {"query": query, "path": path, "verdict": verdict}
        return self._request("POST", "/feedback", body=body)["path"]

    def suggest(self, name: str, reason: str = "") -> int:
        """Queue a library suggestion; returns how often it has been suggested."""
        return self._request("POST", "/suggestions", body={"name": name, "reason": reason})["count"]

    def suggestions(self) -> list[tuple[str, int, list[str]]]:
        """(name, count, reasons), most asked for first."""
        return from_wire(self._get("/suggestions"), list[tuple[str, int, list[str]]])

    def health(self) -> dict[str, Any]:
        """The server's /health answer (status, pid, index status, counts)."""
        return self._request("GET", "/health")

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> RemoteWorkbench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds a 503 asks the client to wait (capped at 2), else None."""
    if response.status_code != 503:
        return None
    try:
        return min(max(float(response.headers.get("retry-after", "")), 0.0), 2.0)
    except ValueError:
        return None


def _error_of(response: httpx.Response) -> WorkbenchError:
    """The same WorkbenchError subclass the server's facade raised, with its message."""
    try:
        detail = response.json()["error"]
        code, kind, message = detail.get("code", ""), detail.get("type", ""), detail["message"]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        return RemoteError(f"HTTP {response.status_code} from {response.url}", response.status_code)
    cls = getattr(errors, kind, None) if kind else None
    if isinstance(cls, type) and issubclass(cls, WorkbenchError) and cls is not WorkbenchError:
        try:
            return cls(message)
        except TypeError:  # a class whose constructor takes more (IndexBusyError)
            return errors.StoreError(message)
    return RemoteError(message, response.status_code, code)
