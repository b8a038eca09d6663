"""The OpenAPI 3.1 description of the JSON API, written down by hand (small and stable)."""

from __future__ import annotations

from typing import Any

from workbench import __version__


def _q(
    name: str, description: str, *, required: bool = False, kind: str = "string", many: bool = False
) -> dict:
    schema: dict[str, Any] = {"type": kind}
    if many:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _get(summary: str, params: list[dict], result: str) -> dict:
    return {"get": {"summary": summary, "parameters": params, "responses": _responses(result)}}


def _post(summary: str, fields: dict[str, str], required: list[str], result: str) -> dict:
    schema = {
        "type": "object",
        "required": required,
        "properties": {k: {"type": v} for k, v in fields.items()},
    }
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    return {"post": {"summary": summary, "requestBody": body, "responses": _responses(result)}}


def _responses(result: str) -> dict:
    error = {
        "description": "",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    return {
        "200": {"description": result, "content": {"application/json": {}}},
        "400": {**error, "description": "bad parameter, malformed JSON"},
        "401": {**error, "description": "missing or wrong bearer token"},
        "404": {**error, "description": "no such entity or endpoint"},
        "413": {**error, "description": "body too large"},
        "503": {**error, "description": "busy (see Retry-After) or index unavailable"},
        "504": {**error, "description": "request timed out"},
    }


def spec() -> dict[str, Any]:
    """The document served at /openapi.json."""
    rel = _q("relation", "only these relations (member_of, inherits, returns, raises, ...)", many=True)
    direction = _q("direction", "out, in or both (default both)")
    return {
        "openapi": "3.1.0",
        "info": {"title": "PyRAG Workbench", "version": __version__},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "type": {"type": "string", "description": "workbench.errors class"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                }
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/search": _get(
                "hybrid search",
                [
                    _q("q", "the query", required=True),
                    _q("k", "results (1-200, default 10)", kind="integer"),
                    _q("mode", "hybrid, vector or bm25"),
                    _q("library", "only these libraries", many=True),
                    _q("kind", "only these kinds", many=True),
                ],
                "ranked hits with explain",
            ),
            "/entities/{path}": {
                "get": {
                    "summary": "one entity by public, definition or alias path",
                    "parameters": [
                        {"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": _responses("the entity and its members"),
                }
            },
            "/resolve": _get(
                "definition path of a path", [_q("path", "a dotted path", required=True)], "path"
            ),
            "/graph/neighbors": _get(
                "edges at one hop", [_q("path", "node", required=True), rel, direction], "edges"
            ),
            "/graph/subgraph": _get(
                "neighbourhood within hops",
                [
                    _q("path", "node", required=True),
                    _q("hops", "0-6", kind="integer"),
                    rel,
                    direction,
                    _q("max_nodes", "1-5000", kind="integer"),
                ],
                "subgraph",
            ),
            "/graph/paths": _get(
                "shortest paths",
                [
                    _q("src", "from", required=True),
                    _q("dst", "to", required=True),
                    _q("max_hops", "1-6", kind="integer"),
                    rel,
                    _q("limit", "1-100", kind="integer"),
                ],
                "paths",
            ),
            "/ask": _post(
                "planned multi-hop answer",
                {
                    "question": "string",
                    "k": "integer",
                    "max_hops": "integer",
                    "timeout": "number",
                    "synthesize": "boolean",
                },
                ["question"],
                "plan, steps and ranked answers with paths and confidence",
            ),
            "/libraries": _get("libraries in the index", [], "libraries"),
            "/status": _get("row counts and index status", [], "counts and index"),
            "/feedback": _post(
                "record a result as good or bad for a query",
                {"query": "string", "path": "string", "verdict": "string"},
                ["query", "path", "verdict"],
                "definition path",
            ),
            "/suggestions": {
                **_get("queued library suggestions", [], "(name, count, reasons)"),
                **_post("suggest a library", {"name": "string", "reason": "string"}, ["name"], "count"),
            },
            "/health": {
                "get": {
                    "summary": "liveness and index status (no token)",
                    "security": [],
                    "responses": {"200": {"description": "ok"}, "503": {"description": "starting"}},
                }
            },
            "/metrics": {
                "get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text"}}}
            },
            "/mcp": {
                "post": {
                    "summary": "MCP streamable HTTP (tools: search, show, ask, neighbors, paths)",
                    "responses": {"200": {"description": "JSON-RPC"}},
                }
            },
        },
    }
