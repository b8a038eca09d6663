"""The MCP endpoint, driven by the official `mcp` SDK's own client over streamable HTTP."""

from __future__ import annotations

import asyncio
import json

from mcp import Client

TOOLS = {"search", "show", "ask", "neighbors", "paths"}


def _run(server, calls):
    async def session():
        async with Client(f"{server.url}/mcp") as client:
            listed = await client.list_tools()
            results = [await client.call_tool(name, args) for name, args in calls]
            return listed, results

    return asyncio.run(session())


def _payload(result):
    """A tool's JSON answer (structured content, else its text)."""
    if result.structured_content is not None:
        data = result.structured_content
        return data.get("result", data)
    return json.loads(result.content[0].text)


def test_the_sdk_client_lists_and_calls_every_tool(server):
    listed, results = _run(
        server,
        [
            ("search", {"query": "read timeout", "k": 3}),
            ("show", {"path": "h11.Connection"}),
            ("ask", {"question": "what raises PoolTimeout", "k": 2}),
            ("neighbors", {"path": "wbfixture.TransportError", "relation": ["inherits"], "direction": "in"}),
            ("paths", {"src": "wbfixture.ConnectionPool.acquire", "dst": "wbfixture.TransportError"}),
        ],
    )
    assert {tool.name for tool in listed.tools} == TOOLS
    assert all(tool.description for tool in listed.tools)
    assert not any(r.is_error for r in results)
    search, show, ask, neighbors, paths = (_payload(r) for r in results)
    assert "wbfixture.ReadTimeoutError" in [hit["path"] for hit in search]
    assert show["entity"]["public_path"] == "h11.Connection"
    assert ask["answer"] and ask["steps"]
    assert neighbors and {edge["relation"] for edge in neighbors} == {"inherits"}
    assert paths[0]["nodes"][-1].endswith("TransportError")


def test_a_failing_tool_says_why(server):
    _, (missing, empty) = _run(server, [("show", {"path": "wbfixture.Nope"}), ("search", {"query": " "})])
    assert missing.is_error and "wbfixture.Nope" in missing.content[0].text
    assert empty.is_error and "empty query" in empty.content[0].text
