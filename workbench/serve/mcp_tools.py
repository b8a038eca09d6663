"""The MCP endpoint (streamable HTTP, official `mcp` SDK): search, show, ask, neighbors and
paths as tools, so coding agents query the index the way they query docs servers.

Each tool runs in the same bounded pool as the JSON API and returns the same JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

from workbench.errors import WorkbenchError
from workbench.protocol import WorkbenchReader
from workbench.serve.config import is_loopback
from workbench.serve.errors import ApiError
from workbench.serve.service import Service
from workbench.wire import to_wire

T = TypeVar("T")

# sse_starlette (pulled in by the SDK) probes for uvicorn at import to patch its signal
# handler; this server runs under granian, so the probe is answered "not installed".
sys.modules.setdefault("uvicorn", None)  # type: ignore[arg-type]

from mcp.server.mcpserver import MCPServer  # noqa: E402
from mcp.server.mcpserver.exceptions import ToolError  # noqa: E402
from mcp.server.transport_security import TransportSecuritySettings  # noqa: E402

INSTRUCTIONS = (
    "Search the APIs of the Python libraries in this workbench index: `search` for entities "
    "by meaning or name, `show` for one entity's signature, docstring and members, `ask` for "
    "questions that take several lookups (answers come with evidence paths through the API "
    "graph), `neighbors` and `paths` to walk the graph (inherits, returns, raises, calls...)."
)


def make_mcp(service: Service) -> tuple[MCPServer, Any]:
    """The MCP server and its ASGI app (mounted at /mcp; its session manager is run by the
    main app's lifespan)."""
    server = MCPServer("workbench", instructions=INSTRUCTIONS)

    async def call(func: Callable[[WorkbenchReader], T]) -> T:
        try:
            return await service.call(func)
        except (WorkbenchError, ApiError) as error:  # the agent sees the one-line reason
            raise ToolError(str(error)) from None

    @server.tool()
    async def search(
        query: str, k: int = 10, mode: str = "hybrid", library: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Hybrid (vector + BM25) search of the indexed APIs; mode is hybrid, vector or bm25."""
        hits = await call(lambda r: r.search(query, k, mode=mode, libraries=library))
        return [h.to_json() for h in hits]

    @server.tool()
    async def show(path: str) -> dict[str, Any]:
        """One entity by dotted path (public, definition or alias): signature, docstring, members."""
        return to_wire(await call(lambda r: r.show(path)))

    @server.tool()
    async def ask(question: str, k: int = 5) -> dict[str, Any]:
        """A multi-hop question answered with ranked entities, evidence paths and confidence."""
        return (await call(lambda r: r.ask(question, k))).to_json()

    @server.tool()
    async def neighbors(
        path: str, relation: list[str] | None = None, direction: str = "both"
    ) -> list[dict[str, Any]]:
        """Edges of the API graph at one hop from a node (relations: inherits, returns, raises...)."""
        edges = await call(lambda r: r.neighbors(path, relation, direction))
        return [e.to_json() for e in edges]

    @server.tool()
    async def paths(src: str, dst: str, max_hops: int = 3) -> list[dict[str, Any]]:
        """Shortest paths between two nodes of the API graph."""
        found = await call(lambda r: r.paths(src, dst, min(max_hops, 6)))
        return [p.to_json() for p in found]

    host = service.config.host
    security = None
    if not is_loopback(host):  # the bearer token guards it; Host is whatever clients use
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app = server.streamable_http_app(
        streamable_http_path="/",
        stateless_http=True,
        json_response=True,
        transport_security=security,
        host=host if is_loopback(host) else "0.0.0.0",
    )
    return server, app
